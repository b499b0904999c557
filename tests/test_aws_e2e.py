"""End to end on an emulated AWS account: `terraform apply` of a build, then Step Functions executions whose
Lambda tasks run the generated package code, with Polars reading and writing S3 (tests/aws_emulator.py,
tests/aws_deploy.py).

One apply for the module (about two minutes: S3 lifecycle configurations are slow against moto); the
executions reuse it. The outputs equal the local runner's on the same data; a failing node ends the
execution in the Fail state naming it, after the Retry the task declares; the schedule exists.
`glacierc run --cloud` (a subprocess, boto3 pointed at the emulator by AWS_ENDPOINT_URL) starts and
follows executions of the same stack, with the local runner's progress lines, exit statuses and report.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import date

import jsonschema
import polars as pl
import pytest
from aws_deploy import NEEDS_APPLY, deployment

from tests.helpers import FIXTURES, ROOT

ORDERS = FIXTURES / "aws_sfn" / "orders" / "pipeline.py"
PREFIX = "e2e"

pytestmark = [pytest.mark.slow, NEEDS_APPLY]

ORDERS_DATA = pl.DataFrame({
    "day": [date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 2), date(2026, 1, 3)],
    "region": ["emea", "apac", "emea", "emea", "amer"],
    "amount": [10.0, -5.0, 7.5, 2.5, 4.0],
})


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    with deployment(ORDERS, tmp_path_factory.mktemp("aws_e2e"), PREFIX) as deployed_:
        staging = deployed_.pipelines["orders"]["staging_bucket"]
        assert deployed_.plain_http == sorted(["glacier-e2e-curated", "glacier-e2e-raw", staging])
        yield deployed_.emulator, deployed_.out, deployed_.outputs, deployed_.terraform


def _upload(emulator, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    emulator.client("s3").put_object(Bucket="glacier-e2e-raw", Key="orders/orders.parquet", Body=buffer.getvalue())


def _read(emulator, bucket: str, key: str) -> pl.DataFrame:
    body = emulator.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return pl.read_parquet(io.BytesIO(body))


def test_an_execution_computes_what_the_local_runner_computes(deployed, tmp_path):
    emulator, out, outputs, _ = deployed
    pipelines = outputs["pipelines"]["value"]
    machine = pipelines["orders"]["state_machine_arn"]
    assert machine.endswith(f":stateMachine:{PREFIX}-orders")
    _upload(emulator, ORDERS_DATA)
    emulator.invocations.clear()
    done = emulator.execute(machine, "run-ok")
    assert done["status"] == "SUCCEEDED", done
    # five invocations for six nodes: clean and per_day ran in one (fused)
    assert sorted(i.payload["group"] for i in emulator.invocations) == [
        "clean", "extract", "per_region", "save_daily", "save_regions"]
    # staged per execution, only what crosses a group: per_day's input (clean) stayed in memory
    staged = emulator.client("s3").list_objects_v2(Bucket=pipelines["orders"]["staging_bucket"], Prefix="run-ok/")
    names = sorted(o["Key"].split("/", 1)[1] for o in staged.get("Contents", []))
    assert "clean.parquet" not in names and "per_day.parquet" in names and "extract.json" in names
    # the local runner on the same data
    data = tmp_path / "data"
    (data / "glacier-e2e-raw" / "orders").mkdir(parents=True)
    ORDERS_DATA.write_parquet(data / "glacier-e2e-raw" / "orders" / "orders.parquet")
    local = subprocess.run([sys.executable, str(out / "runners" / "orders.py"), "--data-dir", str(data)],
                           capture_output=True, text=True, timeout=300)
    assert local.returncode == 0, local.stderr
    for key in ("daily/daily.parquet", "regions/regions.parquet"):
        expected = pl.read_parquet(data / "glacier-e2e-curated" / key)
        assert _read(emulator, "glacier-e2e-curated", key).equals(expected), key


def test_a_failing_node_ends_the_execution_naming_it_after_its_retries(deployed):
    emulator, _, outputs, _ = deployed
    machine = outputs["pipelines"]["value"]["orders"]["state_machine_arn"]
    _upload(emulator, ORDERS_DATA.drop("amount"))  # clean filters on amount: it fails on this data
    emulator.invocations.clear()
    done = emulator.execute(machine, "run-bad")
    assert done["status"] == "FAILED"
    history = emulator.client("stepfunctions").get_execution_history(executionArn=done["executionArn"])
    failed = [e for e in history["events"] if e["type"] == "ExecutionFailed"][0]["executionFailedEventDetails"]
    assert failed["error"] == "glacier.NodeFailed"
    assert "node `clean` (task `clean`, pipeline.py:" in failed["cause"]
    # clean declares retries=2: three invocations of its group, each failing
    attempts = [i for i in emulator.invocations if i.payload.get("group") == "clean"]
    assert len(attempts) == 3 and all(i.error for i in attempts)


def test_the_schedule_starts_exactly_its_machine(deployed):
    emulator, _, outputs, _ = deployed
    machine = outputs["pipelines"]["value"]["orders"]["state_machine_arn"]
    schedule = emulator.client("scheduler").get_schedule(Name=f"{PREFIX}-orders")
    assert schedule["ScheduleExpression"] == "rate(1 day)"
    assert schedule["Target"]["Arn"] == machine
    role = schedule["Target"]["RoleArn"].rsplit("/", 1)[1]
    policy = emulator.client("iam").get_role_policy(RoleName=role, PolicyName="data-access")["PolicyDocument"]
    statements = policy["Statement"] if isinstance(policy, dict) else json.loads(policy)["Statement"]
    assert [(s["Action"], s["Resource"]) for s in statements] == [("states:StartExecution", machine)]


# --- glacierc run --cloud -------------------------------------------------------------------------

REPORT_SCHEMA = json.loads((ROOT / "docs" / "run-report.schema.json").read_text(encoding="utf-8"))
NODE_LINE = re.compile(r"^\[(\d+)/6\] (\w+) \((\w+), (\w+)\) \.\.\. (ok|FAILED|CANCELLED)( after)? \d+\.\d\d s")


def _glacierc_cloud(deployed, *args: str) -> subprocess.CompletedProcess:
    """`glacierc run ORDERS --cloud ARGS` as a user runs it, boto3 and Polars pointed at the emulator."""
    emulator, _, _, terraform = deployed
    env = {**terraform.env(), **emulator.storage_env()}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "glacierc", "run", str(ORDERS), "--cloud", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def _local_report(out, tmp_path) -> dict:
    data = tmp_path / "local"
    (data / "glacier-e2e-raw" / "orders").mkdir(parents=True)
    ORDERS_DATA.write_parquet(data / "glacier-e2e-raw" / "orders" / "orders.parquet")
    report = tmp_path / "local.json"
    subprocess.run([sys.executable, str(out / "runners" / "orders.py"), "--data-dir", str(data), "--report",
                    str(report), "-q"], check=True, timeout=300)
    return json.loads(report.read_text())


def test_glacierc_run_cloud_follows_the_deployed_execution(deployed, tmp_path):
    emulator, out, outputs, _ = deployed
    _upload(emulator, ORDERS_DATA)
    report = tmp_path / "cloud.json"
    done = _glacierc_cloud(deployed, "-o", str(out), "--report", str(report))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("started execution `glacierc-") and lines[0].endswith(":stateMachine:e2e-orders")
    # one line when a group's state starts (fused nodes together), one per node when it ends
    assert sorted(line for line in lines if line.startswith("[start]")) == [
        "[start] clean, per_day (serverless, fn) ...", "[start] extract (local, local_exec) ...",
        "[start] per_region (serverless, fn) ...", "[start] save_daily (local, local_exec) ...",
        "[start] save_regions (local, local_exec) ..."]
    ended = [NODE_LINE.match(line).groups() for line in lines if NODE_LINE.match(line)]
    assert [int(position) for position, *_ in ended] == [1, 2, 3, 4, 5, 6]
    assert sorted((node, kind, executor, status) for _, node, kind, executor, status, _ in ended) == [
        ("clean", "serverless", "fn", "ok"), ("extract", "local", "local_exec", "ok"),
        ("per_day", "serverless", "fn", "ok"), ("per_region", "serverless", "fn", "ok"),
        ("save_daily", "local", "local_exec", "ok"), ("save_regions", "local", "local_exec", "ok")]
    assert ended[0][1] == "extract" and {ended[-1][1], ended[-2][1]} == {"save_daily", "save_regions"}
    assert "wrote s3://glacier-e2e-curated/daily/daily.parquet (3 rows)" in lines
    # the report of a local run (same schema, same keys); the plan id is the deployed runner's
    cloud, local = json.loads(report.read_text()), _local_report(out, tmp_path)
    jsonschema.validate(cloud, REPORT_SCHEMA)
    assert set(cloud) == set(local) and [set(n) for n in cloud["nodes"]] == [set(n) for n in local["nodes"]]
    assert [n["id"] for n in cloud["nodes"]] == [n["id"] for n in local["nodes"]]
    assert cloud["status"] == "ok" and cloud["plan"] == local["plan"] and cloud["totals"]["ok"] == 6
    saved = {n["id"]: n["writes"] for n in cloud["nodes"]}["save_daily"]
    assert saved == [{"storage": "daily", "uri": "s3://glacier-e2e-curated/daily/daily.parquet", "rows": 3}]
    name = lines[0].split("`")[1]
    machine = outputs["pipelines"]["value"]["orders"]["state_machine_arn"]
    execution = emulator.client("stepfunctions").describe_execution(
        executionArn=machine.replace(":stateMachine:", ":execution:") + f":{name}")
    assert execution["status"] == "SUCCEEDED"


def test_glacierc_run_cloud_exits_1_naming_the_failing_node(deployed, tmp_path):
    emulator, _, outputs, _ = deployed
    _upload(emulator, ORDERS_DATA.drop("amount"))  # the fused clean -> per_day query fails on this data
    machine = outputs["pipelines"]["value"]["orders"]["state_machine_arn"]
    report = tmp_path / "cloud.json"
    done = _glacierc_cloud(deployed, "--state-machine-arn", machine, "--report", str(report))
    assert done.returncode == 1, done.stderr
    assert re.search(r"^error: node `per_day` \(task `per_day`, pipeline\.py:\d+, called at pipeline\.py:\d+\) "
                     r"failed in execution `glacierc-", done.stderr, re.MULTILINE), done.stderr
    assert 'ColumnNotFoundError: unable to find column "amount"' in done.stderr
    assert "the state machine ended with glacier.NodeFailed: node `clean` (task `clean`" in done.stderr
    data = json.loads(report.read_text())
    jsonschema.validate(data, REPORT_SCHEMA)
    statuses = {n["id"]: (n["status"], n["attempts"]) for n in data["nodes"]}
    # clean declares retries=2: its group ran three times; nothing after it ran
    assert statuses["per_day"] == ("failed", 3) and statuses["clean"] == ("cancelled", 3)
    assert statuses["save_daily"] == statuses["save_regions"] == ("not run", 0)
    assert data["status"] == "failed" and data["error"].startswith("error: node `per_day`")
