"""`glacierc run --cloud` follows a Databricks group's run to its end through the Jobs API.

One small HTTP server of this process (tests/stand_in.py) stands in for the two services the command talks
to: Step Functions (the three JSON calls boto3 makes: StartExecution, DescribeExecution, GetExecutionHistory)
and a Databricks workspace (`GET /api/2.1/jobs/runs/get`, the bearer token checked). The history is what the built state
machine records for the fixture's two Databricks groups (`tests/fixtures/terraform_aws/databricks`): each
group's `submit` state scheduled with the payload of the built definition and returning its run number; it
moves on to the next group only once the workspace has answered that the run ended, as the machine's own
poll loop would. The command runs as a subprocess (`python -m glacierc run --cloud`), nothing of ours faked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from stand_in import Answer, Request, serving

from glacierc.driver import build
from tests.helpers import FIXTURES, ROOT

FIXTURE = FIXTURES / "terraform_aws" / "databricks" / "pipeline.py"
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:glacier-sales"
TOKEN = "dapi-follow-token"
T0 = 1_780_000_000.0  # the execution's start (epoch seconds)
HOSTILE = "NodeFailed: node `store` failed: \x1b[31mred\x1b[0m\rback\nsecond \x07line"


class Services:
    """Step Functions and the workspace at one address (served by tests/stand_in.py); `runs`: run number -> the
    states runs/get answers in turn (the last one repeats), `submits`: group -> the `submit` state's payload."""

    def __init__(self, submits: dict[str, dict], runs: dict[str, list[dict]],
                 failed_cause: str | None = None) -> None:
        self.submits, self.runs, self.failed_cause = submits, runs, failed_cause
        self.gets: dict[str, int] = {run: 0 for run in runs}
        self.calls: list[str] = []
        self.ended: dict[str, dict] = {}  # run -> the terminal answer given

    def answer(self, request: Request) -> Answer:
        if request.method == "POST":
            return self.step_functions(request.headers.get("X-Amz-Target", "").removeprefix("AWSStepFunctions."))
        self.calls.append(request.route)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 403, {"error_code": "PERMISSION_DENIED", "message": "Invalid access token."}
        if request.method == "GET" and request.route == "/api/2.1/jobs/runs/get":
            return 200, self.run_state(request.query["run_id"])
        return 404, {"error_code": "ENDPOINT_NOT_FOUND"}

    def step_functions(self, action: str) -> Answer:
        """The three JSON calls boto3 makes, in the AWS JSON protocol's content type."""
        self.calls.append(action)
        events, status = self.history()
        execution = ARN.replace(":stateMachine:", ":execution:") + ":e"
        answers = {"StartExecution": {"executionArn": execution, "startDate": T0},
                   "DescribeExecution": {"executionArn": execution, "stateMachineArn": ARN, "status": status,
                                         "startDate": T0},
                   "GetExecutionHistory": {"events": events}}
        found = answers[action] if action in answers else {"__type": "Unknown"}
        return (200 if action in answers else 400), found, {"Content-Type": "application/x-amz-json-1.0"}

    def run_state(self, run: str) -> dict:
        answers = self.runs[run]
        found = answers[min(self.gets[run], len(answers) - 1)]
        self.gets[run] += 1
        if found["state"]["life_cycle_state"] == "TERMINATED":
            self.ended[run] = found
        return found

    def history(self) -> tuple[list[dict], str]:
        """The events so far and the execution's status: a group is submitted once the one before ended."""
        events = [_event(1, "ExecutionStarted", 0, None, "executionStartedEventDetails", {"input": "{}"})]
        for offset, (group, run) in enumerate((("aggregate", "11"), ("store", "12"))):
            if offset and "11" not in self.ended:
                return events, "RUNNING"
            start = len(events) + 1
            at = 1 + 100 * offset
            events += [
                _event(start, "TaskScheduled", at, start - 1, "taskScheduledEventDetails", {
                    "resourceType": "lambda", "resource": "invoke",
                    "parameters": json.dumps({"FunctionName": "glacier-databricks", "Payload": self.submits[group]})}),
                _event(start + 1, "TaskStarted", at, start, "taskStartedEventDetails", {}),
                _event(start + 2, "TaskSucceeded", at + 1, start + 1, "taskSucceededEventDetails", {
                    "output": json.dumps({"Payload": {"run": run}, "StatusCode": 200})}),
                # the machine's own poll of the run: no group in its payload, so it is not read as one
                _event(start + 3, "TaskScheduled", at + 31, start + 2, "taskScheduledEventDetails", {
                    "parameters": json.dumps({"FunctionName": "glacier-databricks",
                                              "Payload": {"action": "poll", "run": run}})}),
            ]
            if run not in self.ended:
                return events, "RUNNING"
        if self.failed_cause is not None:
            events.append(_event(len(events) + 1, "ExecutionFailed", 300, len(events), "executionFailedEventDetails",
                                 {"error": "glacier.NodeFailed", "cause": self.failed_cause}))
            return events, "FAILED"
        events.append(_event(len(events) + 1, "ExecutionSucceeded", 300, len(events),
                             "executionSucceededEventDetails", {"output": "{}"}))
        return events, "SUCCEEDED"


def _event(number: int, kind: str, second: float, previous: int | None, key: str, details: dict) -> dict:
    found = {"id": number, "type": kind, "timestamp": T0 + second, key: details}
    return {**found, "previousEventId": previous} if previous else found


def _running() -> dict:
    return {"state": {"life_cycle_state": "RUNNING", "state_message": "In run"}}


