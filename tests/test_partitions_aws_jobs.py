"""Mapped nodes on AWS job executors: a Distributed Map whose items are AWS Batch jobs (a vm executor) and EMR
steps (a Spark cluster), on the build of tests/fixtures/partitions/aws_jobs.

moto's interpreter runs neither a `batch:submitJob.sync` nor an `elasticmapreduce:addStep.sync` (it refuses EMR
integrations and would run a Batch job in Docker), inside a Distributed Map or not. So, as
tests/test_aws_executors.py does for plain groups, each item is run the way the service would: the objects are
listed in moto's S3 as the `ItemReader` lists them, each item's input is the `ItemSelector`'s, the item state's
`Parameters` are evaluated by moto's ASL interpreter on that input, and the resulting Batch command (the items
job definition's, `Ref::` parameters put in place) or step arguments (after the cluster's bootstrap action) run in
subprocesses with this machine's Python 3.11 and Polars against moto's S3. The combining node is then the
deployed local function; its output equals the local runner's on the same files.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from asl_tools import assert_moto_and_asl_validator_accept
from aws_emulator import running
from polars.testing import assert_frame_equal
from terraform_tools import REPO, assert_aws_root_deploys, emit_pipeline, extract, write_files

from glacierc.driver import build
from glacierc.runtime.node import staging_variable
from tests.test_aws_executors import Module, _bootstrap, _environment
from tests.test_partitions_aws import item_payload, statements
from tests.test_partitions_library import write_events
from tests.test_runner_support import run, write_runner

FIXTURE = REPO / "tests" / "fixtures" / "partitions" / "aws_jobs" / "pipeline.py"
BUCKETS = {"glacier_artifacts": "glacier-jm-artifacts", "jobs_staging": "glacier-jm-staging"}
RAW, CURATED = "glacier-jm-raw", "glacier-jm-curated"


class JobsModule(Module):
    def attribute(self, kind: str, label: str, name: str) -> str:
        return BUCKETS[label] if kind == "aws_s3_bucket" else super().attribute(kind, label, name)


@pytest.fixture(scope="module")
def module(tmp_path_factory) -> JobsModule:
    out = tmp_path_factory.mktemp("jobs") / "out"
    assert not build([str(FIXTURE)], out, {}).has_errors
    return JobsModule(out / "terraform")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with running(tmp_path_factory.mktemp("moto")) as emulator:
        for bucket in (RAW, CURATED, *BUCKETS.values()):
            emulator.client("s3").create_bucket(Bucket=bucket)
        yield emulator


def _maps(module: JobsModule) -> dict[str, dict]:
    definition = module.templatefile("orchestration.tf", "states/jobs.asl.json")
    branches = definition["States"]["level 1"]["Branches"]
    return {name.removeprefix("map "): state for branch in branches for name, state in branch["States"].items()
            if state["Type"] == "Map"}


def _item(mapped: dict) -> dict:
    return next(iter(mapped["ItemProcessor"]["States"].values()))


def test_each_object_is_a_batch_job_or_an_emr_step(module):
    maps = _maps(module)
    job, step = _item(maps["clean"]), _item(maps["users"])
    assert job["Resource"] == "arn:aws:states:::batch:submitJob.sync"
    assert job["Parameters"]["JobName.$"] == "States.Format('glacier-jobs-clean-{}', $.index)"
    assert "JobName" not in job["Parameters"]  # one name for every object's job: no telling them apart
    assert job["Parameters"]["JobDefinition"].endswith(":job-definition/vm_exec_items")
    assert job["Parameters"]["Parameters"] == {
        "pipeline": "jobs", "group": "clean", "staging": "s3://glacier-jm-staging",
        "run_id.$": "$.run_id", "item.$": "$.item", "index.$": "$.index"}
    assert (job["Retry"][0]["MaxAttempts"], job["TimeoutSeconds"]) == (1, 600)  # the task's, per object
    assert step["Resource"] == "arn:aws:states:::elasticmapreduce:addStep.sync"
    assert step["Parameters"]["ClusterId"] == "j-SPARK_EXEC"
    assert step["Parameters"]["Step"]["HadoopJarStep"]["Args.$"].endswith(
        "$.run_id, 's3://glacier-jm-staging', $.item, $.index)")
    assert job["ResultSelector"] == step["ResultSelector"] == {"status": "done"}  # the map's output stays small
    # c5.xlarge: 4 vCPUs a job, 16 in the compute environment; EMR runs one step at a time
    assert (maps["clean"]["MaxConcurrency"], maps["users"]["MaxConcurrency"]) == (4, 1)
    for mapped in maps.values():
        assert mapped["ItemReader"]["Parameters"] == {"Bucket": RAW, "Prefix": "events/2026/"}


def test_max_parallel_bounds_the_items_below_what_the_executor_runs_at_once(tmp_path):
    from glacierc.backends.terraform.aws_map_state import max_concurrency
    from glacierc.backends.terraform.aws_runs import BatchRun, StepRun
    from glacierc.backends.terraform.orchestration_common import Ref
    from glacierc.driver import compile_project

    source = FIXTURE.read_text().replace("events.partitions()]", "events.partitions(max_parallel=2)]", 1)
    (tmp_path / "pipeline.py").write_text(source)
    project = compile_project([tmp_path / "pipeline.py"]).project
    clean, users = (next(n for n in project.pipelines[0].nodes if n.id == i) for i in ("clean", "users"))
    batch = BatchRun("vm_exec", "jobs", Ref("q"), Ref("d"), Ref("s"), slots=4)
    assert (max_concurrency(project, clean, batch), max_concurrency(project, users, batch)) == (2, 4)
    assert max_concurrency(project, clean, StepRun("spark_exec", "jobs", Ref("c"), Ref("s"))) == 1


def test_moto_and_asl_validator_accept_the_definition(module, tmp_path):
    assert_moto_and_asl_validator_accept(json.dumps(module.templatefile("orchestration.tf", "states/jobs.asl.json")),
                                         tmp_path)


def test_each_object_s_job_is_named_after_its_index_within_batch_s_rules(module, emulator):
    """moto's interpreter evaluates the item state's `JobName.$` on each item's input (the `ItemSelector`'s):
    `glacier-<pipeline>-<group>-<index>`; a pipeline label long enough to reach Batch's 128 characters keeps
    the whole index and the name keeps to Batch's characters (first one alphanumeric)."""
    from glacierc.backends.terraform.aws_runs import ITEM_INDEX_DIGITS, JOB_NAME_MAX, job_name

    mapped = _maps(module)["clean"]
    names = [emulator.evaluated(_item(mapped)["Parameters"], f"names-{index}",
                                item_payload(mapped["ItemSelector"], key, index, "exec-names"))["JobName"]
             for index, key in enumerate(["events/2026/a.json", "events/2026/b.json", "events/2026/c.json"])]
    assert names == ["glacier-jobs-clean-0", "glacier-jobs-clean-1", "glacier-jobs-clean-2"]
    long = job_name("p" * 150, "clean", item=True)
    largest = str(10 ** ITEM_INDEX_DIGITS - 1)
    named = emulator.evaluated(long, "names-long", {"index": largest})["JobName"]
    assert len(named) == JOB_NAME_MAX and named.endswith(f"-{largest}") and named.startswith("glacier-ppp")
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}", named)
    assert job_name("näme", "g{}'", item=False) == {"JobName": "glacier-n-me-g---"}
    odd = emulator.evaluated(job_name("näme", "g{}'", item=True), "names-odd", {"index": "7"})["JobName"]
    assert odd == "glacier-n-me-g----7"


