"""`glacierc run --cloud` on GCP names the object a mapped node failed on: the real command (a subprocess)
against the stand-in of the Workflows Executions API (tests/gcp_workflows_api.py) running
tests/fixtures/partitions/gcp_daily's deployed definition with the workflow interpreter, its `http.post`
calls served by the built Cloud Function and the Cloud Storage listing by the local files
(tests/test_partitions_gcp.py). Step entries carry no variables, so the items are not counted one by one on
GCP: the map's error (its `object` and `error`) is what names the failed object.
"""

from __future__ import annotations

import json
import re

import jsonschema
from gcp_workflows_api import workflows_api
from test_cloud_run_gcp import SCHEMA, TOKEN, _run
from test_partitions_gcp import FIXTURE, built, execution  # noqa: F401 (fixture)

WORKFLOW = "projects/glacier-maps/locations/europe-west1/workflows/acme-daily"


def test_a_failing_object_fails_the_node_naming_the_object_and_its_error(built, tmp_path):  # noqa: F811
    root, module = built
    _, interpreter, _ = execution(module, root, "cloud-bad", bad=(1,))
    report = tmp_path / "report.json"
    with workflows_api(WORKFLOW, lambda execution_id: interpreter, TOKEN) as (base, api):
        done = _run(base, "--workflow", WORKFLOW, "--report", str(report), source=FIXTURE)
    assert not api.crashes
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    assert re.fullmatch(r"error: node `clean` \(task `clean`, pipeline\.py:\d+, called at pipeline\.py:\d+\) failed in "
                        r"execution `\S+`", lines[at]), lines[at]
    assert lines[at + 1].startswith("  glacier.NodeFailed: node `clean` (task `clean`, pipeline.py:")
    assert re.fullmatch(r"    object `events/2026/day-01\.parquet`: HttpError: .*user_id.*", lines[at + 2]), lines
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    statuses = {n["id"]: n["status"] for n in data["nodes"]}
    assert statuses == {"clean": "failed", "combine": "not run"}
    assert next(n for n in data["nodes"] if n["id"] == "clean")["map"] == "events"
