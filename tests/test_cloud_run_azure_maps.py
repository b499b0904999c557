"""`glacierc run --cloud` reports a mapped node's items on Azure, end to end on this machine: the real command
(a subprocess) calls the stand-in of the Function App's HTTP surface (tests/azure_durable_api.py) whose
orchestration, tests/fixtures/partitions/azure_daily's (a Functions task mapped over `events/2026/*.parquet`
with `partitions(max_parallel=3, tolerated_failures=1)`), is replayed by the Durable SDK, its listing and item
activities the app's real ones reading Azurite through Polars. The items are read from the instance's history:
the listing's keys, then one activity result per object (a report, or the failure it reported).
"""

from __future__ import annotations

import json
import re
import subprocess

import jsonschema
import pytest
from azure_durable_api import function_app_api
from test_cloud_run_azure import KEY, SCHEMA, run_cloud
from test_partitions_azure import FIXTURE, app, azurite, built, cloud_output, events, local_output, upload  # noqa: F401

pytest.importorskip("azure.durable_functions", reason="azure-functions-durable (dev extra) drives the orchestrator")


def _run(base: str, *args: str) -> subprocess.CompletedProcess:
    return run_cloud(FIXTURE, f"{base}api/orchestrators/daily", *args)


def test_a_tolerated_failing_object_is_counted_and_named_and_the_run_succeeds(app, tmp_path):  # noqa: F811
    module, service = app
    events(tmp_path / "cloud", bad=(2,))
    upload(service, tmp_path / "cloud")
    report = tmp_path / "report.json"
    with function_app_api(module, KEY) as (base, api):
        done = _run(base, "--report", str(report))
    assert [i.crash for i in api.instances.values()] == [None]
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "[start] clean (serverless, fn) ..." in lines
    at = next(i for i, line in enumerate(lines) if line.startswith("[1/2] clean (serverless, fn) ... ok "))
    assert lines[at].endswith(", 4 items"), lines[at]
    assert lines[at + 1] == "  4 items: 3 succeeded, 1 failed (at most 1 tolerated)"
    assert re.fullmatch(r"  item 2 `events/2026/day-02\.parquet` failed: \w+: .*user_id.*", lines[at + 2]), lines
    assert lines[at + 3] == "[start] combine (local, local_exec) ..."  # the next level, once the map ended
    assert lines[at + 4].startswith("[2/2] combine (local, local_exec) ... ok ")
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    clean = next(n for n in data["nodes"] if n["id"] == "clean")
    assert (clean["status"], clean["map"], clean["items"], clean["attempts"]) == ("ok", "events", 4, 1)
    assert clean["note"].startswith("1 of 4 items failed: item 2 `events/2026/day-02.parquet` failed: ")
    assert data["status"] == "ok" and data["totals"]["ok"] == 2
    events(tmp_path / "local", bad=(2,))
    assert cloud_output(service).equals(local_output(tmp_path / "local"))


def test_more_failing_objects_than_tolerated_fail_the_node_naming_them(app, tmp_path):  # noqa: F811
    module, service = app
    events(tmp_path / "cloud", bad=(0, 3))
    upload(service, tmp_path / "cloud")
    report = tmp_path / "report.json"
    with function_app_api(module, KEY) as (base, api):
        done = _run(base, "--report", str(report))
    assert [i.crash for i in api.instances.values()] == [None]
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    assert re.fullmatch(r"error: node `clean` \(task `clean`, pipeline\.py:\d+, called at pipeline\.py:\d+\) failed in "
                        r"execution `\S+`", lines[at]), lines[at]
    assert lines[at + 1:at + 3] == ["  glacier.NodeFailed: 2 of 4 objects failed, more than the 1 tolerated",
                                    "    4 items: 2 succeeded, 2 failed (at most 1 tolerated)"]
    assert [re.match(r"    item (\d+) `([^`]+)` failed: \w+: .*user_id", line).groups()
            for line in lines[at + 3:at + 5]] == [("0", "events/2026/day-00.parquet"), ("3", "events/2026/day-03.parquet")]
    assert "the orchestration ended with glacier.NodeFailed: " in done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    statuses = {n["id"]: (n["status"], n.get("items")) for n in data["nodes"]}
    assert statuses == {"clean": ("failed", 4), "combine": ("not run", None)}