def test_the_item_jobs_read_only_below_the_prefix_and_write_only_their_items(module):
    iam = (module.root / "iam.tf").read_text()
    for role, node in (("vm_exec", "clean"), ("spark_exec", "users")):
        access = statements(iam, f"{role}_access")
        assert f'resources = ["arn:aws:s3:::{RAW}/events/2026/*"]' in access
        assert f'resources = ["${{aws_s3_bucket.jobs_staging.arn}}/*/{node}/*"]' in access
        assert access.count("aws_s3_bucket.jobs_staging.arn}/") == 1  # its own items, written; nothing read
        assert CURATED not in access and "ReadStagedInputs" not in access
    machine = statements(iam, "jobs_states_access")
    assert "aws_batch_job_definition.vm_exec_items.arn" in machine
    assert "aws_batch_job_definition.vm_exec.arn" not in machine  # no plain group runs there: no such definition
    assert 'resource "aws_batch_job_definition" "vm_exec"' not in (module.root / "compute.tf").read_text()


def _upload(emulator, module: JobsModule, data: Path) -> list[str]:
    """The packages where Terraform puts them and the event files in the raw bucket; the keys the map lists."""
    s3 = emulator.client("s3")
    for obj in module.resources["aws_s3_object"].values():
        path = module.root / obj["source"].removeprefix("${path.module}/")
        s3.put_object(Bucket=module.resolve(obj["bucket"]), Key=obj["key"], Body=path.read_bytes())
    for path in sorted((data / "raw").rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=RAW, Key=path.relative_to(data / "raw").as_posix(), Body=path.read_bytes())
    listed = s3.list_objects_v2(Bucket=RAW, Prefix="events/2026/")
    return [o["Key"] for o in listed["Contents"]]


