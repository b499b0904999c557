"""Local runs deny what the cloud would deny: the runner enforces each executor's proven access (ACCESS in its
plan, the same sets its IAM role is granted), so storage the compiler could not see fails the node locally,
naming the node, the storage and the missing grant, instead of failing with AccessDenied after deploy."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import hcl2
import polars as pl
import pytest
from hcl2 import SerializationOptions
from terraform_tools import emit_pipeline

from tests.test_runner_support import FIXTURES, ROOT, run, runner_text, write_runner

LEAKY = FIXTURES / "access" / "pipeline.py"
REFLECTING = FIXTURES / "access_reflection" / "pipeline.py"


def _data(directory: Path) -> Path:
    data = directory / "data"
    (data / "access-raw").mkdir(parents=True)
    pl.DataFrame({"n": [1, 2, 3]}).write_parquet(data / "access-raw" / "in.parquet")
    return data


def _plan_literal(text: str, name: str) -> object:
    """A top-level `NAME = literal` of a generated runner, read back without running it."""
    for statement in ast.parse(text).body:
        if isinstance(statement, ast.Assign) and [getattr(t, "id", None) for t in statement.targets] == [name]:
            return ast.literal_eval(statement.value)
    raise AssertionError(f"no {name} in the runner")


def test_storage_the_compiler_cannot_see_fails_the_node_naming_the_missing_grant(tmp_path):
    runner, data = write_runner(tmp_path, LEAKY), _data(tmp_path)
    report = tmp_path / "report.json"
    done = run(runner, "--data-dir", str(data), "--report", str(report), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert ("AccessRefused: node `leak` writes `out`, but its proven access (what the cloud grants executor "
            "`local_exec`) is: reads `raw`, writes none; missing grant: writes `out`") in done.stderr
    assert "error: node `leak` (task `leak`, pipeline.py:" in done.stderr
    assert not (data / "access-out").exists()  # nothing written, nothing committed
    leak = next(n for n in json.loads(report.read_text())["nodes"] if n["id"] == "leak")
    assert leak["status"] == "failed" and leak["error"].startswith("AccessRefused: node `leak` writes `out`")
    assert leak["attempts"] == 1  # retries=2, but a refusal would be refused again: not retried


def test_glacierc_run_refuses_the_same(tmp_path):
    data = _data(tmp_path)
    done = subprocess.run([sys.executable, "-m", "glacierc", "run", str(LEAKY), "--data-dir", str(data)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr
    assert "node `leak` writes `out`, but its proven access" in done.stderr


def test_a_conservative_grant_allows_locally_what_it_allows_in_the_cloud(tmp_path):
    """globals(): GLC205 grants every bucket of the module to the executor, read and write; so does the runner."""
    runner, data = write_runner(tmp_path, REFLECTING), _data(tmp_path)
    assert _plan_literal(runner.read_text(), "ACCESS")["local_exec"] == {"reads": ("out", "raw"),
                                                                         "writes": ("out", "raw")}
    done = run(runner, "--data-dir", str(data), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pl.read_parquet(data / "access-out" / "out.parquet")["twice"].to_list() == [2, 4, 6]


def _iam_objects(path: Path) -> dict[str, dict[str, set[str]]]:
    """Per role: the S3 object ARNs its policy lets it read (GetObject) and write (PutObject)."""
    files, _, _ = emit_pipeline(path)
    granted: dict[str, dict[str, set[str]]] = {}
    for name, text in files.items():
        if not name.endswith("/iam.tf"):
            continue
        parsed = hcl2.loads(text, serialization_options=SerializationOptions(
            strip_string_quotes=True, explicit_blocks=False))
        for data in parsed.get("data", []):
            for label, body in data.get("aws_iam_policy_document", {}).items():
                role = granted.setdefault(label.removesuffix("_access"), {"reads": set(), "writes": set()})
                for statement in body["statement"]:
                    for verb, action in (("reads", "s3:GetObject"), ("writes", "s3:PutObject")):
                        if action in statement["actions"]:
                            role[verb].update(r for r in statement["resources"] if r.startswith("arn:aws:s3:::"))
    return granted


@pytest.mark.parametrize("path", [LEAKY, REFLECTING], ids=["leaky", "reflecting"])
def test_the_runner_enforces_exactly_what_iam_grants(path):
    text = runner_text(path)
    storage, access = _plan_literal(text, "STORAGE"), _plan_literal(text, "ACCESS")
    iam = _iam_objects(path)
    for executor, grant in access.items():
        for verb in ("reads", "writes"):
            arns = {f"arn:aws:s3:::{storage[s]['bucket']}/{storage[s]['path']}" for s in grant[verb]}
            assert arns == iam[executor][verb], (executor, verb)
