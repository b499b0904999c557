"""`glacierc run --cloud` on GCP reports a mapped node's items: the real command (a subprocess) against the
stand-in of the Workflows Executions API (tests/gcp_workflows_api.py) running tests/fixtures/partitions/
gcp_daily's deployed definition with the workflow interpreter, its `http.post` calls served by the built
Cloud Function and the Cloud Storage listing by the local files (tests/test_partitions_gcp.py). Step entries
carry no variables: the counts and the failed objects are the map's tally, which the execution returns (or
its error carries) in `items`, told when the execution ended.
"""

from __future__ import annotations

import json
import re

import jsonschema
from gcp_workflows_api import workflows_api
from test_cloud_run_gcp import SCHEMA, TOKEN, _run
from test_partitions_gcp import FIXTURE, built, execution, limited  # noqa: F401 (fixtures)

WORKFLOW = "projects/glacier-maps/locations/europe-west1/workflows/acme-daily"


def cloud_run(module, root, name: str, bad: tuple[int, ...], source, tmp_path, returncode: int):
    """`glacierc run --cloud` of `source` against the interpreted execution over the days, those in `bad`
    failing: its stderr lines and its report (validated against the report schema)."""
    _, interpreter, _ = execution(module, root, name, bad=bad)
    report = tmp_path / "report.json"
    with workflows_api(WORKFLOW, lambda execution_id: interpreter, TOKEN) as (base, api):
        done = _run(base, "--workflow", WORKFLOW, "--report", str(report), source=source)
    assert not api.crashes
    assert done.returncode == returncode, done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    return done.stderr.splitlines(), data


def test_a_failing_object_fails_the_node_naming_the_object_and_its_error(built, tmp_path):  # noqa: F811
    root, module = built
    lines, data = cloud_run(module, root, "cloud-bad", (1,), FIXTURE, tmp_path, returncode=1)
    at = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    assert re.fullmatch(r"error: node `clean` \(task `clean`, pipeline\.py:\d+, called at pipeline\.py:\d+\) failed in "
                        r"execution `\S+`", lines[at]), lines[at]
    assert lines[at + 1].startswith("  glacier.NodeFailed: node `clean` (task `clean`, pipeline.py:")
    assert lines[at + 1].endswith("failed on an object of dataset `events`"), lines
    # every other object ran: the tally of the map, then the failed object, its index and the call's error
    assert lines[at + 2] == "    6 items: 5 succeeded, 1 failed (at most 0 tolerated)", lines
    assert re.fullmatch(r"    item 2 `events/2026/day-01\.parquet` failed: HttpError: .*user_id.*", lines[at + 3]), lines
    statuses = {n["id"]: n["status"] for n in data["nodes"]}
    assert statuses == {"clean": "failed", "combine": "not run"}
    clean = next(n for n in data["nodes"] if n["id"] == "clean")
    assert (clean["map"], clean["items"]) == ("events", 6)


def test_a_tolerated_failure_is_counted_and_named_under_the_node(limited, tmp_path):  # noqa: F811
    root, module, source = limited
    lines, data = cloud_run(module, root, "cloud-one-bad", (2,), source, tmp_path, returncode=0)
    at = next(i for i, line in enumerate(lines) if line.startswith("[1/2] clean "))
    assert lines[at].endswith(", 6 items"), lines[at]
    assert lines[at + 1] == "  6 items: 5 succeeded, 1 failed (at most 1 tolerated)"
    assert re.fullmatch(r"  item 3 `events/2026/day-02\.parquet` failed: HttpError: .*user_id.*", lines[at + 2]), lines
    clean = next(n for n in data["nodes"] if n["id"] == "clean")
    assert (clean["status"], clean["map"], clean["items"]) == ("ok", "events", 6)
    assert clean["note"].startswith("1 of 6 items failed: item 3 `events/2026/day-02.parquet` failed: HttpError: ")
    assert data["status"] == "ok" and data["totals"]["ok"] == 2
