"""GLC504: a result crossing executors with a return annotation that can never be stored as data."""

from __future__ import annotations

import pytest

from glacierc.checks.glc504_unstorable_boundary_value import unstorable_names
from glacierc.driver import compile_project

HEAD = """from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
local_exec = provider.local()
lambda_exec = provider.serverless(config=LambdaConfig(memory=1024))


@local_exec.task()
def make(){returns}:
    return None


@{consumer}.task()
def use(value) -> None:
    return None


@pipeline()
def flow():
    use(make())
"""


def codes(tmp_path, returns: str, consumer: str = "lambda_exec") -> list[str]:
    path = tmp_path / "pipeline.py"
    path.write_text(HEAD.format(returns=returns, consumer=consumer), encoding="utf-8")
    return [d.code for d in compile_project([str(path)]).diagnostics if d.code == "GLC504"]


@pytest.mark.parametrize("returns", [" -> set[int]", " -> bytes", " -> object", " -> pl.Series",
                                     " -> tuple[pl.DataFrame, frozenset]", " -> 'Iterator[int]'"])
def test_unstorable_annotations_crossing_executors_are_errors(tmp_path, returns):
    assert codes(tmp_path, returns) == ["GLC504"]


@pytest.mark.parametrize("returns", ["", " -> pl.LazyFrame", " -> tuple[pl.DataFrame, dict[str, int]]",
                                     " -> list[float] | None", " -> Any", " -> MyAlias"])
def test_storable_or_unknown_annotations_are_left_alone(tmp_path, returns):
    assert codes(tmp_path, returns) == []


def test_a_result_that_stays_on_its_executor_is_not_stored(tmp_path):
    assert codes(tmp_path, " -> set[int]", consumer="local_exec") == []


def test_names_are_read_from_the_annotation_syntax():
    assert unstorable_names("dict[str, set[int]]") == ["set"]
    assert unstorable_names("not valid python [") == [] and unstorable_names(None) == []