def _job_commands(emulator, module: JobsModule, mapped: dict, keys: list[str], run_id: str) -> list[list[str]]:
    container = module.templatefile("compute.tf", "jobs/vm_exec.items.batch.json")
    commands = []
    for index, key in enumerate(keys):
        payload = item_payload(mapped["ItemSelector"], key, index, run_id)
        evaluated = emulator.evaluated(_item(mapped)["Parameters"], f"{run_id}-job-{index}", payload)["Parameters"]
        commands.append([evaluated[p[5:]] if p.startswith("Ref::") else p for p in container["command"]])
    return commands


def _step_commands(emulator, mapped: dict, keys: list[str], run_id: str, folder: Path) -> list[list[str]]:
    commands = []
    for index, key in enumerate(keys):
        payload = item_payload(mapped["ItemSelector"], key, index, run_id)
        step = _item(mapped)["Parameters"]["Step"]["HadoopJarStep"]
        args = emulator.evaluated(step, f"{run_id}-step-{index}", payload)["Args"]
        commands.append([args[0], str(folder / args[1].removeprefix("/opt/glacier/spark_exec/")), *args[2:]])
    return commands


def _staged(emulator, run_id: str) -> list[str]:
    listed = emulator.client("s3").list_objects_v2(Bucket=BUCKETS["jobs_staging"], Prefix=f"{run_id}/")
    return sorted(o["Key"].removeprefix(f"{run_id}/") for o in listed.get("Contents", []))


def _combine(emulator, module: JobsModule, run_id: str, tmp: Path) -> None:
    """The combining node, run by its deployed function's handler in a subprocess."""
    config = module.resources["aws_lambda_function"]["combine"]
    root = extract((module.root / config["filename"].removeprefix("${path.module}/")).read_bytes(), tmp / "combine")
    name, entry = config["handler"].split(".")
    variable = staging_variable("jobs")
    staging = module.resolve(json.dumps(config["environment"][0]["variables"][variable]))
    event = {"pipeline": "jobs", "group": "combine", "run_id": run_id}
    code = f"import json, {name}; print(json.dumps({name}.{entry}({event!r}, None), default=str))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**_environment(emulator), variable: staging})
    assert done.returncode == 0, done.stdout + done.stderr


def _run(command: list[str], emulator) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=_environment(emulator))


def test_the_items_run_as_jobs_and_steps_and_combine_as_the_local_runner(module, emulator, tmp_path):
    if shutil.which("aws") is None:
        pytest.skip("the aws CLI (which an EMR node has, and the bootstrap action uses) is not on PATH")
    data, run_id = tmp_path / "data", "exec-jobs-1"
    write_events(data, count=3)
    keys = _upload(emulator, module, data)
    assert len(keys) == 5 and "events/2026/notes.txt" in keys  # listed, though the glob does not match it
    maps = _maps(module)
    for command in _job_commands(emulator, module, maps["clean"], keys, run_id):
        done = _run(command, emulator)
        assert done.returncode == 0, done.stdout + done.stderr
    folder = tmp_path / "opt" / "spark_exec"
    _bootstrap(emulator, module, folder)
    for command in _step_commands(emulator, maps["users"], keys, run_id, folder):
        done = _run(command, emulator)
        assert done.returncode == 0, done.stdout + done.stderr
    # the three event files (keys 1-3 in listing order) staged as items; the hidden file and notes.txt skipped
    assert _staged(emulator, run_id) == [f"{node}/{i}.{suffix}" for node in ("clean", "users")
                                         for i in (1, 2, 3) for suffix in ("json", "parquet")]
    _combine(emulator, module, run_id, tmp_path)
    body = emulator.client("s3").get_object(Bucket=CURATED, Key="daily/countries.parquet")["Body"].read()
    runner = write_runner(tmp_path / "local", FIXTURE)
    shutil.copytree(data / "raw", tmp_path / "local" / "data" / RAW)
    assert run(runner, "--data-dir", "data", cwd=tmp_path / "local").returncode == 0
    local = pl.read_parquet(tmp_path / "local" / "data" / CURATED / "daily" / "countries.parquet")
    assert_frame_equal(pl.read_parquet(io.BytesIO(body)), local)
    assert local.rows() == [("fr", 5, 5), ("it", 1, 1)]  # every object's two rows with a user counted


