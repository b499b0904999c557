"""The Step Functions definition of a pipeline: fusion, encoding of the DAG, Retry/Timeout/Fail, and
acceptance by both moto's ASL parser (what the emulator runs) and asl-validator (npm)."""

from __future__ import annotations

import json

import pytest

from glacierc.backends.terraform.aws_states import Ref, canonical_json, definition, template_json
from glacierc.driver import compile_project
from glacierc.ir.fusion import fused_groups, group_levels
from tests.asl_tools import asl_validator
from tests.helpers import EXAMPLES, FIXTURES

ORDERS = FIXTURES / "aws_sfn" / "orders" / "pipeline.py"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:glacier-"


def compiled(path):
    result = compile_project([path], {})
    assert not [d for d in result.diagnostics if d.severity.value == "error"]
    return result.project


def asl(path, orchestrated=("fn", "local_exec", "lambda_exec")):
    project = compiled(path)
    pipeline = project.pipelines[0]
    return project, pipeline, definition(
        project, pipeline, lambda g: ARN + g.id if g.executor in orchestrated else None, {"spark_exec": "EMR"})


def test_nodes_on_one_executor_that_feed_each_other_are_fused():
    pipeline = compiled(ORDERS).pipelines[0]
    groups = fused_groups(pipeline)
    assert [(g.id, g.nodes, g.staged) for g in groups] == [
        ("extract", ("extract",), ("extract",)),
        ("clean", ("clean", "per_day"), ("per_day",)),  # clean's frame stays in memory
        ("per_region", ("per_region",), ("per_region",)),
        ("save_regions", ("save_regions",), ()),
        ("save_daily", ("save_daily",), ()),
    ]
    assert group_levels(pipeline, groups) == (("extract",), ("clean", "per_region"), ("save_daily", "save_regions"))


def test_fusion_never_makes_groups_depend_on_each_other_both_ways():
    # aws_etl: save -> audit (order edge) fuse; extract and load_users share an executor but not an edge
    pipeline = compiled(EXAMPLES / "aws_etl" / "pipeline.py").pipelines[0]
    assert [g.nodes for g in fused_groups(pipeline)] == [
        ("extract",), ("load_users",), ("clean",), ("enrich",), ("save", "audit")]


def test_levels_with_several_groups_run_in_parallel_and_retries_timeouts_failures_are_encoded():
    _, _, data = asl(ORDERS)
    states = data["States"]
    assert data["StartAt"] == "run extract" and states["run extract"]["Next"] == "level 2"
    level = states["level 2"]
    assert level["Type"] == "Parallel" and level["Next"] == "level 3"
    clean = level["Branches"][0]["States"]["run clean"]
    assert clean["Retry"] == [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1,
                               "BackoffRate": 2.0}]
    assert clean["TimeoutSeconds"] == 60  # clean (30) + per_day (30), one invocation
    assert clean["Parameters"]["Payload"] == {"pipeline": "orders", "group": "clean",
                                              "run_id.$": "$$.Execution.Name"}
    failed = level["Branches"][0]["States"][clean["Catch"][0]["Next"]]
    assert failed == {"Type": "Fail", "Error": "glacier.NodeFailed", "Cause":
                      "node `clean` (task `clean`, pipeline.py:51); node `per_day` (task `per_day`, "
                      "pipeline.py:52) failed"}
    assert states["level 3"].get("End") is True
    assert "Retry" not in level["Branches"][1]["States"]["run per_region"]


def test_an_executor_without_an_invocation_stops_the_machine_with_a_named_failure():
    _, _, data = asl(EXAMPLES / "aws_etl" / "pipeline.py")
    stop = data["States"]["not orchestrated enrich"]
    assert stop["Type"] == "Fail" and stop["Error"] == "glacier.NotOrchestrated"
    assert "node `enrich` (task `enrich`" in stop["Cause"] and "runs on EMR" in stop["Cause"]
    assert data["States"]["run clean"]["Next"] == "not orchestrated enrich"


def test_same_input_same_bytes():
    first, second = asl(ORDERS)[2], asl(ORDERS)[2]
    assert canonical_json(first) == canonical_json(second)
    text = canonical_json(first).decode()
    assert json.loads(text) == first and text == json.dumps(first, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize("path", [ORDERS, EXAMPLES / "aws_etl" / "pipeline.py"], ids=["orders", "aws_etl"])
def test_moto_parser_accepts_the_definition(path):
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    AmazonStateLanguageParser.parse(canonical_json(asl(path)[2]).decode())


@pytest.mark.parametrize("path", [ORDERS, EXAMPLES / "aws_etl" / "pipeline.py"], ids=["orders", "aws_etl"])
def test_asl_validator_accepts_the_definition(path, tmp_path):
    done = asl_validator(canonical_json(asl(path)[2]), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_asl_validator_catches_a_dangling_next(tmp_path):
    data = asl(ORDERS)[2]
    data["States"]["run extract"]["Next"] = "nowhere"
    assert asl_validator(canonical_json(data), tmp_path).returncode != 0


def test_the_terraform_template_escapes_every_string_and_interpolates_only_the_functions():
    project = compiled(ORDERS)
    pipeline = project.pipelines[0]
    data = definition(project, pipeline, lambda g: Ref(f"function_{g.id}"))
    data["Comment"] = "x${var.secret}%{ if 1 }"  # user text (a pipeline or file name) in a string
    text = template_json(data).decode()
    assert '"Comment":"x$${var.secret}%%{ if 1 }"' in text
    assert '"FunctionName":"${function_extract}"' in text
    assert text.count("${") - text.count("$${") == 5  # the five invoked groups, nothing else
