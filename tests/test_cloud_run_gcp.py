"""`glacierc run --cloud` on GCP, end to end on this machine: the real command (a subprocess) talks urllib to
a stand-in of the Workflows Executions API (tests/gcp_workflows_api.py) that runs each new execution's
deployed definition with the workflow interpreter, its calls served by the built Cloud Functions and jobs
(test_gcp_workflows_e2e.Cloud). What the command prints and reports is read from the step entries and the
execution that interpreter produced.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import polars as pl
from gcp_workflows_api import workflows_api
from gcp_workflows_interpreter import Interpreter
from terraform_tools import REPO
from test_gcp_workflows_e2e import BATCH, DATAPROC, ORDERS, ORDERS_DATA, Cloud, _built
from test_partitions_gcp import LIST, events, lister

WORKFLOW = "projects/glacier-e2e/locations/europe-west1/workflows/acme-orders"
TOKEN = "ya29.test-token"
MAP_JOBS = REPO / "tests" / "fixtures" / "terraform_gcp" / "workflow_map_jobs" / "pipeline.py"
SCHEMA = json.loads((REPO / "docs" / "run-report.schema.json").read_text(encoding="utf-8"))


def _cloud(tmp_path: Path, frame: pl.DataFrame) -> Cloud:
    module, _ = _built(ORDERS, tmp_path)
    data = tmp_path / "data"
    (data / "glacier-e2e-raw" / "orders").mkdir(parents=True)
    frame.write_parquet(data / "glacier-e2e-raw" / "orders" / "orders.parquet")
    return Cloud(module, data, tmp_path / "staging")


def _run(base: str | None, *args: str, token: str | None = TOKEN, path: str | None = None, source: Path = ORDERS):
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_OAUTH_ACCESS_TOKEN", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "stdlib")])
    if base is not None:
        env["CLOUDSDK_API_ENDPOINT_OVERRIDES_WORKFLOWEXECUTIONS"] = base
    if token is not None:
        env["GOOGLE_OAUTH_ACCESS_TOKEN"] = token
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "glacierc", "run", str(source), "--cloud", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_a_gcp_execution_is_started_followed_and_reported(tmp_path):
    cloud = _cloud(tmp_path, ORDERS_DATA)
    report = tmp_path / "report.json"
    with workflows_api(WORKFLOW, lambda execution: cloud.interpreter("orders", execution), TOKEN) as (base, api):
        done = _run(base, "--workflow", WORKFLOW, "--report", str(report))
    assert not api.crashes
    assert done.returncode == 0, done.stderr
    (name,) = api.runs
    execution = name.rsplit("/", 1)[1]
    lines = done.stderr.splitlines()
    assert lines[0] == f"started execution `{execution}` of {WORKFLOW}"
    assert "[start] extract (local, local_exec) ..." in lines and "[start] clean, per_day (serverless, fn) ..." in lines
    assert any(line.startswith("[1/6] extract (local, local_exec) ... ok ") for line in lines)
    done_line = next(i for i, line in enumerate(lines) if line.startswith("done: 6 nodes in "))
    assert lines[done_line].endswith(f"(execution `{execution}`)")
    # what the functions returned (the execution's result): the rows each save wrote, as a local run says
    curated = cloud.data / "glacier-e2e-curated"
    assert lines[done_line + 1:] == [f"wrote {curated / 'daily' / 'daily.parquet'} (3 rows)",
                                     f"wrote {curated / 'regions' / 'regions.parquet'} (3 rows)"]
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert data["status"] == "ok" and data["totals"]["ok"] == 6 and data["totals"]["rows_written"] == 6
    assert {n["id"]: n["attempts"] for n in data["nodes"]} == dict.fromkeys(
        ("extract", "clean", "per_day", "per_region", "save_daily", "save_regions"), 1)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert [(w["storage"], w["rows"]) for w in nodes["save_daily"]["writes"]] == [("daily", 3)]
    assert (nodes["extract"]["output"], nodes["per_day"]["output"]) == ("lazy", "lazy")
    # the plan the functions ran is this build's: the command compares them, as on AWS
    assert data["plan"] and "note: the deployed functions run plan" not in done.stderr
    assert all(0 < n["seconds"] < 60 for n in data["nodes"])
    # every request carried the token; the step entries were read page by page
    assert {auth for _, _, auth in api.requests} == {f"Bearer {TOKEN}"}
    assert any("pageToken=" in path for _, path, _ in api.requests)
    assert pl.read_parquet(cloud.data / "glacier-e2e-curated" / "daily" / "daily.parquet").height == 3


def test_a_failing_node_fails_the_command_naming_it_after_its_retries(tmp_path):
    cloud = _cloud(tmp_path, ORDERS_DATA.drop("amount"))  # clean filters on amount
    report = tmp_path / "report.json"
    with workflows_api(WORKFLOW, lambda execution: cloud.interpreter("orders", execution), TOKEN) as (base, api):
        done = _run(base, "--workflow", WORKFLOW, "--report", str(report))
    assert not api.crashes
    assert done.returncode == 1, done.stderr
    # the fused group clean + per_day fails where Polars resolves the missing column: in per_day, as the
    # function's error says
    assert "error: node `per_day` (task `per_day`, pipeline.py:29, called at pipeline.py:52) failed" in done.stderr
    assert "  HttpError: node `per_day` failed: ColumnNotFoundError:" in done.stderr
    assert ("the workflow ended with glacier.NodeFailed: node `clean` (task `clean`, pipeline.py:51); node "
            "`per_day` (task `per_day`, pipeline.py:52) failed\n") in done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert (nodes["per_day"]["status"], nodes["per_day"]["attempts"]) == ("failed", 3)  # clean's retries=2
    assert nodes["clean"]["status"] == "cancelled"  # in the failed group
    assert nodes["save_daily"]["status"] == "not run" and nodes["extract"]["status"] == "ok"
    assert nodes["extract"]["output"] == "lazy"  # what its function returned, carried by the error raised
    assert data["status"] == "failed" and "glacier.NodeFailed" in data["error"]


def test_without_credentials_or_with_a_refused_token_nothing_runs(tmp_path):
    done = _run("http://127.0.0.1:9/", "--workflow", WORKFLOW, token=None, path=str(tmp_path))  # no gcloud
    assert done.returncode == 2
    assert "error: no Google credentials: set GOOGLE_OAUTH_ACCESS_TOKEN, or install gcloud" in done.stderr
    with workflows_api(WORKFLOW, lambda execution: None, "another-token") as (base, api):
        done = _run(base, "--workflow", WORKFLOW)
    assert done.returncode == 1 and not api.runs
    assert (f"error: could not start an execution of {WORKFLOW}: POST answered 401 Unauthorized: Request had "
            "invalid authentication credentials.") in done.stderr
    assert TOKEN not in done.stderr and "Traceback" not in done.stderr
    done = _run("http://127.0.0.1:9/", "--workflow", "projects/p/workflows/w")
    assert done.returncode == 2 and "error: not a workflow id: 'projects/p/workflows/w'" in done.stderr


def test_what_the_service_says_reaches_the_terminal_without_control_characters():
    with workflows_api(WORKFLOW, lambda execution: None, TOKEN) as (base, api):
        api.answer = lambda *_: (500, {"error": {"message": "boom\x1b[2J\u202e"}})  # type: ignore[method-assign]
        done = _run(base, "--workflow", WORKFLOW)
    assert done.returncode == 1
    assert "POST answered 500 Internal Server Error: boom\\x1b[2J\\u202e" in done.stderr
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr


def test_mapped_nodes_on_jobs_are_reported_from_their_map_steps(tmp_path):
    module, _ = _built(MAP_JOBS, tmp_path)
    cloud = Cloud(module, tmp_path / "data", tmp_path / "staging")
    events(cloud.data)
    connectors = {LIST: lister(cloud.data, []), BATCH: cloud.batch, DATAPROC: cloud.dataproc}
    workflow = "projects/glacier-maps/locations/europe-west1/workflows/acme-daily"
    report = tmp_path / "report.json"
    with workflows_api(workflow, lambda execution: Interpreter(cloud.definition("daily"), cloud.http, connectors,
                                                               execution_id=execution), TOKEN) as (base, api):
        done = _run(base, "--workflow", workflow, "--report", str(report), source=MAP_JOBS)
    assert not api.crashes
    assert done.returncode == 0, done.stderr
    assert "[start] clean (vm, vm) ..." in done.stderr and "[start] distinct_users (cluster, spark) ..." in done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert {n: (r["status"], r["attempts"]) for n, r in nodes.items()} == dict.fromkeys(
        ("clean", "distinct_users", "combine"), ("ok", 1))
    # the jobs return no report: their nodes have the map step's duration; the function's has its rows
    assert nodes["clean"]["writes"] == [] and [w["storage"] for w in nodes["combine"]["writes"]] == ["daily", "users"]
