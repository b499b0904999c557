"""Azure pipelines end to end offline: the generated Durable Functions orchestrator, replayed by the
`azure-functions-durable` SDK (tests/azure_durable.py: the host loop the SDK's own tests use), calling the
generated activities, whose runner code reads and writes Azurite through Polars.

What cannot run offline: the Functions host and the Durable extension (the task hub in Azure queues and
tables, the HTTP and timer triggers firing). The orchestrator, its activities and the starters' code are the
package's own; the host's part (scheduling, retry timers) is played by the harness as DTFx does it.
Outputs equal the local runner's (`glacierc run --data-dir`) on the same data; a failing node fails the
orchestration naming it after its retries; the retry options are the task's.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date

import polars as pl
import pytest
from azure_durable import CALL_ACTIVITY_WITH_RETRY, Host, azurite_environment, azurite_or_skip, blob_service, load_app

from tests.helpers import FIXTURES

pytest.importorskip("azure.durable_functions", reason="azure-functions-durable (dev extra) drives the orchestrator")

ORDERS = FIXTURES / "azure_durable" / "orders" / "pipeline.py"
ORDERS_DATA = pl.DataFrame({
    "day": [date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 2), date(2026, 1, 3)],
    "region": ["emea", "apac", "emea", "emea", "amer"],
    "amount": [10.0, -5.0, 7.5, 2.5, 4.0],
})
DATA_CONTAINERS = ("glacier-raw", "glacier-curated")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from glacierc.driver import build

    out = tmp_path_factory.mktemp("azure_durable") / "out"
    result = build([str(ORDERS)], out, {})
    assert not result.has_errors, [d.message for d in result.diagnostics]
    return out


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    yield from azurite_or_skip(tmp_path_factory)


@pytest.fixture()
def app(built, azurite, tmp_path, monkeypatch):
    """The fn app's package, imported, with the settings Azure would give it pointing at Azurite."""
    staging = _staging_container(built, "orders")
    service = blob_service(azurite, (*DATA_CONTAINERS, staging))
    settings = {"GLACIER_STAGING_URI__orders": f"az://{staging}", **azurite_environment(azurite)}
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    module = load_app((built / "terraform" / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    return module, service


def _staging_container(built, pipeline: str) -> str:
    """The name of the pipeline's staging container, as the built Terraform creates it."""
    import hcl2
    from hcl2 import SerializationOptions

    text = (built / "terraform" / "storage.tf").read_text(encoding="utf-8")
    resources = hcl2.loads(text, serialization_options=SerializationOptions(strip_string_quotes=True,
                                                                             explicit_blocks=False))["resource"]
    label = f"{pipeline}_staging"
    return next(b["azurerm_storage_container"][label]["name"] for b in resources
                if label in b.get("azurerm_storage_container", {}))


def _upload(service, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    service.get_blob_client("glacier-raw", "orders/orders.parquet").upload_blob(buffer.getvalue(), overwrite=True)


def _read(service, container: str, name: str) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(service.get_blob_client(container, name).download_blob().readall()))


def test_the_orchestration_computes_what_the_local_runner_computes(app, built, tmp_path):
    module, service = app
    _upload(service, ORDERS_DATA)
    host = Host(module, "orchestrate_orders")
    state = host.run()
    assert state["isDone"] and state.get("error") is None, state
    # five activities for six nodes: clean and per_day ran in one (fused); a level's groups at once
    assert [c.activity for c in host.calls] == [
        "run_orders__extract", "run_orders__clean", "run_orders__per_region", "run_orders__save_daily",
        "run_orders__save_regions"]
    assert {c.event["run_id"] for c in host.calls} == {f"orders-{host.instance_id}"}
    assert state["output"]["pipeline"] == "orders" and len(state["output"]["groups"]) == 5
    # staged per run, only what crosses a group: per_day's input (clean) stayed in memory
    staged = sorted(b.name.split("/", 1)[1] for b in service.get_container_client(_staging_container(built, "orders"))
                    .list_blobs(name_starts_with=f"orders-{host.instance_id}/"))
    assert "clean.parquet" not in staged and "per_day.parquet" in staged and "extract.parquet" in staged
    # the local runner on the same data
    data = tmp_path / "data"
    (data / "glacier-raw" / "orders").mkdir(parents=True)
    ORDERS_DATA.write_parquet(data / "glacier-raw" / "orders" / "orders.parquet")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE", "GLACIER"))}
    local = subprocess.run([sys.executable, "-m", "glacierc", "run", str(ORDERS), "--data-dir", str(data)],
                           capture_output=True, text=True, timeout=300, env=env)
    assert local.returncode == 0, local.stderr
    for name in ("daily/daily.parquet", "regions/regions.parquet"):
        expected = pl.read_parquet(data / "glacier-curated" / name)
        assert _read(service, "glacier-curated", name).equals(expected), name


def test_a_failing_node_fails_the_orchestration_naming_it_after_its_retries(app):
    module, service = app
    _upload(service, ORDERS_DATA.drop("amount"))  # clean filters on amount: it fails on this data
    host = Host(module, "orchestrate_orders", instance_id="badbadbadbadbadbadbadbadbadbad00")
    state = host.run()
    assert state.get("output") is None
    assert "glacier.NodeFailed: node `clean` (task `clean`, pipeline.py:" in state["error"]
    assert "node `per_day` (task `per_day`" in state["error"]  # fused with clean: one activity
    # clean declares retries=2: three attempts of its activity, each failing; nothing after its level ran
    attempts = [c for c in host.calls if c.activity == "run_orders__clean"]
    assert len(attempts) == 3 and all("ColumnNotFoundError" in c.error for c in attempts)
    assert not [c for c in host.calls if c.activity.startswith("run_orders__save")]


def test_retry_options_are_the_tasks_and_a_level_fans_out(app):
    module, service = app
    _upload(service, ORDERS_DATA)
    host = Host(module, "orchestrate_orders")
    host.run()
    clean = next(a for a in host.actions if a["functionName"] == "run_orders__clean")
    assert clean["actionType"] == CALL_ACTIVITY_WITH_RETRY
    assert clean["retryOptions"] == {"firstRetryIntervalInMilliseconds": 1000, "maxNumberOfAttempts": 3}
    assert [(a["actionType"], a["functionName"]) for a in host.actions] == [
        (0, "run_orders__extract"),  # no retries: a plain activity call
        (1, "run_orders__clean"), (0, "run_orders__per_region"),  # one task_all
        (0, "run_orders__save_daily"), (0, "run_orders__save_regions")]
