"""glacierc/cloud_map_runs.py against moto's Step Functions (a server in this process, tests/aws_emulator.py):
a Distributed Map over three objects listed from moto's S3, one of which its item processor fails (a `Fail`
state with a Lambda-shaped cause), run by moto's interpreter. Without tests/aws_map_children.py moto has no
child executions (ListExecutions by Map Run answers 500): the items are counted and the failed ones said to
be unlisted; with it, the failed one is named. No Terraform: the machine is created directly."""

from __future__ import annotations

import json
import time

import pytest

from glacierc.cloud_items import Items
from glacierc.cloud_map_runs import map_items

ROLE = "arn:aws:iam::123456789012:role/r"


def definition(tolerated: int) -> str:
    choose = {"Type": "Choice", "Choices": [{"Variable": "$.item", "StringEquals": "p/bad.parquet", "Next": "fail"}],
              "Default": "ok"}
    fail = {"Type": "Fail", "Error": "NodeFailed", "Cause": json.dumps(
        {"errorType": "NodeFailed", "errorMessage": "node `clean` failed: boom\nsecond line"})}
    return json.dumps({"StartAt": "map clean", "States": {"map clean": {
        "Type": "Map",
        "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2",
                       "Parameters": {"Bucket": "glacier-map-runs", "Prefix": "p/"}},
        "ItemSelector": {"group": "clean", "item.$": "$$.Map.Item.Value.Key",
                         "index.$": "States.Format('{}', $$.Map.Item.Index)"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "choose",
                          "States": {"choose": choose, "fail": fail, "ok": {"Type": "Pass", "End": True}}},
        "ToleratedFailureCount": tolerated, "ResultPath": None, "End": True}}})


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    pytest.importorskip("moto.server")
    from tests.aws_emulator import running

    with running(tmp_path_factory.mktemp("map_runs")) as emulator:
        s3 = emulator.client("s3")
        s3.create_bucket(Bucket="glacier-map-runs")
        for key in ("p/a.parquet", "p/bad.parquet", "p/c.parquet"):
            s3.put_object(Bucket="glacier-map-runs", Key=key, Body=b"x")
        yield emulator


def run(emulator, name: str) -> str:
    """The Map Run of one execution of a new machine, once the execution ended."""
    sfn = emulator.client("stepfunctions")
    machine = sfn.create_state_machine(name=name, definition=definition(1), roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, name="e", input="{}")["executionArn"]
    deadline = time.monotonic() + 60
    while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.1)
    (found,) = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    return found["mapRunArn"]


def test_without_child_executions_the_items_are_counted_and_the_failed_ones_said_unlisted(emulator):
    arn = run(emulator, "bare")
    items = map_items(emulator.client("stepfunctions"), arn)
    assert (items.total, items.succeeded, items.failed, items.tolerated, items.failures) == (3, 2, 1, 1, ())
    assert items.unlisted  # moto: ListExecutions without a state machine ARN is a server error
    assert items.lines()[0] == "  3 items: 2 succeeded, 1 failed (at most 1 tolerated)"
    assert items.lines()[1].startswith("  the failed items could not be listed: ")


def test_with_child_executions_the_failed_item_is_named_by_its_input_error_and_cause(emulator):
    from tests.aws_map_children import map_children

    with map_children():
        arn = run(emulator, "children")
        items = map_items(emulator.client("stepfunctions"), arn)
    assert (items.total, items.succeeded, items.failed, items.unlisted) == (3, 2, 1, "")
    assert items.lines() == [
        "  3 items: 2 succeeded, 1 failed (at most 1 tolerated)",
        "  item 1 `p/bad.parquet` failed: NodeFailed: node `clean` failed: boom",
        f"  every item: aws stepfunctions list-executions --map-run-arn {arn}"]
    assert items.note() == "1 of 3 items failed: item 1 `p/bad.parquet` failed: NodeFailed: node `clean` failed: boom"


def test_a_map_run_the_service_does_not_know_is_a_cloud_error(emulator):
    from glacierc.cloud_common import CloudError

    with pytest.raises(CloudError, match="DescribeMapRun of arn:aws:states:us-east-1:123456789012:mapRun:x/y:z failed"):
        map_items(emulator.client("stepfunctions"), "arn:aws:states:us-east-1:123456789012:mapRun:x/y:z")


def test_the_lines_count_what_was_not_described():
    assert Items(12, 4, 8, (), 2, "", "").lines() == ["  12 items: 4 succeeded, 8 failed (at most 2 tolerated)",
                                                       "  ... and 8 more failed items"]
    assert Items(1, 1, 0).lines() == ["  1 item: 1 succeeded, 0 failed"] and Items(1, 1, 0).note() is None
