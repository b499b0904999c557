"""Provider, execution resources, tasks and pipelines."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import glacier
from glacier import Pipeline, Provider, pipeline, task
from glacier.config import (
    CATALOGUE,
    AwsConfig,
    AzureConfig,
    Config,
    GcpConfig,
    LambdaConfig,
    LocalConfig,
    S3Config,
    fields_of,
)
from glacier.defaults import DEFAULT_EXECUTOR
from glacier.execution import ExecutionResource
from glacier.tasks import Task

PROVIDER_CONFIGS = {
    "aws": AwsConfig(),
    "gcp": GcpConfig(project_id="demo"),
    "azure": AzureConfig(subscription_id="sub"),
    "local": LocalConfig(),
}
METHOD_ROLES = {"bucket": "storage", "serverless": "serverless", "vm": "vm", "cluster": "cluster"}


def make(cls: type[Config]) -> Config:
    return cls(**{spec.name: "placeholder" for spec in fields_of(cls) if spec.required})


def create(provider: Provider, method: str, config: Config) -> object:
    if method == "bucket":
        return provider.bucket(bucket="b", path="x.parquet", config=config)
    return getattr(provider, method)(config=config)


def cases(match: bool) -> list[tuple[str, str, type[Config]]]:
    """(cloud, method, config class) where the class fits the method's role / provider's cloud."""
    return [
        (cloud, method, cls)
        for cloud in PROVIDER_CONFIGS
        for method, role in METHOD_ROLES.items()
        for cls in CATALOGUE.values()
        if cls.ROLE == role and (cloud == "local" or cls.CLOUD in ("any", cloud)) == match
    ]


def case_id(case: tuple[str, str, type[Config]]) -> str:
    return f"{case[0]}-{case[1]}-{case[2].__name__}"


# --- provider -------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", PROVIDER_CONFIGS)
def test_provider_cloud_comes_from_its_config(cloud: str) -> None:
    provider = Provider(config=PROVIDER_CONFIGS[cloud])
    assert provider.cloud == cloud
    assert provider.config is PROVIDER_CONFIGS[cloud]


def test_provider_needs_a_provider_config() -> None:
    with pytest.raises(ValueError, match=r"needs a provider config .* got S3Config \(a storage config\)"):
        Provider(config=S3Config())
    with pytest.raises(TypeError):
        Provider(config={"region": "us-east-1"})  # type: ignore[arg-type]


@pytest.mark.parametrize("case", cases(match=True), ids=case_id)
def test_configs_of_the_right_role_and_cloud_are_accepted(case: tuple[str, str, type[Config]]) -> None:
    cloud, method, cls = case
    provider = Provider(config=PROVIDER_CONFIGS[cloud])
    config = make(cls)
    resource = create(provider, method, config)
    assert resource.config is config  # type: ignore[attr-defined]
    if method != "bucket":
        assert isinstance(resource, ExecutionResource)
        assert (resource.kind, resource.provider) == (method, provider)


@pytest.mark.parametrize("case", cases(match=False), ids=case_id)
def test_configs_of_another_cloud_are_rejected(case: tuple[str, str, type[Config]]) -> None:
    cloud, method, cls = case
    with pytest.raises(ValueError) as error:
        create(Provider(config=PROVIDER_CONFIGS[cloud]), method, make(cls))
    message = str(error.value)
    assert cls.__name__ in message and repr(cls.CLOUD) in message and repr(cloud) in message


@pytest.mark.parametrize(
    ("method", "cls"),
    [(m, cls) for m, role in METHOD_ROLES.items() for cls in CATALOGUE.values() if cls.ROLE != role],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_configs_of_another_role_are_rejected(method: str, cls: type[Config]) -> None:
    with pytest.raises(ValueError) as error:
        create(Provider(config=LocalConfig()), method, make(cls))
    assert f"needs a {METHOD_ROLES[method]} config" in str(error.value)
    assert f"got {cls.__name__} (a {cls.ROLE} config)" in str(error.value)


@pytest.mark.parametrize(
    ("cloud", "default"), [("aws", "S3Config"), ("gcp", "GCSConfig"), ("azure", "AzureBlobConfig")]
)
def test_buckets_get_the_secure_storage_default_of_their_cloud(cloud: str, default: str) -> None:
    bucket = Provider(config=PROVIDER_CONFIGS[cloud]).bucket(bucket="b", path="x.csv")
    assert type(bucket.config).__name__ == default
    assert bucket.config.versioning  # type: ignore[union-attr]


def test_local_executor_and_local_bucket() -> None:
    provider = Provider(config=LocalConfig())
    executor = provider.local()
    assert (executor.kind, executor.provider, executor.config) == ("local", provider, None)
    assert provider.bucket(bucket="b", path="x.csv").config is None


# --- tasks ----------------------------------------------------------------------------------

lambda_exec = Provider(config=AwsConfig()).serverless(config=LambdaConfig(memory=2048))


@lambda_exec.task()
def extract(source: str, limit: int = 10) -> list[str]:
    """Extract some rows."""
    return [source] * limit


@lambda_exec.task(name="clean_rows", depends_on=[extract], retries=3, timeout=60)
def clean(rows: list[str]) -> list[str]:
    return rows[:1]


def test_task_keeps_the_function_identity() -> None:
    assert isinstance(extract, Task)
    assert extract.__name__ == "extract"
    assert extract.__doc__ == "Extract some rows."
    assert extract.__module__ == __name__
    assert extract.__qualname__ == "extract"
    assert inspect.signature(extract) == inspect.signature(extract.__wrapped__)
    assert list(inspect.signature(extract).parameters) == ["source", "limit"]
    assert inspect.signature(extract).parameters["limit"].default == 10
    assert extract.fn is extract.__wrapped__


def test_task_calls_its_function_in_process() -> None:
    assert extract("a", limit=2) == ["a", "a"]
    assert clean(extract("x")) == ["x"]


def test_task_metadata() -> None:
    assert (extract.name, extract.executor, extract.depends_on) == ("extract", lambda_exec, ())
    assert (extract.retries, extract.timeout) == (0, None)
    assert (clean.name, clean.depends_on, clean.retries, clean.timeout) == ("clean_rows", (extract,), 3, 60)
    assert clean.executor.config == LambdaConfig(memory=2048)


def test_bare_and_called_decorators() -> None:
    @task
    def bare() -> int:
        return 1

    @task()
    def called() -> int:
        return 2

    @task("renamed", depends_on=(bare,))
    def positional() -> int:
        return 3

    @lambda_exec.task
    def on_lambda() -> int:
        return 4

    assert [bare(), called(), positional(), on_lambda()] == [1, 2, 3, 4]
    assert bare.executor is DEFAULT_EXECUTOR and called.executor is DEFAULT_EXECUTOR
    assert DEFAULT_EXECUTOR.kind == "local" and DEFAULT_EXECUTOR.provider.cloud == "local"
    assert (positional.name, positional.depends_on) == ("renamed", (bare,))
    assert on_lambda.executor is lambda_exec


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"depends_on": [""]}, TypeError),
        ({"depends_on": [print]}, TypeError),
        ({"timeout": 1.5}, ValueError),
        ({"retries": 101}, ValueError),
        ({"tags": "nightly"}, ValueError),
        ({"retries": -1}, ValueError),
        ({"retries": True}, ValueError),
        ({"timeout": 0}, ValueError),
        ({"timeout": "60"}, ValueError),
        ({"name": ""}, ValueError),
    ],
)
def test_invalid_task_options(options: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        lambda_exec.task(**options)(lambda: None)


def test_task_name_given_twice() -> None:
    with pytest.raises(TypeError, match="twice"):
        task("a", name="b")


# --- pipelines ------------------------------------------------------------------------------


def test_pipeline_decorator_forms() -> None:
    @pipeline
    def bare() -> int:
        """Doc."""
        return 1

    @pipeline(name="named")
    def keyword() -> int:
        return 2

    @pipeline("positional")
    def positional() -> int:
        return 3

    assert isinstance(bare, Pipeline) and bare.name == "bare" and bare.__doc__ == "Doc."
    assert (keyword.name, positional.name) == ("named", "positional")
    assert [bare(), keyword.run(), positional.run(mode="local")] == [1, 2, 3]
    assert bare.fn is bare.__wrapped__
    assert glacier.__version__


def test_local_run_with_data_dir_reads_and_writes_under_it(tmp_path: Path) -> None:
    provider = Provider(config=AwsConfig())
    source = provider.bucket(bucket="in", path="x.csv")
    target = provider.bucket(bucket="out", path="y.parquet")
    (tmp_path / "in").mkdir()
    pl.DataFrame({"v": [3, -1, 2]}).write_csv(tmp_path / "in" / "x.csv")

    @task
    def double_positive(bucket: Any) -> pl.DataFrame:
        return bucket.read().filter(pl.col("v") > 0).with_columns(pl.col("v") * 2)

    @pipeline(name="etl")
    def etl() -> str:
        return target.write(double_positive(source))

    written = etl.run(mode="local", data_dir=tmp_path)
    assert written == str(tmp_path / "out" / "y.parquet")
    assert pl.read_parquet(written)["v"].to_list() == [6, 4]
    assert target.get_uri() == "s3://out/y.parquet"


def test_local_run_restores_buckets_after_a_failure(tmp_path: Path) -> None:
    bucket = Provider(config=GcpConfig(project_id="p")).bucket(bucket="b", path="x.csv")

    @pipeline
    def broken() -> None:
        raise KeyError(bucket.get_uri())

    with pytest.raises(KeyError, match=str(tmp_path)):
        broken.run(data_dir=tmp_path)
    assert bucket.get_uri() == "gs://b/x.csv"


def test_unknown_run_mode() -> None:
    with pytest.raises(ValueError, match="unknown run mode 'remote'"):
        Pipeline(lambda: None).run(mode="remote")


@pytest.mark.parametrize("mode", ["analyze", "generate"])
def test_compiler_modes_without_the_compiler(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "glacierc.api", None)  # makes `import glacierc.api` fail
    with pytest.raises(RuntimeError, match="requires the glacierc compiler"):
        Pipeline(test_unknown_run_mode).run(mode=mode)
