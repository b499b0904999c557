"""`glacierc run --cloud` on Azure reports Databricks groups, end to end on this machine: the real command (a
subprocess) calls the stand-in of the Function App's HTTP surface (tests/azure_durable_api.py), whose starter
starts the orchestration of tests/fixtures/terraform_azure/databricks_runs, replayed by the Durable SDK with
the app's real activities; those submit each group's and each object's one-time run to the workspace stand-in
of tests/test_azure_databricks_runs.py, which runs the built job.py against Azurite. What the command prints
and reports is read from the instance's status and history: a Databricks activity returns no node reports,
only its run's end (`{"pipeline", "group", "remote", "detail"}`), and each object of the map its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from azure_durable_api import function_app_api
from test_azure_databricks_runs import OBJECTS, SOURCE, azurite, built, deployed  # noqa: F401 (fixtures)
from test_azure_remote_maps import _parquet
from test_cloud_run_azure import KEY, SCHEMA, run_cloud

from glacierc.cloud_azure import remote_failure, remote_run
from tests.helpers import build_source

pytest.importorskip("azure.durable_functions", reason="azure-functions-durable (dev extra) drives the orchestrator")

BAD = "events/2026-01-02.parquet"  # item 1 of the listing
#: How an object's failed Databricks run is said: the run's end and the last line of its state message (the
#: stand-in's is the job's stderr tail, ending with what the runner raised).
BAD_RUN = (r"item 1 `events/2026-01-02\.parquet` failed: RemoteFailed: node `bump` \(task `bump`, pipeline\.py:\d+\) "
           r"failed on databricks: run \d+ FAILED: glacier_runner_p\.NodeFailed: node `bump` failed: ComputeError: "
           r"parquet: .*")


@pytest.fixture(scope="module")
def tolerant(tmp_path_factory) -> Path:
    """The fixture with its map tolerating one failed object."""
    source = SOURCE.replace("partitions(max_parallel=2)", "partitions(max_parallel=2, tolerated_failures=1)")
    assert source != SOURCE
    return build_source(source, tmp_path_factory.mktemp("databricks_tolerant"))


def _follow(built: Path, azurite: str, tmp_path: Path, monkeypatch, bad: bool):  # noqa: F811
    """`glacierc run --cloud` of the build's pipeline against its deployed app; the command's outcome, its
    stderr lines, its report and the blob service."""
    objects = {name: _parquet(values) for name, values in OBJECTS.items()}
    if bad:
        objects[BAD] = b"not parquet"
    report = tmp_path / "report.json"
    with deployed(built, azurite, tmp_path, monkeypatch, objects) as (app, service, _, _):
        with function_app_api(app, KEY) as (base, api):
            done = run_cloud(built.parent / "pipeline.py", f"{base}api/orchestrators/p", "--report", str(report))
    assert [i.crash for i in api.instances.values()] == [None]
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    return done, done.stderr.splitlines(), data, service


def _at(lines: list[str], pattern: str) -> int:
    return next(i for i, line in enumerate(lines) if re.fullmatch(pattern, line))


def test_a_databricks_group_and_map_say_their_runs_and_have_no_rows(built, azurite, tmp_path, monkeypatch):  # noqa: F811
    done, lines, data, _ = _follow(built, azurite, tmp_path, monkeypatch, bad=False)
    assert done.returncode == 0, done.stderr
    assert "[start] bump (cluster, notebooks) ..." in lines and "[start] heavy (cluster, notebooks) ..." in lines
    bump = _at(lines, r"\[2/4\] bump \(cluster, notebooks\) \.\.\. ok \d+\.\d\d s, 3 items")
    assert lines[bump + 1] == "  3 items: 3 succeeded, 0 failed"
    # the group's run returned no node report: no rows, and the run's end under its line (bump's 3 runs came first)
    heavy = _at(lines, r"\[3/4\] heavy \(cluster, notebooks\) \.\.\. ok \d+\.\d\d s")
    assert lines[heavy + 1] == "  ran on databricks: run 4 SUCCESS"
    assert lines[heavy + 2] == "[start] save (local, local_exec) ..."
    assert re.fullmatch(r"\[4/4\] save \(local, local_exec\) \.\.\. ok \d+\.\d\d s, 7 rows", lines[heavy + 3])
    assert lines[-2:] == ["wrote az://out/doubled.parquet (2 rows)", "wrote az://out/bumped.parquet (5 rows)"]
    nodes = {n["id"]: n for n in data["nodes"]}
    assert {k: nodes["heavy"][k] for k in ("status", "rows", "writes", "attempts", "note")} == {
        "status": "ok", "rows": None, "writes": [], "attempts": 1, "note": "ran on databricks: run 4 SUCCESS"}
    assert {k: nodes["bump"][k] for k in ("status", "map", "items", "rows", "note")} == {
        "status": "ok", "map": "events", "items": 3, "rows": None, "note": None}
    assert data["status"] == "ok" and data["totals"]["ok"] == 4 and data["totals"]["rows_written"] == 7


def test_a_tolerated_failed_run_of_an_object_is_counted_and_named(tolerant, azurite, tmp_path, monkeypatch):  # noqa: F811
    done, lines, data, service = _follow(tolerant, azurite, tmp_path, monkeypatch, bad=True)
    assert done.returncode == 0, done.stderr
    at = _at(lines, r"\[2/4\] bump \(cluster, notebooks\) \.\.\. ok \d+\.\d\d s, 3 items")
    assert lines[at + 1] == "  3 items: 2 succeeded, 1 failed (at most 1 tolerated)"
    assert re.fullmatch(f"  {BAD_RUN}", lines[at + 2]), lines[at + 2]
    bump = next(n for n in data["nodes"] if n["id"] == "bump")
    assert (bump["status"], bump["items"], bump["attempts"]) == ("ok", 3, 1)
    assert re.fullmatch(f"1 of 3 items failed: {BAD_RUN}", bump["note"]), bump["note"]
    assert data["status"] == "ok" and data["totals"]["ok"] == 4
    assert "wrote az://out/bumped.parquet (4 rows)" in lines  # the two other objects' rows


def test_a_failed_run_of_an_object_beyond_the_tolerance_fails_the_node_naming_it(built, azurite, tmp_path,  # noqa: F811
                                                                                  monkeypatch):
    done, lines, data, _ = _follow(built, azurite, tmp_path, monkeypatch, bad=True)
    assert done.returncode == 1, done.stderr
    at = _at(lines, r"error: node `bump` \(task `bump`, pipeline\.py:\d+, called at pipeline\.py:\d+\) failed in "
                    r"execution `0+1`")
    assert lines[at + 1:at + 3] == ["  glacier.NodeFailed: 1 of 3 objects failed, more than the 0 tolerated",
                                    "    3 items: 2 succeeded, 1 failed (at most 0 tolerated)"]
    assert re.fullmatch(f"    {BAD_RUN}", lines[at + 3]), lines[at + 3]
    assert "the orchestration ended with glacier.NodeFailed: " in done.stderr
    statuses = {n["id"]: (n["status"], n.get("items")) for n in data["nodes"]}
    assert statuses == {"load": ("ok", None), "bump": ("failed", 3), "heavy": ("not run", None),
                        "save": ("not run", None)}
    assert re.search(BAD_RUN, data["nodes"][0]["error"]) and data["status"] == "failed"


@pytest.mark.parametrize(("result", "said"), [
    ({"pipeline": "p", "group": "g", "remote": "databricks", "detail": "run 7 SUCCESS: "}, "databricks: run 7 SUCCESS"),
    ({"remote": "vm", "detail": "Succeeded, exit code 0: [start] g ...\n[1/1] g ... ok"}, "vm: Succeeded, exit code 0"),
    ({"remote": "hdinsight", "detail": "Livy batch success"}, "hdinsight: Livy batch success"),
    ({"remote": "databricks"}, "databricks"),
    ({"node": "g", "status": "ok", "rows": 3}, ""),  # a group the app ran itself
    ("not a result", ""),
])
def test_a_remote_runs_end_is_said_without_the_services_text(result, said):
    assert remote_run(result) == said


@pytest.mark.parametrize(("message", "said"), [
    ("node `g` failed on databricks: run 7 FAILED: Workload failed, see run output",
     "node `g` failed on databricks: run 7 FAILED: Workload failed, see run output"),
    ("node `g` failed on vm: Failed, exit code 1: Traceback (most recent call last):\n  File \"job.py\"\n"
     "NodeFailed: node `g` failed: ComputeError: x\n\n", "node `g` failed on vm: Failed, exit code 1: NodeFailed: "
                                                       "node `g` failed: ComputeError: x"),
    ("node `g` failed on hdinsight: Livy batch dead", "node `g` failed on hdinsight: Livy batch dead"),
    ("something else entirely\nsecond line", "something else entirely\nsecond line"),
])
def test_a_remote_runs_failure_is_said_by_its_end_and_the_last_line_of_the_services_text(message, said):
    assert remote_failure(message) == said