def test_a_job_refuses_an_item_outside_the_prefix_and_a_mapped_group_without_one(module, emulator, tmp_path):
    data = tmp_path / "data"
    write_events(data, count=1)
    keys = _upload(emulator, module, data)
    mapped = _maps(module)["clean"]
    command = _job_commands(emulator, module, mapped, keys[:1], "exec-jobs-2")[0]
    outside = [*command[:-2], "secrets/key.parquet", "0"]
    done = _run(outside, emulator)
    assert done.returncode != 0 and "`item` must be an object key below `events/2026/`" in done.stderr
    done = _run(command[:-2], emulator)
    assert done.returncode != 0 and "refused: group 'clean' is mapped over a dataset: give ITEM INDEX" in done.stderr
    assert _staged(emulator, "exec-jobs-2") == []


def test_a_failing_object_fails_its_job_and_stages_nothing(module, emulator, tmp_path):
    folder = tmp_path / "data" / "raw" / "events" / "2026"
    folder.mkdir(parents=True)
    pl.DataFrame({"country": ["fr"]}).write_parquet(folder / "bad.parquet")  # no user_id: clean's filter fails
    keys = _upload(emulator, module, tmp_path / "data")
    index = keys.index("events/2026/bad.parquet")
    command = _job_commands(emulator, module, _maps(module)["clean"], keys, "exec-jobs-3")[index]
    done = _run(command, emulator)
    assert done.returncode == 1 and "NodeFailed: node `clean` failed: ColumnNotFoundError" in done.stderr
    assert _staged(emulator, "exec-jobs-3") == []


CHAIN = FIXTURE.read_text().replace("combine([clean(p) for p in", "combine([tidy(clean(p)) for p in").replace(
    "\n\n@spark_exec.task(", """

@vm_exec.task()
def tidy(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(country=pl.col("country").str.to_uppercase())


@spark_exec.task(""", 1)


def test_a_chain_of_mapped_tasks_runs_whole_in_one_job_per_object(emulator, tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "pipeline.py").write_text(CHAIN)
    assert not build([str(tmp_path / "project" / "pipeline.py")], tmp_path / "out", {}).has_errors
    chained = JobsModule(tmp_path / "out" / "terraform")
    write_events(tmp_path / "data", count=1)
    keys = _upload(emulator, chained, tmp_path / "data")
    mapped = _maps(chained)["clean"]
    assert _item(mapped)["Retry"][0]["MaxAttempts"] == 1 and list(_maps(chained)) == ["clean", "users"]  # one group
    index = keys.index("events/2026/day-00.parquet")
    done = _run(_job_commands(emulator, chained, mapped, keys, "exec-jobs-4")[index], emulator)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _staged(emulator, "exec-jobs-4") == [f"tidy/{index}.json", f"tidy/{index}.parquet"]  # what leaves it
    body = emulator.client("s3").get_object(Bucket=BUCKETS["jobs_staging"], Key=f"exec-jobs-4/tidy/{index}.parquet")
    assert pl.read_parquet(io.BytesIO(body["Body"].read())).rows() == [(0, "FR"), (10, "FR")]


def test_the_module_validates_and_passes_checkov(tmp_path):
    files, _, _ = emit_pipeline(FIXTURE, runner_sources={"jobs": "def run_group(nodes, event): pass\n"})
    assert_aws_root_deploys(write_files(files, tmp_path / "out") / "terraform", tmp_path / "home")
