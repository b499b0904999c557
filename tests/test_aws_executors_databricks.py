"""Databricks nodes of an AWS pipeline run by its state machine: the generated Lambda submits one-time job runs
and polls them, the runs execute the job files the databricks module uploads, here against a workspace of
our own.

There is no Databricks emulator: a small HTTP server in this process answers the two Jobs API calls the
function makes (`runs/submit`, `runs/get`), checks the bearer token, and runs a submitted run the way a
Databricks `spark_python_task` does: the workspace file (mapped to the built databricks module, where its
`databricks_workspace_file` uploads it from) with the run's parameters, in a subprocess with this machine's
Python and Polars and the moto server as S3. The function is the built zip's module, run in a subprocess with
the environment its Terraform gives it (the token from moto's Secrets Manager); the branch's loop (submit,
then poll until the run ends) is driven here with the state's own payloads.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from aws_emulator import running
from stand_in import Request, serving
from terraform_tools import REPO, extract, read_blocks

from glacierc.driver import build

FIXTURE = REPO / "tests" / "fixtures" / "terraform_aws" / "databricks" / "pipeline.py"
TOKEN = "dapi-test-token"
ROOT = "/Shared/glacier"
PROFILE = "arn:aws:iam::123456789012:instance-profile/jobs"
SALES = pl.DataFrame({"region": ["emea", "apac", "emea", "amer"], "amount": [10.0, 5.0, 2.5, 4.0]})


class Workspace:
    """The Jobs API calls the function makes; a run is the submitted workspace file run in a subprocess."""

    def __init__(self, module: Path, environment: dict[str, str]) -> None:
        self.module, self.environment = module, environment
        self.submitted: list[dict] = []
        self.runs: dict[int, subprocess.Popen] = {}

    def answer(self, request: Request) -> tuple[int, object]:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 403, {"error_code": "PERMISSION_DENIED"}
        if request.method == "POST" and request.path == "/api/2.1/jobs/runs/submit":
            return 200, {"run_id": self.submit(request.json())}
        if request.method == "GET" and request.route == "/api/2.1/jobs/runs/get":
            return 200, {"state": self.state(int(request.query["run_id"]))}
        return 404, {"error_code": "ENDPOINT_NOT_FOUND"}

    def submit(self, body: dict) -> int:
        (task,) = body["tasks"]
        script = task["spark_python_task"]["python_file"]
        assert script.startswith(ROOT + "/jobs/"), script
        local = self.module / "databricks" / script.removeprefix(ROOT + "/")
        self.submitted.append(body)
        run = len(self.submitted)
        self.runs[run] = subprocess.Popen([sys.executable, str(local), *task["spark_python_task"]["parameters"]],
                                          env=self.environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True)
        return run

    def state(self, run: int) -> dict:
        process = self.runs[run]
        if process.poll() is None:
            return {"life_cycle_state": "RUNNING"}
        stderr = process.stderr.read() if process.stderr else ""
        return {"life_cycle_state": "TERMINATED", "result_state": "SUCCESS" if process.returncode == 0 else "FAILED",
                "state_message": stderr[-500:]}


@contextlib.contextmanager
def databricks_cloud(pipeline: Path, root: Path, buckets: tuple[str, ...], staging: dict[str, str]) -> Iterator[tuple]:
    """`pipeline` built, moto (S3 with `buckets`, the token in Secrets Manager), the workspace server and the
    function's environment (its Terraform's variables; `staging`: pipeline -> staging URI), the function's
    code unpacked: (emulator, workspace, environment, code, module) until the block ends."""
    assert not build([str(pipeline)], root / "out", {}).has_errors
    module = root / "out" / "terraform"
    with running(root / "moto") as emulator:
        s3 = emulator.client("s3")
        for bucket in buckets:
            s3.create_bucket(Bucket=bucket)
        secret = emulator.client("secretsmanager").create_secret(Name="databricks", SecretString=TOKEN)["ARN"]
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLACIER_"))}
        storage = {**base, **emulator.storage_env()}
        workspace = Workspace(module, storage)
        with serving(workspace.answer) as url:
            environment = {**storage, "DATABRICKS_HOST": url, "GLACIER_DATABRICKS_TOKEN_SECRET": secret,
                           "GLACIER_INSTANCE_PROFILES": json.dumps({"jobs": PROFILE}),
                           "GLACIER_STAGING_URIS": json.dumps(staging), "GLACIER_WORKSPACE_ROOT": ROOT}
            function = read_blocks(module)["aws_lambda_function"]["glacier_databricks"]
            assert set(function["environment"][0]["variables"]) == set(environment) - set(storage)
            code = extract((module / "lambda" / "glacier_databricks.zip").read_bytes(), root / "function")
            yield emulator, workspace, environment, code, module


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with databricks_cloud(FIXTURE, tmp_path_factory.mktemp("databricks"), ("dbx-sales", "dbx-staging"),
                          {"sales": "s3://dbx-staging"}) as found:
        yield found


def _invoke(cloud, event: dict, code: Path | None = None) -> subprocess.CompletedProcess:
    """The built function's `run(event)` (`code`: the unpacked zip, by default the fixture's build)."""
    _, _, environment, built, _ = cloud
    code = code or built
    program = f"import json, glacier_databricks as f; print(json.dumps(f.run({event!r})))"
    return subprocess.run([sys.executable, "-c", program], cwd=code, capture_output=True, text=True, timeout=60,
                          env=environment)


def run_to_end(cloud, event: dict, code: Path | None = None) -> dict:
    """Submit `event` through the function, then poll the run until it ends; its last state (`code`: the
    function's unpacked zip, by default the fixture's build)."""
    done = _invoke(cloud, event, code)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)["run"]
    for _ in range(600):
        polled = _invoke(cloud, {"action": "poll", "run": run}, code)
        assert polled.returncode == 0, polled.stderr
        state = json.loads(polled.stdout)
        if state["state"] != "RUNNING":
            return state
        time.sleep(0.2)
    raise AssertionError("the run did not end")


def _branch(cloud, group: str, execution: str, code: Path | None = None) -> dict:
    """The branch of `group`'s state, driven: submit with the state's payload, then poll until the run ends."""
    module = cloud[4]
    states = json.loads((module / "states" / "sales.asl.json").read_text())["States"]
    (branch,) = states[f"run {group}"]["Branches"]
    submit = branch["States"][branch["StartAt"]]["Parameters"]["Payload"]
    event = {k.removesuffix(".$"): (execution if v == "$$.Execution.Name" else v) for k, v in submit.items()}
    return run_to_end(cloud, event, code)


def _put(emulator, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    emulator.client("s3").put_object(Bucket="dbx-sales", Key="sales/sales.parquet", Body=buffer.getvalue())


def _read(emulator, bucket: str, key: str) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(emulator.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()))


def test_the_uploaded_job_files_are_what_the_runs_start(cloud):
    module = cloud[4]
    uploads = {f["path"]: f["source"] for f in read_blocks(module / "databricks")["databricks_workspace_file"].values()}
    for executor in ("jobs", "shared"):
        path = f"/Shared/${{var.name_prefix}}/jobs/{executor}/glacier_job.py"
        assert uploads[path] == f"${{path.module}}/jobs/{executor}/glacier_job.py"
        assert (module / "databricks" / "jobs" / executor / "glacier_job.py").is_file()


def test_both_groups_run_as_databricks_runs_like_the_local_runner(cloud):
    emulator, workspace, _, _, _ = cloud
    _put(emulator, SALES)
    first = len(workspace.submitted)
    assert _branch(cloud, "aggregate", "run-ok")["state"] == "SUCCESS"
    assert _branch(cloud, "store", "run-ok")["state"] == "SUCCESS"
    new, existing = (body["tasks"][0] for body in workspace.submitted[first:])
    assert new["new_cluster"] == {"spark_version": "15.4.x-scala2.12", "node_type_id": "m5d.large", "num_workers": 4,
                                  "custom_tags": {"glacier_pipeline": "sales", "managed_by": "glacier"},
                                  "aws_attributes": {"instance_profile_arn": PROFILE}}
    # the run installs the requirement set of the executor's job files (the requirements.txt uploaded beside them)
    for task, executor in ((new, "jobs"), (existing, "shared")):
        lines = (cloud[4] / "databricks" / "jobs" / executor / "requirements.txt").read_text().splitlines()
        assert task["libraries"] == [{"pypi": {"package": line}} for line in lines]
    assert new["libraries"] == [{"pypi": {"package": "polars==2.1.0"}}]
    assert existing["existing_cluster_id"] == "0101-123456-abcdefgh" and "new_cluster" not in existing
    assert new["spark_python_task"]["parameters"] == ["sales", "aggregate", "run-ok", "s3://dbx-staging"]
    expected = SALES.group_by("region").agg(pl.col("amount").sum())
    assert _read(emulator, "dbx-staging", "run-ok/aggregate.parquet").sort("region").equals(expected.sort("region"))
    assert _read(emulator, "dbx-sales", "totals/by_region.parquet").sort("region").equals(expected.sort("region"))


def test_with_a_package_index_every_library_of_a_run_names_it_as_its_repo(cloud, tmp_path):
    """`package-index` reaches the runs' libraries (Jobs API `PythonPyPiLibrary.repo`) as it reaches the
    requirements.txt beside the job script (`--index-url`); the URL, with the quote and `$(` settings allow, lands
    in the function's table as a Python literal and in the submitted request as JSON."""
    index = "https://pypi.internal.example/simple/o'neil;x=$(y)/"
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(FIXTURE, project / "pipeline.py")
    (project / "pyproject.toml").write_text(f'[tool.glacierc]\npackage-index = "{index}"\n', encoding="utf-8")
    assert not build([str(project / "pipeline.py")], tmp_path / "out", {}).has_errors
    module = tmp_path / "out" / "terraform"
    code = extract((module / "lambda" / "glacier_databricks.zip").read_bytes(), tmp_path / "function")
    emulator, workspace = cloud[0], cloud[1]
    _put(emulator, SALES)
    first = len(workspace.submitted)
    assert _branch(cloud, "aggregate", "run-index", code)["state"] == "SUCCESS"
    assert _branch(cloud, "store", "run-index", code)["state"] == "SUCCESS"
    for body, executor in zip(workspace.submitted[first:], ("jobs", "shared"), strict=True):
        text = (module / "databricks" / "jobs" / executor / "requirements.txt").read_text(encoding="utf-8")
        first_line, *lines = text.splitlines()
        assert first_line == f"--index-url {index}" and lines == ["polars==2.1.0"]
        assert body["tasks"][0]["libraries"] == [{"pypi": {"package": line, "repo": index}} for line in lines]


