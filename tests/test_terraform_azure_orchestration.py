"""The Durable Functions orchestration of Azure pipelines: schedules as NCRONTAB, home apps, stops, staging,
the registered functions of the generated app (read back from the real azure-functions app object)."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest
from azure_durable import extension_api, load_app, registered
from hcl2 import SerializationOptions

from glacierc.backends.terraform.azure_schedule import ncrontab
from glacierc.driver import build, compile_project
from tests.helpers import FIXTURES

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
ORDERS = FIXTURES / "azure_durable" / "orders" / "pipeline.py"

HEAD = """import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, LocalConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000042"))
local_exec = provider.local()
laptop = Provider(config=LocalConfig())
desk = laptop.local()
raw = provider.bucket(bucket="raw", path="in.parquet")
out = provider.bucket(bucket="out", path="out.parquet")


@local_exec.task(retries=1)
def load(source) -> pl.LazyFrame:
    return source.scan()


@desk.task()
def heavy(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame


@local_exec.task()
def save(frame: pl.LazyFrame) -> None:
    out.write(frame)

"""


@pytest.mark.parametrize(("schedule", "expected"), [
    ("rate(1 minute)", "0 * * * * *"),
    ("rate(15 minutes)", "0 */15 * * * *"),
    ("rate(60 minutes)", "0 0 * * * *"),
    ("rate(6 hours)", "0 0 */6 * * *"),
    ("rate(24 hours)", "0 0 0 * * *"),
    ("rate(1 day)", "0 0 0 * * *"),
    ("cron(0 12 * * ? *)", "0 0 12 * * *"),
    ("cron(15 6 ? * MON-FRI *)", "0 15 6 * * MON-FRI"),
    ("cron(0 8 ? * 2-6 *)", "0 0 8 * * 1-5"),  # EventBridge MON=2 is NCRONTAB's 1
    ("cron(0/30 9-17 ? * 1,7 *)", "0 0/30 9-17 * * 0,6"),
    ("cron(0 0 1 JAN,JUL ? *)", "0 0 0 1 JAN,JUL *"),
])
def test_schedules_become_ncrontab(schedule: str, expected: str) -> None:
    assert ncrontab(schedule) == (expected, None)


@pytest.mark.parametrize(("schedule", "reason"), [
    ("rate(7 minutes)", "7 does not divide 60"),
    ("rate(5 hours)", "5 does not divide 24"),
    ("rate(2 days)", "every 2 days is not evenly spaced"),
    ("cron(0 12 * * ? 2027)", "no year field"),
    ("cron(0 12 L * ? *)", "no `L`"),
    ("cron(0 12 ? * 2#1 *)", "no `#`"),
    ("cron(0 12 ? * 0 *)", "from 1 (Sunday) to 7 (Saturday)"),
])
def test_schedules_without_an_ncrontab_form_say_why(schedule: str, reason: str) -> None:
    expression, problem = ncrontab(schedule)
    assert expression is None and reason in problem


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pipeline.py"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_a_schedule_azure_cannot_express_is_an_error_at_its_span_in_check(tmp_path: Path) -> None:
    path = _write(tmp_path, '@pipeline(name="p", schedule="rate(7 minutes)")\ndef p():\n    save(load(raw))\n')
    found = [d for d in compile_project([path], env={}).diagnostics if d.code == "GLC401"]
    assert len(found) == 1
    line = HEAD.count("\n") + 1
    assert (found[0].span.line, found[0].span.column) == (line, 30)
    assert found[0].message == ("pipeline `p`: schedule 'rate(7 minutes)' has no NCRONTAB equivalent for the Azure "
                                "Functions timer that starts it: 7 does not divide 60: a timer restarts minute steps "
                                "every hour, so every 7 minutes is not evenly spaced; use a divisor of 60 or a "
                                "cron(...) expression")


def test_a_pipeline_without_functions_runs_in_an_app_generated_for_its_local_executor(tmp_path: Path) -> None:
    """load and save are local, heavy runs on a local executor of another provider: the orchestration lives in a
    generated app `local_exec`, runs load, and stops at heavy naming it; save (after the stop) is never reached."""
    path = _write(tmp_path, '@pipeline(name="p", schedule="cron(0 6 ? * MON *)")\ndef p():\n    save(heavy(load(raw)))\n')
    out = tmp_path / "out"
    result = build([str(path)], out, {})
    assert not result.has_errors, [d.message for d in result.diagnostics]
    notes = [d.message for d in result.diagnostics if d.code == "GLC409"]
    assert notes == ["pipeline `p`: Durable Functions orchestrator `orchestrate_p` in function app `local_exec` with "
                     "1 activity over 2 levels; no nodes fused; local node load runs as an activity of that app; "
                     "not orchestrated yet, the orchestration fails at: heavy (executor `desk` of another provider); timer "
                     "`0 0 6 * * MON`"]
    module = out / "terraform"
    apps = hcl2.loads((module / "compute.tf").read_text(), serialization_options=PLAIN)["resource"]
    labels = {label for block in apps for label in block.get("azurerm_linux_function_app", {})}
    assert labels == {"local_exec"}
    identities = (module / "iam.tf").read_text()
    assert 'resource "azurerm_user_assigned_identity" "local_exec"' in identities
    # the app's identity holds the local executor's roles (and the people running it locally keep theirs)
    assert 'resource "azurerm_role_assignment" "local_exec_hosted_raw"' in identities
    assert 'resource "azurerm_role_assignment" "local_exec_raw"' in identities
    pipelines = json.loads((module / "orchestration" / "pipelines.json").read_text())
    assert pipelines == {"p": {"function_app": "${app_p}", "orchestrator": "orchestrate_p",
                               "staging_container": "${staging_p}"}}


def test_the_app_registers_orchestrator_activities_and_starters(tmp_path: Path) -> None:
    pytest.importorskip("azure.durable_functions")
    out = tmp_path / "out"
    assert not build([str(ORDERS)], out, {}).has_errors
    app = load_app((out / "terraform" / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    triggers = {name: type(f.get_trigger()).__name__ for name, f in registered(app).items()}
    assert triggers == {
        "task_clean": "HttpTrigger", "task_per_day": "HttpTrigger", "task_per_region": "HttpTrigger",
        "orchestrate_orders": "OrchestrationTrigger",
        **{f"run_orders__{lead}": "ActivityTrigger"
           for lead in ("extract", "clean", "per_region", "save_daily", "save_regions")},
        "schedule_orders": "TimerTrigger", "start": "HttpTrigger"}
    assert registered(app)["schedule_orders"].get_trigger().schedule == "0 0 0 * * *"
    assert registered(app)["start"].get_trigger().route == "orchestrators/{pipeline}"
    requirements = (tmp_path / "app" / "requirements.txt").read_text().splitlines()
    assert "polars==2.1.0" in requirements and "azure-functions-durable==1.7.0" in requirements


def test_an_activity_refuses_an_event_for_another_group(tmp_path: Path) -> None:
    pytest.importorskip("azure.durable_functions")
    out = tmp_path / "out"
    assert not build([str(ORDERS)], out, {}).has_errors
    app = load_app((out / "terraform" / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    activity = registered(app)["run_orders__clean"].get_user_function()
    with pytest.raises(RuntimeError, match="runs group 'clean' of pipeline 'orders'"):
        activity({"pipeline": "orders", "group": "extract", "run_id": "orders-x"})
    with pytest.raises(RuntimeError, match="refused event keys 'uri'"):
        activity({"pipeline": "orders", "group": "clean", "run_id": "orders-x", "uri": "az://elsewhere"})


def test_the_staging_container_expires_and_is_the_pipelines_own(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert not build([str(ORDERS)], out, {}).has_errors
    storage = hcl2.loads((out / "terraform" / "storage.tf").read_text(), serialization_options=PLAIN)["resource"]
    policy = next(b["azurerm_storage_management_policy"]["glacier_staging"] for b in storage
                  if "glacier_staging" in b.get("azurerm_storage_management_policy", {}))
    rule = policy["rule"][0]
    assert rule["filters"][0]["prefix_match"] == ["staging-orders/"]
    assert rule["actions"][0]["base_blob"][0]["delete_after_days_since_modification_greater_than"] == 7
    account = next(b["azurerm_storage_account"]["glacier_staging"] for b in storage
                   if "glacier_staging" in b.get("azurerm_storage_account", {}))
    assert account["shared_access_key_enabled"] is False
    assert account["blob_properties"][0]["versioning_enabled"] is False
    compute = (out / "terraform" / "compute.tf").read_text()
    assert ('GLACIER_STAGING_URI__orders = "${azurerm_storage_account.glacier_staging.primary_blob_endpoint}'
            '${azurerm_storage_container.orders_staging.name}"') in compute


def test_the_starters_start_exactly_their_orchestrator(tmp_path: Path) -> None:
    """The HTTP starter (POST /api/orchestrators/<pipeline>) and the timer starter, run with the SDK's real
    client against a stand-in of the extension's HTTP API: each starts its pipeline's orchestrator; an
    unknown pipeline is a 404 that starts nothing."""
    import asyncio

    func = pytest.importorskip("azure.functions")
    pytest.importorskip("azure.durable_functions")
    out = tmp_path / "out"
    assert not build([str(ORDERS)], out, {}).has_errors
    app = load_app((out / "terraform" / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    functions = registered(app)
    start, timer = functions["start"].get_user_function(), functions["schedule_orders"].get_user_function()

    def request(pipeline: str):
        return func.HttpRequest(method="POST", url=f"https://app.example/api/orchestrators/{pipeline}", body=b"",
                                route_params={"pipeline": pipeline})

    async def calls(binding: str):  # one event loop, as in the worker (the SDK keeps one HTTP session)
        from azure.durable_functions.models.utils.http_utils import _close_session

        try:
            return (await start(request("orders"), client=binding), await start(request("other"), client=binding),
                    await timer(None, client=binding))
        finally:
            await _close_session()

    with extension_api() as (binding, started):
        response, missing, _ = asyncio.run(calls(binding))
    assert response.status_code == 202
    assert json.loads(response.get_body())["statusQueryGetUri"].endswith("/instances/instance1")
    assert missing.status_code == 404 and json.loads(missing.get_body())["pipelines"] == ["orders"]
    assert [s.orchestrator for s in started] == ["orchestrate_orders", "orchestrate_orders"]


def test_the_orchestration_stops_at_a_node_it_cannot_run_naming_it(tmp_path: Path, monkeypatch) -> None:
    """Replayed by the SDK (tests/azure_durable.py), with the activity on local files (GLACIER_DATA_DIR):
    load runs, the level of the node on another provider's executor fails the orchestration with
    glacier.NotOrchestrated, save never runs (vm, HDInsight and Databricks nodes are orchestrated:
    tests/test_azure_vm_groups.py, test_azure_cluster_runs.py, test_azure_databricks_runs.py)."""
    import polars as pl

    pytest.importorskip("azure.durable_functions")
    from azure_durable import Host

    path = _write(tmp_path, '@pipeline(name="p")\ndef p():\n    save(heavy(load(raw)))\n')
    out = tmp_path / "out"
    assert not build([str(path)], out, {}).has_errors
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    pl.DataFrame({"a": [1, 2]}).write_parquet(data / "raw" / "in.parquet")
    monkeypatch.setenv("GLACIER_DATA_DIR", str(data))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "staging"))
    app = load_app((out / "terraform" / "functions" / "local_exec.zip").read_bytes(), tmp_path / "app")
    host = Host(app, "orchestrate_p")
    state = host.run()
    line = HEAD.count("\n") + 3
    assert state["error"] == (f"glacier.NotOrchestrated: node `heavy` (task `heavy`, pipeline.py:{line}): runs on "
                              "executor `desk` of another provider, which the orchestration does not invoke yet")
    assert [(c.activity, c.error) for c in host.calls] == [("run_p__load", None)]
    assert (tmp_path / "staging" / f"p-{host.instance_id}" / "load.parquet").exists()


def test_the_apps_function_timeout_covers_the_local_tasks_it_runs(tmp_path: Path) -> None:
    """fn's own task allows 30 s, the local task it runs as an activity 200 s: host.json says 200 s (the
    config's 300 s caps it), not 30 s, which would stop the local node's activity."""
    import io
    import zipfile

    path = tmp_path / "pipeline.py"
    path.write_text('''import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureFunctionConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000043"))
local_exec = provider.local()
fn = provider.serverless(config=AzureFunctionConfig(plan="EP1", timeout=300))
raw = provider.bucket(bucket="raw", path="in.parquet")


@local_exec.task(timeout=200)
def load(source) -> pl.LazyFrame:
    return source.scan()


@fn.task(timeout=30)
def clean(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.drop_nulls()


@pipeline(name="p")
def p():
    return clean(load(raw))
''', encoding="utf-8")
    out = tmp_path / "out"
    assert not build([str(path)], out, {}).has_errors
    package = zipfile.ZipFile(io.BytesIO((out / "terraform" / "functions" / "fn.zip").read_bytes()))
    assert json.loads(package.read("host.json"))["functionTimeout"] == "00:03:20"
