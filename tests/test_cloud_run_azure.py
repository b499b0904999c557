"""`glacierc run --cloud` on Azure, end to end on this machine: the real command (a subprocess) calls a
stand-in of the Function App's HTTP surface (tests/azure_durable_api.py) whose starter is the app's own
registered one, run with the SDK's real client; the orchestration it starts is replayed by the SDK
(tests/azure_durable.py), its activities the app's real ones reading and writing Azurite through Polars.
What the command prints and reports is read from that instance's status and history.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from azure_durable_api import function_app_api
from test_azure_durable_e2e import ORDERS, ORDERS_DATA, _read, _upload, app, azurite, built  # noqa: F401 (fixtures)

from tests.helpers import ROOT

pytest.importorskip("azure.durable_functions", reason="azure-functions-durable (dev extra) drives the orchestrator")

KEY = "test-function-key"
SCHEMA = json.loads((ROOT / "docs" / "run-report.schema.json").read_text(encoding="utf-8"))


def run_cloud(pipeline: Path, starter: str, *args: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    """`glacierc run PIPELINE --cloud --starter-url STARTER ARGS...` as a subprocess of this checkout, with the
    function key `key` in GLACIER_AZURE_FUNCTION_KEY (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GLACIER_AZURE_FUNCTION_KEY", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "stdlib")])
    if key is not None:
        env["GLACIER_AZURE_FUNCTION_KEY"] = key
    return subprocess.run([sys.executable, "-m", "glacierc", "run", str(pipeline), "--cloud", "--starter-url",
                           starter, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def _run(base: str, *args: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    return run_cloud(ORDERS, f"{base}api/orchestrators/orders", *args, key=key)


def test_an_azure_orchestration_is_started_followed_and_reported(app, tmp_path):  # noqa: F811
    module, service = app
    _upload(service, ORDERS_DATA)
    report = tmp_path / "report.json"
    with function_app_api(module, KEY) as (base, api):
        done = _run(base, "--report", str(report))
    assert [i.crash for i in api.instances.values()] == [None]
    assert done.returncode == 0, done.stderr
    (instance,) = api.instances
    lines = done.stderr.splitlines()
    assert lines[0] == f"started execution `{instance}` of {base}api/orchestrators/orders"
    assert "[start] clean, per_day (serverless, fn) ..." in lines
    assert any(line.startswith("[1/6] extract (local, local_exec) ... ok ") and line.endswith(", 5 rows")
               for line in lines), lines
    assert any(line.startswith("done: 6 nodes in ") for line in lines)
    assert lines[-2:] == ["wrote az://glacier-curated/daily/daily.parquet (3 rows)",
                          "wrote az://glacier-curated/regions/regions.parquet (3 rows)"]
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert data["status"] == "ok" and data["totals"]["ok"] == 6
    assert {n["id"]: n["rows"] for n in data["nodes"]}["per_day"] == 3  # the activities' own reports
    # the starter was called with the function key in its header, never in the URL
    starts = [(path, key) for method, path, key in api.requests if path.startswith("/api/")]
    assert starts == [("/api/orchestrators/orders", KEY)]
    assert _read(service, "glacier-curated", "daily/daily.parquet").height == 3


def test_a_failing_node_fails_the_command_naming_it_after_its_retries(app, tmp_path):  # noqa: F811
    module, service = app
    _upload(service, ORDERS_DATA.drop("amount"))  # clean filters on amount
    report = tmp_path / "report.json"
    with function_app_api(module, KEY) as (base, api):
        done = _run(base, "--report", str(report))
    assert [i.crash for i in api.instances.values()] == [None]
    assert done.returncode == 1, done.stderr
    assert "error: node `per_day` (task `per_day`, pipeline.py:" in done.stderr
    assert "the orchestration ended with glacier.NodeFailed: " in done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert (nodes["per_day"]["status"], nodes["per_day"]["attempts"]) == ("failed", 3)  # clean's retries=2
    assert nodes["clean"]["status"] == "cancelled" and nodes["save_daily"]["status"] == "not run"


def test_without_the_function_key_or_with_a_wrong_one_nothing_runs(app):  # noqa: F811
    module, _ = app
    with function_app_api(module, KEY) as (base, api):
        missing = _run(base, key=None)
        wrong = _run(base, key="not-the-key")
    assert missing.returncode == 2 and "error: no function key: set GLACIER_AZURE_FUNCTION_KEY" in missing.stderr
    assert wrong.returncode == 1 and "POST answered 401 Unauthorized" in wrong.stderr
    assert not api.instances and "not-the-key" not in wrong.stderr and "Traceback" not in wrong.stderr
