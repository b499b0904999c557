"""`glacierc run --cloud` before any execution starts: what it refuses, through the real entry point.

The executions themselves (progress, report, a failing node) run against an emulated account in
tests/test_aws_e2e.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import FIXTURES, ROOT

ORDERS = FIXTURES / "aws_sfn" / "orders" / "pipeline.py"
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:e2e-orders"


def glacierc(*args: str, cwd: Path = ROOT, path: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})  # nothing listens: no test reaches AWS
    if path is not None:
        env["PYTHONPATH"] = str(path)
    return subprocess.run([sys.executable, "-m", "glacierc", "run", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_without_boto3_it_says_how_to_install_it(tmp_path):
    hidden = tmp_path / "no_boto3"
    (hidden / "boto3").mkdir(parents=True)
    (hidden / "boto3" / "__init__.py").write_text("raise ImportError('No module named boto3')\n")
    done = glacierc(str(ORDERS), "--cloud", "--state-machine-arn", ARN, path=hidden)
    assert done.returncode == 2, done.stderr
    assert "boto3, which is not installed: pip install 'glacier-pipeline[cloud]'" in done.stderr


def test_a_runner_flag_that_a_deployed_execution_cannot_honour_is_refused():
    done = glacierc(str(ORDERS), "--cloud", "--state-machine-arn", ARN, "--select", "clean")
    assert done.returncode == 2
    assert "error: --select is not available with --cloud" in done.stderr
    done = glacierc(str(ORDERS), "--cloud", "--data-dir", "data", "--state-machine-arn", ARN)
    assert done.returncode == 2 and "error: --data-dir is not available with --cloud" in done.stderr


def test_without_an_arn_or_an_applied_build_it_says_where_to_look(tmp_path):
    done = glacierc(str(ORDERS), "--cloud", cwd=tmp_path)
    assert done.returncode == 2
    assert "glacier-out/terraform does not exist: pass the directory you built and applied (-o OUT)" in done.stderr
    built = glacierc_build(tmp_path / "out")
    done = glacierc(str(ORDERS), "--cloud", "-o", str(built), cwd=tmp_path)
    assert done.returncode == 2
    assert f"`terraform -chdir={built / 'terraform'} output -json pipelines` failed (was it applied?)" in done.stderr


def glacierc_build(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "glacierc", "build", str(ORDERS), "-o", str(out)], cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    return out


def test_an_unknown_pipeline_is_a_usage_error():
    done = glacierc(str(ORDERS), "--cloud", "--pipeline", "nope", "--state-machine-arn", ARN)
    assert done.returncode == 2 and "error: no pipeline `nope`; pipelines: orders" in done.stderr


def test_an_unreachable_service_fails_the_start_without_a_traceback():
    done = glacierc(str(ORDERS), "--cloud", "--state-machine-arn", ARN)
    assert done.returncode == 1
    assert f"error: could not start an execution of {ARN}:" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_group_the_machine_does_not_run_fails_the_follow_naming_it(capsys):
    """aws_etl's EMR node is a NotOrchestrated Fail state: what ran is reported, the rest is `not run`, and the
    message carries the Fail state's cause. Events in the shape GetExecutionHistory returns."""
    import json
    from datetime import datetime, timezone

    import jsonschema

    from glacierc.cloud_follow import Follower
    from glacierc.driver import compile_project
    from glacierc.ir.fusion import fused_groups

    project = compile_project([str(ROOT / "examples" / "aws_etl" / "pipeline.py")]).project
    pipeline = project.pipelines[0]
    follower = Follower(project, pipeline, fused_groups(pipeline), quiet=False)
    at = lambda second: datetime(2026, 1, 31, 6, 0, second, tzinfo=timezone.utc)  # noqa: E731
    payload = {"Payload": {"pipeline": "aws_etl", "plan": "0123456789abcdef", "node": "clean", "status": "ok",
                           "seconds": 0.5, "rows": None, "output": "lazy", "attempts": 1, "writes": []}}
    cause = "node `enrich` (task `enrich`, pipeline.py:69): runs on EMR, which the state machine does not invoke yet"
    follower.feed([
        {"id": 1, "type": "ExecutionStarted", "timestamp": at(0), "executionStartedEventDetails": {}},
        {"id": 2, "type": "TaskScheduled", "timestamp": at(1), "previousEventId": 1, "taskScheduledEventDetails": {
            "parameters": json.dumps({"FunctionName": "f", "Payload": {"group": "clean", "run_id": "r"}})}},
        {"id": 3, "type": "TaskStarted", "timestamp": at(1), "previousEventId": 2},
        {"id": 4, "type": "TaskSucceeded", "timestamp": at(2), "previousEventId": 3,
         "taskSucceededEventDetails": {"output": json.dumps(payload)}},
        {"id": 5, "type": "FailStateEntered", "timestamp": at(2), "previousEventId": 4},
        {"id": 6, "type": "ExecutionFailed", "timestamp": at(3), "previousEventId": 5,
         "executionFailedEventDetails": {"error": "glacier.NotOrchestrated", "cause": cause}},
    ])
    follower.finish()
    assert "[start] clean (serverless, lambda_exec) ..." in capsys.readouterr().err
    report = follower.report("r", "fedcba9876543210")
    jsonschema.validate(report, json.loads((ROOT / "docs" / "run-report.schema.json").read_text()))
    statuses = {n["id"]: n["status"] for n in report["nodes"]}
    assert statuses["clean"] == "ok" and statuses["enrich"] == "not run" and report["plan"] == "0123456789abcdef"
    assert report["error"] == ("error: execution `r` failed: glacier.NotOrchestrated\n"
                               f"  the state machine ended with glacier.NotOrchestrated: {cause}")