def _ended(run: str, result: str, end: float, message: str = "") -> dict:
    return {"run_id": int(run), "start_time": int((T0 + 2) * 1000), "end_time": int((T0 + end) * 1000),
            "run_page_url": f"https://dbc.example/#job/1/run/{run}",
            "state": {"life_cycle_state": "TERMINATED", "result_state": result, "state_message": message}}


@pytest.fixture(scope="module")
def submits(tmp_path_factory) -> dict[str, dict]:
    """Each group's `submit` payload, from the built definition, as the execution named `e` resolves it."""
    out = tmp_path_factory.mktemp("databricks_follow") / "out"
    assert not build([str(FIXTURE)], out, {}).has_errors
    states = json.loads((out / "terraform" / "states" / "sales.asl.json").read_text())["States"]
    found = {}
    for group in ("aggregate", "store"):
        (branch,) = states[f"run {group}"]["Branches"]
        payload = branch["States"][branch["StartAt"]]["Parameters"]["Payload"]
        found[group] = {k.removesuffix(".$"): ("e" if v == "$$.Execution.Name" else v) for k, v in payload.items()}
    return found


def _follow(services: Services, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """`glacierc run --cloud` with boto3 and the workspace pointed at `services`, served while it runs."""
    with serving(services.answer) as url:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DATABRICKS_", "PYTHONPATH"))}
        base.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                     "AWS_ENDPOINT_URL": url, "DATABRICKS_HOST": url + "/", "DATABRICKS_TOKEN": TOKEN,
                     "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "stdlib")]), **env})
        base = {k: v for k, v in base.items() if v}
        command = [sys.executable, "-m", "glacierc", "run", "pipeline.py", "--cloud", "--state-machine-arn", ARN,
                   "--report", str(tmp_path / "report.json")]
        return subprocess.run(command, cwd=FIXTURE.parent, env=base, capture_output=True, text=True, timeout=120,
                              check=False)


def _name(done: subprocess.CompletedProcess) -> str:
    """The execution's name, from the command's first line (it names each execution itself)."""
    first = done.stderr.splitlines()[0]
    assert first.startswith("started execution `glacierc-"), done.stderr
    return first.split("`")[1]


def test_a_databricks_group_ends_when_its_run_ends(submits, tmp_path):
    services = Services(submits, {"11": [_running(), _running(), _ended("11", "SUCCESS", 61)],
                                "12": [_running(), _ended("12", "SUCCESS", 131)]})
    done = _follow(services, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[:5] == [f"started execution `{_name(done)}` of " + ARN, "[start] aggregate (cluster, jobs) ...",
                         "[1/2] aggregate (cluster, jobs) ... ok 60.00 s", "[start] store (cluster, shared) ...",
                         "[2/2] store (cluster, shared) ... ok 30.00 s"]
    assert services.gets == {"11": 3, "12": 2}  # each run read until it ended, and not after
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(n["id"], n["status"], n["seconds"], n["attempts"]) for n in report["nodes"]] == [
        ("aggregate", "ok", 60.0, 1), ("store", "ok", 30.0, 1)]
    assert report["status"] == "ok" and report["error"] is None


def test_a_failed_run_names_the_node_its_task_line_and_the_state_message_escaped(submits, tmp_path):
    cause = "node `store` (task `store`, pipeline.py:22) failed"
    services = Services(submits, {"11": [_ended("11", "SUCCESS", 61)], "12": [_ended("12", "FAILED", 131, HOSTILE)]},
                      failed_cause=cause)
    done = _follow(services, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr and "\r" not in done.stderr
    tail = done.stderr.splitlines()[-6:]
    assert tail == [
        "[2/2] store (cluster, shared) ... FAILED after 30.00 s",
        f"error: node `store` (task `store`, pipeline.py:22, called at pipeline.py:28) failed in execution "
        f"`{_name(done)}`",
        "  Databricks run 12 (https://dbc.example/#job/1/run/12) ended FAILED: NodeFailed: node `store` failed: "
        "\\x1b[31mred\\x1b[0m",
        "    back",  # a carriage return is a line break, each line printed on its own
        "    second \\x07line",
        f"  the state machine ended with glacier.NodeFailed: {cause}",
    ]
    report = json.loads((tmp_path / "report.json").read_text())
    store = report["nodes"][1]
    assert store["status"] == "failed" and store["error"] == (
        "Databricks run 12 (https://dbc.example/#job/1/run/12) ended FAILED: " + HOSTILE)


def test_without_the_workspace_credentials_nothing_is_started(submits, tmp_path):
    services = Services(submits, {"11": [_running()], "12": [_running()]})
    done = _follow(services, tmp_path, DATABRICKS_TOKEN="")
    assert done.returncode == 2 and services.calls == []
    assert done.stderr.strip() == ("error: nodes `aggregate`, `store` run on Databricks, whose runs --cloud follows "
                                   "through the Jobs API: set DATABRICKS_TOKEN (the workspace URL and a token allowed "
                                   "to read job runs)")


def test_a_token_the_workspace_refuses_fails_the_follow_without_a_traceback(submits, tmp_path):
    services = Services(submits, {"11": [_running()], "12": [_running()]})
    done = _follow(services, tmp_path, DATABRICKS_TOKEN="dapi-wrong")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "dapi-wrong" not in done.stderr
    assert done.stderr.splitlines()[-1] == (f"error: could not follow execution `{_name(done)}`: GET answered 403 "
                                            "Forbidden: Invalid access token.")
