"""Mapped nodes on GCP job executors, end to end on this machine: a vm executor's task mapped over a dataset
runs as one Cloud Batch job per listed object, a Dataproc executor's as one PySpark job per object, each
through the connector plain groups use (tests/test_gcp_workflows_e2e.py's `Cloud` serves them with the
executor's generated `job.py`, run in this process on the local files). The listing is served two objects a
page from the same files (tests/test_partitions_gcp.py's `lister`). Outputs equal the local runner's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import hcl2
import polars as pl
import pytest
from gcp_workflows_interpreter import Interpreter, WorkflowError
from test_gcp_workflows_e2e import BATCH, DATAPROC, PLAIN, Cloud, _built, _local_run
from test_partitions_gcp import LIST, events, lister

from glacierc.backends.terraform.gcp_workflows import BATCH_MOUNT
from glacierc.driver import compile_project

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "terraform_gcp" / "workflow_map_jobs" / "pipeline.py"
OUTPUTS = ("glacier-maps-curated/daily/countries.parquet", "glacier-maps-curated/daily/users.parquet")
#: An object name a shell or a Workflows expression would read as code: it must reach the job as data.
HOSTILE = "day-$(touch pwned)';${x}\".parquet"


def _events(data: Path, bad: tuple[int, ...] = ()) -> None:
    events(data, bad)
    folder = data / "glacier-maps-raw" / "events" / "2026"
    pl.DataFrame({"user_id": [7, None], "country": ["es", "es"]}).write_parquet(folder / HOSTILE)


def _execution(module: Path, root: Path, name: str, bad: tuple[int, ...] = ()):
    cloud = Cloud(module, root / name / "data", root / name / "staging")
    _events(cloud.data, bad)
    interpreter = Interpreter(cloud.definition("daily"), cloud.http,
                              {LIST: lister(cloud.data, []), BATCH: cloud.batch, DATAPROC: cloud.dataproc},
                              execution_id=f"run-{name}")
    return cloud, interpreter


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("gcp_map_jobs")
    module, _ = _built(FIXTURE, root)
    return root, module


def _jobs(cloud: Cloud, kind: str) -> list[list[str]]:
    return [args for label, args, _ in cloud.invocations if label.startswith(f"{kind}:")]


def test_each_object_is_a_batch_job_and_a_dataproc_job_and_the_output_equals_the_local_runner(built, tmp_path):
    root, module = built
    cloud, interpreter = _execution(module, root, "ok")
    result = interpreter.run()
    assert (result["pipeline"], result["run_id"], sorted(result["results"])) == ("daily", "run-ok", ["combine"])
    batch, dataproc = _jobs(cloud, "batch"), _jobs(cloud, "dataproc")
    # seven objects below the prefix, each its own job: the job.py arguments end with its name and index
    names = [".day-99.parquet.tmp.parquet", "day-$(touch pwned)';${x}\".parquet", "day-00.parquet",
             "day-01.parquet", "day-02.parquet", "day-03.parquet", "notes.txt"]
    for jobs, group in ((batch, "clean"), (dataproc, "distinct_users")):
        assert [a[:3] for a in jobs] == [["daily", group, "run-ok"]] * 7
        assert [(a[4].rsplit("/", 1)[1], a[5]) for a in jobs] == [(n, str(i)) for i, n in enumerate(names)]
    assert not (cloud.staging.parent / "pwned").exists() and not (Path.cwd() / "pwned").exists()
    # the default concurrency of Batch items (10) and the map's max_parallel=3 on Dataproc, each page
    assert sorted(set(interpreter.limits)) == [0, 3, 10]
    for node in ("clean", "distinct_users"):  # items staged per node, as the functions' items are
        staged = sorted(p.name for p in (cloud.staging / "daily_staging" / "run-ok" / node).glob("*.json"))
        assert staged == ["1.json", "2.json", "3.json", "4.json", "5.json"]
    assert [label for label, _, _ in cloud.invocations][-1] == "combine"
    local = tmp_path / "local"
    _events(local)
    _local_run(FIXTURE, local)
    for key in OUTPUTS:
        assert pl.read_parquet(cloud.data / key).equals(pl.read_parquet(local / key)), key


def test_a_failing_object_fails_its_job_and_the_map_naming_the_node_and_the_object(built):
    root, module = built
    cloud, interpreter = _execution(module, root, "bad", bad=(1,))
    with pytest.raises(WorkflowError) as failed:
        interpreter.run()
    # the two maps are branches of one `parallel` step and both fail on the object (it lacks the column each
    # reads): the error comes as Workflows raises it, an UnhandledBranchError listing each failed branch's error
    raised = failed.value.value
    assert raised["tags"] == ["UnhandledBranchError"]
    branches = {b["id"]: b["error"] for b in raised["branches"]}
    assert sorted(branches) == ["branch_clean", "branch_distinct_users"]
    for node, connector in (("clean", "Batch"), ("distinct_users", "Dataproc")):
        error = branches[f"branch_{node}"]
        assert error["code"] == "glacier.NodeFailed" and error["object"] == "events/2026/day-01.parquet", connector
        assert error["message"].startswith(f"node `{node}` (task `{node}`, pipeline.py:")
        assert error["error"]["tags"] == ["OperationError"]  # the connector's failed job
        assert (error["items"][node]["failed"], error["items"][node]["succeeded"]) == (1, 6)
    # clean declares retries=1: the object's job ran twice; nothing after the map ran
    assert len([a for a in _jobs(cloud, "batch") if a[4].endswith("day-01.parquet")]) == 2
    assert "combine" not in [label for label, _, _ in cloud.invocations]


def test_item_jobs_read_only_below_the_dataset_prefix_and_write_only_their_node_items(built):
    _, module = built
    text = (module / "iam.tf").read_text(encoding="utf-8")
    resources = {name: body for b in hcl2.loads(text, serialization_options=PLAIN)["resource"]
                 for kind, named in b.items() if kind == "google_storage_bucket_iam_member"
                 for name, body in named.items()}
    prefix = ('resource.name.startsWith("projects/_/buckets/glacier-maps-raw/objects/events/2026/") || '
              'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("events/2026/")')
    for account, node in (("vm", "clean"), ("spark", "distinct_users")):
        mine = {name.removeprefix(f"{account}_"): body for name, body in resources.items()
                if body["member"] == f"serviceAccount:${{google_service_account.{account}.email}}"}
        assert mine["glacier_maps_raw_read"]["condition"][0]["expression"] == prefix
        write = mine["daily_staging_write"]
        assert write["role"] == "roles/storage.objectUser"
        assert write["condition"][0]["expression"].endswith(
            f'(resource.name.extract("/objects/{{execution}}/{node}/") == resource.name.extract("/objects/{{execution}}/"))')
        assert not any(key.startswith("glacier_maps_curated") for key in mine)  # combine writes the outputs


def test_mapped_nodes_on_gcp_job_executors_are_no_longer_refused_but_an_unsupported_executor_still_is(tmp_path):
    assert not [d for d in compile_project([FIXTURE]).diagnostics if d.code == "GLC401"]
    source = FIXTURE.read_text(encoding="utf-8").replace(
        'provider.vm(config=ComputeEngineConfig(machine_type="n2-standard-4", disk_size=50))',
        'provider.cluster(config=DatabricksConfig(num_workers=2))').replace(
        "ComputeEngineConfig, DataprocConfig", "DatabricksConfig, DataprocConfig")
    (tmp_path / "pipeline.py").write_text(source, encoding="utf-8")
    found = [d.message for d in compile_project([tmp_path / "pipeline.py"]).diagnostics if d.code == "GLC401"]
    assert ("node `clean` of pipeline `daily` maps task `clean` over the partitions of `events` on executor `vm`, "
            "which GCP's orchestration does not map over yet") in found


def test_the_batch_container_command_passes_a_hostile_object_name_to_job_py_as_data(built, tmp_path):
    """The item's container command as the definition writes it, run by a real `sh` with the job folder in
    place of its mount (Polars is installed here, so its install step is skipped by glacier_installed.py)."""
    root, module = built
    cloud = Cloud(module, tmp_path / "data", tmp_path / "staging")
    _events(cloud.data)
    item = cloud.definition("daily")["glacier_map_clean"]["steps"][3]["run_page"]["parallel"]["for"]["steps"][0]
    container = item["run_item"]["try"]["args"]["body"]["taskGroups"][0]["taskSpec"]["runnables"][0]["container"]
    shell, command, name, pipeline, group, run_id, staging, object_name, index = container["commands"]
    assert (container["entrypoint"], shell, name) == ("/bin/sh", "-c", "glacier-job")
    assert (run_id, object_name, index) == ("${run_id}", "${object.name}", "${string(offset + position)}")
    folder = module / "jobs" / "vm"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GLACIER_")},
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "GLACIER_DATA_DIR": str(cloud.data)}
    done = subprocess.run(["sh", "-c", command.replace(BATCH_MOUNT, str(folder)), name, pipeline, group, "run-sh",
                           cloud.local(staging), f"events/2026/{HOSTILE}", "1"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / "pwned").exists() and not (folder / "pwned").exists()
    staged = cloud.staging / "daily_staging" / "run-sh" / "clean"
    assert sorted(p.name for p in staged.iterdir()) == ["1.json", "1.parquet"]
    assert pl.read_parquet(staged / "1.parquet").to_dict(as_series=False) == {"user_id": [7], "country": ["es"]}


def test_a_max_parallel_above_what_workflows_runs_is_cut_to_it_with_a_warning(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_text(FIXTURE.read_text(encoding="utf-8").replace("max_parallel=3", "max_parallel=50"),
                      encoding="utf-8")
    result = compile_project([source])
    (warning,) = [d for d in result.diagnostics if d.code == "GLC417"]
    assert warning.message == ("node `distinct_users` of pipeline `daily`: max_parallel=50 is cut to 20 on GCP (Cloud "
                               "Workflows runs at most 20 iterations of an execution at once)")
    assert warning.span.line == source.read_text(encoding="utf-8").splitlines().index(
        "            [distinct_users(p) for p in events.partitions(max_parallel=50)])") + 1
    module, _ = _built(source, tmp_path)
    definition = Cloud(module, tmp_path / "data", tmp_path / "staging").definition("daily")
    run = definition["glacier_map_distinct_users"]["steps"][3]["run_page"]["parallel"]
    assert run["concurrency_limit"] == 20
