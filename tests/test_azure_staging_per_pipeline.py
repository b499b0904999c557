"""A task shared by two Azure pipelines orchestrated in one function app stages each pipeline's results in
that pipeline's own container: the generated Terraform gives the app one `GLACIER_STAGING_URI__<escaped
pipeline>` setting per pipeline (runtime.node.staging_variable), each the URL of its pipeline's container,
and the app's role on each container is conditioned on that pipeline's staged paths only. Both
orchestrations are replayed by the SDK (tests/azure_durable.py) with the real activities, in the settings
compute.tf declares (each container URL replaced by a local folder)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from terraform_tools import read_blocks

from tests.helpers import build_source

SOURCE = '''import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureFunctionConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000047"))
fn = provider.serverless(config=AzureFunctionConfig())
local_exec = provider.local()
raw = provider.bucket(bucket="raw", path="in.parquet")
first = provider.bucket(bucket="first", path="out.parquet")
second = provider.bucket(bucket="second", path="out.parquet")


@fn.task()
def load(source) -> pl.LazyFrame:
    return source.scan().with_columns(b=pl.col("a") * 2)


@local_exec.task()
def save_first(frame: pl.LazyFrame) -> None:
    first.write(frame)


@local_exec.task()
def save_second(frame: pl.LazyFrame) -> None:
    second.write(frame.select(total=pl.col("b").sum()))


@pipeline(name="daily-report")
def daily_report():
    save_first(load(raw))


@pipeline(name="daily_report")
def daily_report_2():
    save_second(load(raw))
'''
VARIABLES = {"daily-report": "GLACIER_STAGING_URI__daily_2Dreport", "daily_report": "GLACIER_STAGING_URI__daily_5Freport"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_source(SOURCE, tmp_path_factory.mktemp("azure_staging")) / "terraform"


def _staging_settings(module: Path) -> dict[str, str]:
    settings = read_blocks(module)["azurerm_linux_function_app"]["fn"]["app_settings"]
    return {k: v for k, v in settings.items() if k.startswith("GLACIER_STAGING_URI")}


def test_the_app_gets_one_staging_setting_per_pipeline_each_its_container(built):
    endpoint = "${azurerm_storage_account.glacier_staging.primary_blob_endpoint}"
    assert _staging_settings(built) == {
        "GLACIER_STAGING_URI__daily_2Dreport": endpoint + "${azurerm_storage_container.daily_report_staging.name}",
        "GLACIER_STAGING_URI__daily_5Freport": endpoint + "${azurerm_storage_container.daily_report_2_staging.name}"}
    containers = read_blocks(built)["azurerm_storage_container"]
    assert containers["daily_report_staging"]["name"] == "staging-daily-report"
    assert containers["daily_report_2_staging"]["name"] == "staging-daily-report-2"


def test_each_role_covers_its_pipelines_container_and_staged_paths_only(built):
    assignments = read_blocks(built)["azurerm_role_assignment"]
    first, second = assignments["daily_report_staging"], assignments["daily_report_2_staging"]
    assert first["scope"] == "${azurerm_storage_container.daily_report_staging.id}"
    assert second["scope"] == "${azurerm_storage_container.daily_report_2_staging.id}"
    assert "'daily_report-*/load.*'" in first["condition"] and "daily_report_2-*" not in first["condition"]
    assert "'daily_report_2-*/load.*'" in second["condition"]


def test_a_shared_task_stages_each_pipelines_results_in_its_own_container(built, tmp_path, monkeypatch):
    pytest.importorskip("azure.durable_functions")
    from azure_durable import Host, load_app

    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    pl.DataFrame({"a": [1, 2]}).write_parquet(data / "raw" / "in.parquet")
    monkeypatch.setenv("GLACIER_DATA_DIR", str(data))
    monkeypatch.delenv("GLACIER_STAGING_URI", raising=False)
    assert set(_staging_settings(built)) == set(VARIABLES.values())
    for pipeline, variable in VARIABLES.items():
        monkeypatch.setenv(variable, str(tmp_path / f"staging-{pipeline}"))
    app = load_app((built / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    runs = {}
    for pipeline, orchestrator in (("daily-report", "orchestrate_daily_report"),
                                   ("daily_report", "orchestrate_daily_report_2")):
        host = Host(app, orchestrator)
        state = host.run()
        assert state["isDone"] and state.get("error") is None, state
        runs[pipeline] = state["output"]["run_id"]
    for pipeline, run_id in runs.items():  # each run is in its pipeline's container, and only there
        assert sorted(p.name for p in (tmp_path / f"staging-{pipeline}").iterdir()) == [run_id]
        assert (tmp_path / f"staging-{pipeline}" / run_id / "load.parquet").exists()
    assert pl.read_parquet(data / "first" / "out.parquet")["b"].to_list() == [2, 4]
    assert pl.read_parquet(data / "second" / "out.parquet")["total"].to_list() == [6]