def test_a_failing_run_ends_the_branch_in_its_fail_state(cloud):
    emulator = cloud[0]
    _put(emulator, SALES.rename({"amount": "value"}))
    state = _branch(cloud, "aggregate", "run-bad")
    assert state["state"] == "FAILED" and "NodeFailed: node `aggregate` failed" in state["message"]
    states = json.loads((cloud[4] / "states" / "sales.asl.json").read_text())["States"]
    branch = states["run aggregate"]["Branches"][0]["States"]
    check = next(s for s in branch.values() if s["Type"] == "Choice")
    assert branch[check["Default"]] == {"Type": "Fail", "Error": "glacier.DatabricksRunFailed",
                                        "Cause": "the Databricks run of group aggregate did not succeed"}
    assert states["run aggregate"]["Catch"][0]["Next"] == "failed aggregate"


def test_the_function_refuses_a_group_its_executor_does_not_run(cloud):
    done = _invoke(cloud, {"action": "submit", "executor": "jobs", "pipeline": "sales", "group": "store",
                           "run_id": "r"})
    assert done.returncode != 0 and "refused event: group 'store' of pipeline 'sales'" in done.stderr
    done = _invoke(cloud, {"action": "poll", "run": "1; rm -rf /"})
    assert done.returncode != 0 and "refused event" in done.stderr


def test_the_module_with_the_function_validates_and_passes_checkov(tmp_path):
    from terraform_tools import assert_aws_root_deploys, emit_pipeline, write_files

    files, _, _ = emit_pipeline(FIXTURE, runner_sources={"sales": "def run_group(nodes, event): pass\n"})
    root = write_files({k: v for k, v in files.items() if "/databricks/" not in k}, tmp_path / "out") / "terraform"
    assert_aws_root_deploys(root, tmp_path / "home")
