"""The orchestration of an AWS root module: state machine, its role, the staging bucket and grants, the
schedule and its role, the `pipelines` output; checked as HCL read back and by terraform/checkov."""

from __future__ import annotations

import json

import hcl2
from hcl2 import SerializationOptions
from terraform_tools import REPO, emit_pipeline

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
ORDERS = REPO / "tests" / "fixtures" / "aws_sfn" / "orders" / "pipeline.py"


def _blocks(files, section, kind):
    found = {}
    for path, content in files.items():
        if path.endswith(".tf"):
            for block in hcl2.loads(content, serialization_options=PLAIN).get(section, []):
                found.update(block.get(kind, {}))
    return found


def _statements(files, label):
    return {s["sid"]: (s["actions"], s.get("resources"))
            for s in _blocks(files, "data", "aws_iam_policy_document")[label]["statement"]}


def test_the_state_machine_is_standard_logged_traced_and_named_by_the_prefix():
    files, _, diagnostics = emit_pipeline(ORDERS)
    machine = _blocks(files, "resource", "aws_sfn_state_machine")["orders"]
    assert machine["name"] == "${var.name_prefix}-orders" and machine["type"] == "STANDARD"
    assert machine["tracing_configuration"][0]["enabled"] is True
    assert machine["logging_configuration"][0]["log_destination"] == "${aws_cloudwatch_log_group.orders_states.arn}:*"
    assert "templatefile(\"${path.module}/states/orders.asl.json\"" in machine["definition"]
    definition = json.loads(files["terraform/states/orders.asl.json"])
    assert definition["StartAt"] == "run extract"
    note = [d.message for d in diagnostics if d.code == "GLC407"]
    assert note == ["pipeline `orders`: Step Functions state machine with 12 states for 5 groups of nodes; "
                    "one invocation each for clean + per_day"]


DAILY = (REPO / "tests" / "fixtures" / "partitions" / "aws_daily" / "pipeline.py").read_text()
MAPPED_ON_DATABRICKS = DAILY.replace(
    "fn = provider.serverless(config=LambdaConfig(memory=512, timeout=60))",
    "fn = provider.cluster(config=DatabricksConfig())").replace("LambdaConfig", "DatabricksConfig")
MAPPED_ON_EMR = DAILY.replace(
    "fn = provider.serverless(config=LambdaConfig(memory=512, timeout=60))",
    "fn = provider.cluster(config=SparkConfig())").replace("LambdaConfig", "SparkConfig")


CROSS_PROVIDER = """\
import polars as pl

from glacier import Provider, pipeline
from glacier.config import AwsConfig, CloudFunctionConfig, GcpConfig, LambdaConfig

aws = Provider(config=AwsConfig(region="us-east-1"))
gcp = Provider(config=GcpConfig(project_id="acme-data", region="europe-west1"))
fn = aws.serverless(config=LambdaConfig())
gfn = gcp.serverless(config=CloudFunctionConfig())
raw = aws.bucket(bucket="acme-raw", path="orders.parquet")


@fn.task()
def extract(source) -> pl.LazyFrame:
    return source.scan()


@gfn.task()
def total(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.select(pl.len())


@pipeline(name="cross")
def cross():
    return total(extract(raw))
"""


def test_nodes_the_machine_cannot_run_are_named_in_the_build_output(tmp_path):
    """A node on an executor of another provider is not run by this provider's machine: it stops there."""
    source = tmp_path / "pipeline.py"
    source.write_text(CROSS_PROVIDER)
    _, _, diagnostics = emit_pipeline(source)
    assert [d.message for d in diagnostics if d.code == "GLC407"] == [
        "pipeline `cross`: Step Functions state machine with 3 states for 1 group of nodes; no nodes fused; "
        "not orchestrated yet, the machine fails at: total (executor `gfn` of another provider)"]


