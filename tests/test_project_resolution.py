"""What a multi-file project means does not depend on file names: an executor declared in one module and
used in another binds its tasks whatever the modules' sort order."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glacierc.driver import compile_project

INFRA = """\
from glacier import Provider
from glacier.config import AwsConfig, LambdaConfig

provider = Provider(config=AwsConfig(region="us-east-1"))
lambda_exec = provider.serverless(config=LambdaConfig(memory=1024))
raw = provider.bucket(bucket="acme-raw", path="raw.parquet")
"""

APP = """\
from glacier import pipeline
import polars as pl
from {infra} import lambda_exec, raw

@lambda_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name="p")
def p():
    load(raw)
"""


@pytest.mark.parametrize("infra", ["ainfra", "zinfra"])  # before and after `app` in sort order
def test_executor_resolution_does_not_depend_on_module_order(tmp_path: Path, infra: str) -> None:
    (tmp_path / f"{infra}.py").write_text(INFRA)
    (tmp_path / "app.py").write_text(textwrap.dedent(APP.format(infra=infra)))
    result = compile_project([tmp_path])
    assert not result.has_errors, result.diagnostics
    assert [(e.name, e.kind) for e in result.project.executors] == [("lambda_exec", "serverless")]
    assert [(t.name, t.executor) for t in result.project.tasks] == [("load", "lambda_exec")]
    from glacierc.backends.terraform import emit

    files, _ = emit(result.project, None)
    assert any('resource "aws_lambda_function"' in text for text in files.values() if isinstance(text, str))
    assert any("acme-raw" in text and "s3:GetObject" in text for text in files.values() if isinstance(text, str))


LOCAL_INFRA = """\
from glacier import Provider
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig())
local_exec = provider.local()
raw = provider.bucket(bucket="raw", path="raw.parquet")
other = provider.bucket(bucket="other", path="other.parquet")
"""

A = """\
from glacier import pipeline
import polars as pl
from .infra import local_exec, raw

@local_exec.task()
def load(source) -> pl.DataFrame:
    return source.read()

@pipeline(name="p")
def p():
    load(raw)
"""

B = """\
from glacier import pipeline
import polars as pl
from proj.infra import local_exec, other

@local_exec.task()
def count(source) -> pl.DataFrame:
    return source.scan().select(pl.len()).collect()

@pipeline(name="q")
def q():
    count(other)
"""


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "infra.py").write_text(LOCAL_INFRA)
    (package / "a.py").write_text(A)
    (package / "b.py").write_text(B)
    return package


def test_one_file_of_a_project_follows_its_imports(tmp_path: Path) -> None:
    package = _package(tmp_path)
    result = compile_project([package / "a.py"])
    assert not result.diagnostics, result.diagnostics  # `other` is used by b.py, not compiled: no GLC206
    assert [p.name for p in result.project.pipelines] == ["p"]
    assert [(n.id, n.executor, n.reads) for n in result.project.pipelines[0].nodes] == [
        ("load", "local_exec", ("raw",))]
    both = compile_project([package / "a.py", package / "b.py"])  # several paths compile together
    assert sorted(p.name for p in both.project.pipelines) == ["p", "q"] and not both.diagnostics


def test_storage_unused_by_every_module_is_still_reported(tmp_path: Path) -> None:
    package = _package(tmp_path)
    (package / "b.py").write_text(B.replace("count(other)", "count(raw)").replace(", other", ", raw"))
    codes = [(d.code, d.message) for d in compile_project([package / "a.py"]).diagnostics]
    assert codes == [("GLC206", "storage `other` is declared but never used")]


def test_glacierc_run_of_one_file_runs_its_pipeline(tmp_path: Path) -> None:
    import subprocess
    import sys

    import polars as pl

    package = _package(tmp_path)
    (tmp_path / "data" / "raw").mkdir(parents=True)
    pl.DataFrame({"x": [1, 2, 3]}).write_parquet(tmp_path / "data" / "raw" / "raw.parquet")
    (tmp_path / "data" / "other").mkdir()
    pl.DataFrame({"x": [1]}).write_parquet(tmp_path / "data" / "other" / "other.parquet")
    for args, expected in (([package / "a.py"], "load"), ([package / "a.py", package / "b.py", "--pipeline", "q"], "count")):
        run = subprocess.run([sys.executable, "-m", "glacierc", "run", *map(str, args), "--data-dir",
                              str(tmp_path / "data")], capture_output=True, text=True, cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert f"] {expected} (local" in run.stdout + run.stderr and "done: 1 node" in run.stdout + run.stderr
