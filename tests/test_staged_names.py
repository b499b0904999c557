"""A node's staged names and checkpoint files use its stem (runtime.node.staged_stem), never the raw node id.

A node id is a task name, and `@task(name=...)` takes any string: with raw ids, node `x`'s grant `<run>/x.*`
matched node `x.parquet`'s `x.parquet.json`, `x*` was a wildcard in every cloud's pattern, `0` matched a
map's item `0.json` (the first `*` of `<run>-*` spans `/`), and `../x` wrote beside the checkpoint folder.
Stems hold only ASCII letters, digits, `_` and `-XX` escapes, never start with a digit, and are one-to-one; so
on AWS (S3 ARN patterns), Azure (ABAC StringLike) and GCP (CEL `extract` templates) no node's patterns match
another node's names, and each matches its own. A local run with such task names checkpoints and resumes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from azure_abac import like
from iam_eval_gcp import evaluate, object_request

from glacierc.backends.terraform.aws_orchestration import staged_keys
from glacierc.backends.terraform.azure_orchestration import staged_pattern
from glacierc.backends.terraform.gcp_orchestration import StagingBinding, staging_condition
from glacierc.runtime.node import staged_stem

HOSTILE = ("clean", "name_2", "x", "x.parquet", "x.0", "x*", "x?", "x[1]", "0", "12", "../x", "a/b", "é", "x-2E",
           "x.", "it's")
RUN = "p-0123456789abcdef"
REPO = Path(__file__).resolve().parent.parent


def names(node: str, mapped: bool) -> list[str]:
    """The keys below a run's folder that the runtime stages for `node` (checkpoints.Checkpoints.path)."""
    stem = staged_stem(node)
    if mapped:
        return [f"{stem}/{i}{suffix}" for i in (0, 3, 12) for suffix in (".json", ".parquet", ".0.parquet")]
    return [f"{stem}{suffix}" for suffix in (".json", ".parquet", ".0.parquet", ".12.parquet")]


def azure(node: str, mapped: bool, key: str) -> bool:
    return like(staged_pattern("p", node, mapped)).fullmatch(f"{RUN}/{key}") is not None


def aws(node: str, mapped: bool, key: str) -> bool:
    # an S3 object ARN `arn:aws:s3:::<bucket>/<execution>/<key>` against `<bucket ARN>` + the pattern
    return any(like(p).fullmatch(f"/{RUN}/{key}") for p in staged_keys(node, {node} if mapped else set()))


def gcp(node: str, mapped: bool, key: str) -> bool:
    """The generated IAM condition evaluated on the object `<execution>/<key>` of bucket `b`
    (tests/iam_eval_gcp.py: `extract`'s variable spans `/`, the widest reading)."""
    binding = StagingBinding("l", "staging", "roles/storage.objectViewer", "a", (node,), "t", (node,) if mapped else ())
    condition = "".join(part if isinstance(part, str) else "b" for part in staging_condition(binding).parts)
    return evaluate(condition, object_request("b", f"{RUN}/{key}"))


def test_a_stem_is_escaped_one_to_one_and_never_a_number():
    assert [staged_stem(n) for n in ("clean", "name_2", "x.parquet", "x*", "0", "../x", "é")] == [
        "clean", "name_2", "x-2Eparquet", "x-2A", "-30", "-2E-2E-2Fx", "-C3-A9"]
    stems = [staged_stem(n) for n in HOSTILE]
    assert len(set(stems)) == len(HOSTILE)
    assert all(re.fullmatch(r"[A-Za-z_-][A-Za-z0-9_-]*", s) for s in stems)


@pytest.mark.parametrize("cloud", [aws, azure, gcp], ids=["aws", "azure", "gcp"])
def test_no_node_pattern_matches_another_nodes_names(cloud):
    for node in HOSTILE:
        for mapped in (False, True):
            assert all(cloud(node, mapped, key) for key in names(node, mapped)), (node, mapped)
            leaks = [(other, key) for other in HOSTILE if other != node for other_mapped in (False, True)
                     for key in names(other, other_mapped) if cloud(node, mapped, key)]
            assert not leaks, (node, mapped, leaks)


def test_with_raw_ids_the_patterns_would_leak():
    """Why the stems: the same StringLike patterns over raw ids match another node's names."""
    assert like(f"p-*/x.*").fullmatch(f"{RUN}/x.parquet.json")
    assert like(f"p-*/x*.*").fullmatch(f"{RUN}/xyz.json")
    assert like(f"p-*/0.*").fullmatch(f"{RUN}/clean/0.json")


SOURCE = '''import polars as pl
from glacier import Provider, pipeline
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig(base_path="./data"))
local_exec = provider.local()
raw = provider.bucket(bucket="raw", path="in.parquet")
out = provider.bucket(bucket="out", path="out.parquet")


@local_exec.task(name="x")
def first(source) -> pl.LazyFrame:
    return source.scan()


@local_exec.task(name="x.parquet")
def second(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(b=pl.col("a") * 2)


@local_exec.task(name="../x*")
def save(frame: pl.LazyFrame) -> None:
    out.write(frame)


@pipeline(name="names")
def names():
    save(second(first(raw)))
'''


def test_a_local_run_checkpoints_hostile_task_names_by_their_stems_and_resumes(tmp_path):
    import polars as pl

    (tmp_path / "pipeline.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "data" / "raw").mkdir(parents=True)
    pl.DataFrame({"a": [1, 2]}).write_parquet(tmp_path / "data" / "raw" / "in.parquet")
    command = [sys.executable, "-m", "glacierc", "run", str(tmp_path / "pipeline.py"), "--checkpoint", "ck"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's glacierc, from the data's folder
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in (tmp_path / "ck").iterdir() if not p.name.startswith(".")) == [
        "-2E-2E-2Fx-2A.json", "x-2Eparquet.json", "x-2Eparquet.parquet", "x.json", "x.parquet"]
    assert not (tmp_path / "x*.json").exists()  # nothing beside the checkpoint folder
    assert pl.read_parquet(tmp_path / "ck" / "x-2Eparquet.parquet")["b"].to_list() == [2, 4]
    again = subprocess.run([*command, "--resume"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("skipped (from checkpoint)") == 3, again.stderr
