"""`glacier._api` (what the compiler checks names against) is the library's real surface, and names that do
not resolve are errors with a did-you-mean (GLC212-GLC215)."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

import glacier
import glacier.config
from glacier import _api
from glacier.execution import ExecutionResource
from glacier.provider import Provider
from glacier.storage import Bucket
from glacierc.driver import compile_project


def _public(cls: type) -> set[str]:
    names = {n for n in dir(cls) if not n.startswith("_")}
    return names | set(getattr(cls, "__slots__", ())) | set(getattr(cls, "__dataclass_fields__", {}))


@pytest.mark.parametrize("cls", [Provider, ExecutionResource, Bucket])
def test_methods_are_the_classes_public_attributes(cls: type) -> None:
    table = _api.METHODS[cls.__name__]
    instance_attributes = {"Bucket": {"bucket", "path", "format", "config", "provider", "schema", "storage_options"}}
    assert set(table) == _public(cls) | instance_attributes.get(cls.__name__, set())
    for method, keywords in table.items():
        member = getattr(cls, method, None)
        if callable(member) and not isinstance(member, property):
            parameters = [name for name, p in inspect.signature(member).parameters.items()
                          if name != "self" and p.kind is not p.POSITIONAL_ONLY]
            assert tuple(parameters) == keywords, method


def test_module_names_are_the_modules_public_names() -> None:
    assert set(_api.module_names("glacier")) == set(glacier.__all__) | {"config"}
    assert set(_api.module_names("glacier.config")) == set(glacier.config.__all__) | set(glacier.config.CATALOGUE)


def test_task_and_pipeline_keywords_are_the_decorators_keywords() -> None:
    task_keywords = [p for p in inspect.signature(ExecutionResource.task).parameters if p not in ("self", "fn_or_name")]
    assert tuple(task_keywords) == _api.CALLS["task"]
    pipeline_keywords = [p for p in inspect.signature(glacier.pipeline).parameters if p != "fn_or_name"]
    assert tuple(pipeline_keywords) == _api.CALLS["pipeline"]
    assert tuple(p for p in inspect.signature(Provider.__init__).parameters if p != "self") == _api.CALLS["Provider"]


SOURCE = """\
from glacier import Provider, pipeline, Bukket
from glacier.config import AwsConfig, LambdaConfg, LambdaConfig
import glacier.config as gc
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
local_exec = provider.local()
fn = provider.serverles(config=LambdaConfig())
raw = provider.bucket(bucket="data", path="raw.parquet", fromat="parquet")
other = gc.S3Confg()

@lamda_exec.task()
def orphan(df):
    return df

@local_exec.task(retris=2)
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name="p")
def p():
    print("starting")
    laod(raw)
    load(raw)
"""

EXPECTED = [
    (1, "GLC212", "`glacier` has no name `Bukket`", "did you mean `Bucket`?"),
    (2, "GLC212", "`glacier.config` has no name `LambdaConfg`", "did you mean `LambdaConfig`?"),
    (8, "GLC213", "a provider has no attribute `serverles`", "did you mean `serverless`?"),
    (9, "GLC214", "`provider.bucket(...)` takes no argument `fromat`", "did you mean `format`?"),
    (10, "GLC212", "`glacier.config` has no name `S3Confg`", "did you mean `S3Config`?"),
    (12, "GLC215", "`lamda_exec` is not defined (in a decorator)", "did you mean `local_exec`?"),
    (16, "GLC214", "`@executor.task(...)` takes no argument `retris`", "did you mean `retries`?"),
    (23, "GLC215", "`laod` is not defined (in a pipeline body)", "did you mean `load`?"),
]


def test_names_that_do_not_resolve_are_errors_with_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(SOURCE)
    found = [(d.span.line, d.code, d.message, d.help) for d in compile_project([path]).diagnostics
             if d.code in ("GLC212", "GLC213", "GLC214", "GLC215")]
    assert found == EXPECTED


def test_spans_point_at_the_name(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(SOURCE)
    lines = SOURCE.splitlines()
    for d in compile_project([path]).diagnostics:
        if d.code in ("GLC212", "GLC213", "GLC215"):
            text = lines[d.span.line - 1][d.span.column - 1:d.span.end_column - 1]
            assert text in d.message, (text, d.message)


def test_old_api_names_are_left_to_the_migration_rules(tmp_path: Path) -> None:
    path = tmp_path / "old.py"
    path.write_text(textwrap.dedent("""\
        import glacier.providers as gp
        from glacier import GlacierEnv
        from glacier.providers import AWSProvider

        provider = AWSProvider(region="us-east-1")
        env = GlacierEnv(provider=provider)
        """))
    codes = {d.code for d in compile_project([path]).diagnostics}
    assert not codes & {"GLC212", "GLC213", "GLC214", "GLC215"}
    assert {"GLC101", "GLC102"} <= codes
