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