def test_a_mapped_node_on_databricks_is_a_map_of_runs(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_text(MAPPED_ON_DATABRICKS)
    _, _, diagnostics = emit_pipeline(source)
    assert [d.message for d in diagnostics if d.code == "GLC407"] == [
        "pipeline `daily`: Step Functions state machine with 4 states for 2 groups of nodes; no nodes fused"]


def test_a_mapped_node_on_emr_is_a_map_of_steps(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_text(MAPPED_ON_EMR)
    _, _, diagnostics = emit_pipeline(source)
    assert [d.message for d in diagnostics if d.code == "GLC407"] == [
        "pipeline `daily`: Step Functions state machine with 4 states for 2 groups of nodes; no nodes fused"]


def test_roles_invoke_exactly_their_functions_and_start_exactly_their_machine():
    files, _, _ = emit_pipeline(ORDERS)
    invoke = _statements(files, "orders_states_access")["InvokeItsFunctions"]
    assert invoke == (["lambda:InvokeFunction"], [f"${{aws_lambda_function.{f}.arn}}" for f in (
        "clean", "extract", "per_region", "save_daily", "save_regions")])  # per_day runs inside clean's call
    assert _statements(files, "orders_schedule_access") == {
        "StartItsStateMachine": (["states:StartExecution"], ["${aws_sfn_state_machine.orders.arn}"])}
    trust = _blocks(files, "data", "aws_iam_policy_document")["orders_schedule_trust"]["statement"][0]
    assert trust["principals"][0]["identifiers"] == ["scheduler.amazonaws.com"]
    schedule = _blocks(files, "resource", "aws_scheduler_schedule")["orders"]
    assert schedule["schedule_expression"] == "rate(1 day)"
    assert schedule["target"][0]["arn"] == "${aws_sfn_state_machine.orders.arn}"


def test_staging_is_private_expiring_and_granted_per_node():
    files, _, _ = emit_pipeline(ORDERS)
    assert _blocks(files, "resource", "aws_s3_bucket_versioning")["orders_staging"][
        "versioning_configuration"][0]["status"] == "Disabled"
    rules = _blocks(files, "resource", "aws_s3_bucket_lifecycle_configuration")["orders_staging"]["rule"]
    assert rules[1]["expiration"][0]["days"] == 7
    assert "orders_staging" in _blocks(files, "resource", "aws_s3_bucket_public_access_block")
    assert "orders_staging" in _blocks(files, "resource", "aws_kms_key")
    staging = "${aws_s3_bucket.orders_staging.arn}"
    fn = _statements(files, "fn_access")
    assert fn["ReadStagedInputs"] == (["s3:GetObject"], [f"{staging}/*/extract.*"])
    assert fn["WriteStagedResults"] == (["s3:AbortMultipartUpload", "s3:PutObject"],
                                        [f"{staging}/*/per_day.*", f"{staging}/*/per_region.*"])
    function = _blocks(files, "resource", "aws_lambda_function")["clean"]
    assert function["environment"][0]["variables"] == {
        "GLACIER_STAGING_URI__orders": "s3://${aws_s3_bucket.orders_staging.bucket}"}


def test_the_pipelines_output_maps_names_to_machine_and_bucket():
    files, _, _ = emit_pipeline(ORDERS)
    output = _blocks(files, "output", "pipelines")
    assert "templatefile(\"${path.module}/states/pipelines.json\"" in output["value"]
    assert json.loads(files["terraform/states/pipelines.json"]) == {"orders": {
        "state_machine_arn": "${machine_orders}", "staging_bucket": "${staging_orders}"}}


def test_same_input_same_bytes():
    assert emit_pipeline(ORDERS)[0] == emit_pipeline(ORDERS)[0]


GROUP_TIMEOUTS = '''\
from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
fn = provider.serverless(config=LambdaConfig(timeout=900))
raw = provider.bucket(bucket="acme-raw", path="raw.parquet")
out = provider.bucket(bucket="acme-out", path="out.parquet")

@fn.task(timeout=60)
def load(source) -> pl.LazyFrame:
    return source.scan()

@fn.task(timeout=120)
def save(frame: pl.LazyFrame) -> None:
    out.write(frame)

@pipeline(name="p")
def p():
    save(load(raw))
'''


def test_a_function_leading_a_fused_group_may_run_for_the_whole_group(tmp_path):
    """load and save fuse into one invocation of load's function: its timeout covers both nodes (60 + 120),
    as the state's TimeoutSeconds does; save's own function keeps its task's timeout."""
    source = tmp_path / "pipeline.py"
    source.write_text(GROUP_TIMEOUTS)
    files, _, _ = emit_pipeline(source)
    functions = _blocks(files, "resource", "aws_lambda_function")
    assert functions["load"]["timeout"] == 180 and functions["save"]["timeout"] == 120
    states = json.loads(files["terraform/states/p.asl.json"])["States"]
    assert [s["TimeoutSeconds"] for s in states.values() if s.get("Type") == "Task"] == [180]
