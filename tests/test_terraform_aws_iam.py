"""Least privilege from the data flow: the pure policy functions and the policies read back from HCL."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions
from terraform_tools import REPO, emitted_once

from glacierc.backends.terraform.aws_iam import (
    Access,
    Condition,
    Statement,
    executor_access,
    key_patterns,
    partition,
    s3_statements,
    sid_part,
)
from glacierc.backends.terraform.blocks import Expr
from glacierc.ir.nodes import (
    Config,
    Executor,
    Node,
    Pipeline,
    Project,
    Provider,
    Storage,
    Task,
)
from glacierc.source import Span


FIXTURES = REPO / "tests" / "fixtures" / "terraform_aws"
ALL_PIPELINES = [REPO / "examples" / "aws_etl" / "pipeline.py",
                 *sorted(FIXTURES.glob("*/pipeline.py"))]
SPAN = Span("pipeline.py", 1, 1, 1, 2)


def _storage(name: str, bucket: str, path: str) -> Storage:
    return Storage(name, "p", bucket, path, "parquet", f"s3://{bucket}/{path}", None, SPAN)


# --- key patterns -------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "patterns"), [
    ("events/events.parquet", ("events/events.parquet",)),
    ("top.csv", ("top.csv",)),
    ("exports/", ("exports/*",)),
    ("", ("*",)),
    ("incoming/*.csv", ("incoming/*",)),
    ("incoming/day-*.csv", ("incoming/day-*",)),  # the prefix before the first wildcard, not the directory
    ("year=2024/part-?.parquet", ("year=2024/part-*",)),  # the prefix before `?` too, never wider
    ("*.csv", ("*",)),
    ("logs/2024-[01]*/x.json", ("logs/2024-*",)),
    ("daily/partitioned", ("daily/partitioned", "daily/partitioned/*")),
])
def test_key_patterns(path: str, patterns: tuple[str, ...]) -> None:
    assert key_patterns(path) == patterns


def test_partition_follows_the_region() -> None:
    assert [partition(r) for r in ("us-east-1", "cn-north-1", "us-gov-west-1")] == \
        ["aws", "aws-cn", "aws-us-gov"]


def test_sid_part_is_alphanumeric() -> None:
    assert sid_part("acme-raw.logs") == "AcmeRawLogs"
    assert sid_part("---") == "Bucket"


# --- s3_statements ------------------------------------------------------------------------------


def test_reads_get_objects_and_list_scoped_by_prefix() -> None:
    storage = {"a": _storage("a", "b1", "in/a.parquet"), "d": _storage("d", "b1", "dir/")}
    statements = s3_statements(Access(("a", "d"), ()), storage, "aws", {"b1": Expr("aws_kms_key.b1.arn")})
    assert statements == (
        Statement("ReadObjects", ("s3:GetObject",), ("arn:aws:s3:::b1/dir/*", "arn:aws:s3:::b1/in/a.parquet")),
        Statement("ListB1", ("s3:ListBucket",), ("arn:aws:s3:::b1",),
                  conditions=(Condition("StringLike", "s3:prefix", ("dir/*", "in/a.parquet")),)),
        Statement("DecryptObjects", ("kms:Decrypt",), (Expr("aws_kms_key.b1.arn"),)),
    )


def test_writes_put_objects_and_generate_data_keys() -> None:
    storage = {"out": _storage("out", "b2", "out/x.parquet")}
    statements = s3_statements(Access((), ("out",)), storage, "aws-cn", {"b2": Expr("k")})
    assert [s.sid for s in statements] == ["WriteObjects", "ListB2", "DecryptObjects", "EncryptObjects"]
    assert statements[0] == Statement("WriteObjects", ("s3:AbortMultipartUpload", "s3:PutObject"),
                                      ("arn:aws-cn:s3:::b2/out/x.parquet",))
    assert statements[3] == Statement("EncryptObjects", ("kms:GenerateDataKey",), (Expr("k"),))


def test_no_access_no_statements_and_sse_s3_buckets_need_no_kms() -> None:
    storage = {"a": _storage("a", "plain", "a.csv")}
    assert s3_statements(Access((), ()), storage, "aws", {}) == ()
    sids = [s.sid for s in s3_statements(Access(("a",), ()), storage, "aws", {"plain": None})]
    assert sids == ["ReadObjects", "ListPlain"]


def test_storage_of_other_providers_is_ignored() -> None:
    assert s3_statements(Access(("elsewhere",), ("elsewhere",)), {}, "aws", {}) == ()


def test_executor_access_unions_nodes_and_module_level_task_access() -> None:
    node = Node("t", "t", "e", (), ("param_in",), ("out",), SPAN)
    task = Task("t", "t", "m", "e", (), None, (), ("module_level",), (), (), (), 0, None, SPAN)
    idle = Executor("idle", "p", "local", None, SPAN)
    project = Project(
        providers=(Provider("p", "aws", Config("AwsConfig"), SPAN),),
        executors=(Executor("e", "p", "serverless", None, SPAN), idle),
        tasks=(task,),
        pipelines=(Pipeline("p1", "p1", "m", (node,), (), (("t",),), (), SPAN),),
    )
    access = executor_access(project)
    assert access["e"] == Access(("module_level", "param_in"), ("out",))
    assert access["idle"] == Access((), ())


# --- generated policies, read back from iam.tf ----------------------------------------------------


def _policies(path: Path) -> dict[str, list[dict]]:
    """Statements of every `<role>_access` policy document, by role label."""
    files, _, _ = emitted_once(path)
    documents = {}
    for name, text in files.items():
        if not name.endswith("/iam.tf"):
            continue
        parsed = hcl2.loads(text, serialization_options=SerializationOptions(
            strip_string_quotes=True, explicit_blocks=False))
        for data in parsed.get("data", []):
            for label, body in data.get("aws_iam_policy_document", {}).items():
                if label.endswith("_access"):
                    documents[label.removesuffix("_access")] = body["statement"]
    return documents


def _grants(statements: list[dict]) -> dict[str, tuple]:
    return {
        s["sid"]: (tuple(s["actions"]), tuple(s.get("resources", ())),
                   tuple((c["test"], c["variable"], tuple(c["values"])) for c in s.get("condition", ())))
        for s in statements
    }


def test_aws_etl_policies_are_exactly_the_data_flow() -> None:
    policies = {label: _grants(s) for label, s in _policies(REPO / "examples" / "aws_etl" / "pipeline.py").items()}
    assert set(policies) == {"lambda_exec", "local_exec", "spark_exec", "aws_etl_states"}
    # clean only receives frames: no data bucket, only extract's staged result (read) and its own (write),
    # prefix-scoped per node under any execution, its own log group and tracing.
    staging = "${aws_s3_bucket.aws_etl_staging.arn}"
    assert policies["lambda_exec"] == {
        "ReadStagedInputs": (("s3:GetObject",), (f"{staging}/*/extract.*",), ()),
        "WriteStagedResults": (("s3:AbortMultipartUpload", "s3:PutObject"), (f"{staging}/*/clean.*",), ()),
        "UseStagingKeys": (("kms:Decrypt", "kms:GenerateDataKey"), ("${aws_kms_key.aws_etl_staging.arn}",), ()),
        "WriteLogs": (("logs:CreateLogStream", "logs:PutLogEvents"),
                      ("${aws_cloudwatch_log_group.clean.arn}:*",), ()),
        "Tracing": (("xray:PutTelemetryRecords", "xray:PutTraceSegments"), ("*",), ()),
    }
    # the state machine may invoke exactly the functions its states name, add steps to exactly its cluster
    assert policies["aws_etl_states"]["InvokeItsFunctions"] == (("lambda:InvokeFunction",), tuple(
        f"${{aws_lambda_function.{f}.arn}}" for f in ("clean", "extract", "load_users", "save")), ())
    assert policies["aws_etl_states"]["RunItsSteps"] == (("elasticmapreduce:AddJobFlowSteps",
                                                          "elasticmapreduce:CancelSteps",
                                                          "elasticmapreduce:DescribeStep"),
                                                         ("${aws_emr_cluster.spark_exec.arn}",), ())
    # extract + load_users read raw, save writes curated, audit reads it back.
    local_staged = {k: policies["local_exec"].pop(k) for k in ("ReadStagedInputs", "WriteStagedResults",
                                                                "UseStagingKeys", "WriteLogs", "Tracing")
                    if k in policies["local_exec"]}
    # save reads enrich's staged result (an EMR step's); audit, the pipeline's result, is staged
    assert local_staged["ReadStagedInputs"][1] == (f"{staging}/*/enrich.*",)
    assert local_staged["WriteStagedResults"][1] == (f"{staging}/*/extract.*", f"{staging}/*/load_users.*",
                                                     f"{staging}/*/audit.*")
    assert policies["local_exec"] == {
        "ReadObjects": (("s3:GetObject",), (
            "arn:aws:s3:::acme-curated/daily/country_activity.parquet",
            "arn:aws:s3:::acme-raw/events/events.parquet",
            "arn:aws:s3:::acme-raw/users/users.csv",
        ), ()),
        "WriteObjects": (("s3:AbortMultipartUpload", "s3:PutObject"),
                         ("arn:aws:s3:::acme-curated/daily/country_activity.parquet",), ()),
        "ListAcmeCurated": (("s3:ListBucket",), ("arn:aws:s3:::acme-curated",),
                            (("StringLike", "s3:prefix", ("daily/country_activity.parquet",)),)),
        "ListAcmeRaw": (("s3:ListBucket",), ("arn:aws:s3:::acme-raw",),
                        (("StringLike", "s3:prefix", ("events/events.parquet", "users/users.csv")),)),
        "DecryptObjects": (("kms:Decrypt",), ("${aws_kms_key.acme_curated.arn}", "${aws_kms_key.acme_raw.arn}"), ()),
        "EncryptObjects": (("kms:GenerateDataKey",), ("${aws_kms_key.acme_curated.arn}",), ()),
    }
    # enrich only joins frames: the cluster reads its inputs' staged results and its job package (and the
    # bootstrap action), writes its own result and logs, nothing else.
    package, bootstrap = policies["spark_exec"].pop("ReadJobPackage")[1]
    assert re.fullmatch(r"\$\{aws_s3_bucket.glacier_artifacts.arn\}/jobs/spark_exec-[0-9a-f]{16}\.zip", package)
    assert re.fullmatch(r"\$\{aws_s3_bucket.glacier_artifacts.arn\}/jobs/emr-bootstrap-[0-9a-f]{16}\.sh", bootstrap)
    assert policies["spark_exec"] == {
        "ReadStagedInputs": (("s3:GetObject",), (f"{staging}/*/clean.*", f"{staging}/*/load_users.*"), ()),
        "WriteStagedResults": (("s3:AbortMultipartUpload", "s3:PutObject"), (f"{staging}/*/enrich.*",), ()),
        "UseStagingKeys": (("kms:Decrypt", "kms:GenerateDataKey"), ("${aws_kms_key.aws_etl_staging.arn}",), ()),
        "DecryptJobPackage": (("kms:Decrypt",), ("${aws_kms_key.glacier_artifacts.arn}",), ()),
        "WriteClusterLogs": (("s3:AbortMultipartUpload", "s3:PutObject"),
                             ("${aws_s3_bucket.glacier_logs.arn}/emr/spark_exec/*",), ()),
        "EncryptClusterLogs": (("kms:Decrypt", "kms:GenerateDataKey"), ("${aws_kms_key.glacier_logs.arn}",), ()),
    }


def test_prefix_and_glob_storage_are_granted_as_prefixes() -> None:
    policies = _grants(_policies(FIXTURES / "serverless_prefix" / "pipeline.py")["fn"])
    assert policies["ReadObjects"] == (("s3:GetObject",), ("arn:aws:s3:::lake-landing/incoming/*",), ())
    assert policies["WriteObjects"] == (("s3:AbortMultipartUpload", "s3:PutObject"),
                                        ("arn:aws:s3:::lake-exports/exports/*",), ())
    assert policies["ListLakeLanding"][2] == (("StringLike", "s3:prefix", ("incoming/*",)),)


def test_shared_bucket_keys_sse_s3_and_configured_key() -> None:
    policies = _policies(FIXTURES / "shared_bucket" / "pipeline.py")
    local = _grants(policies["local_exec"])
    assert local["WriteObjects"][1] == (
        "arn:aws:s3:::shop-archive/archive/orders.parquet",
        "arn:aws:s3:::shop-data/reports/report.parquet",
        "arn:aws:s3:::shop-secure/secure/totals.parquet",
    )
    # shop-archive is SSE-S3: no key; shop-secure uses the configured key through a data source.
    assert local["EncryptObjects"][1] == ("${aws_kms_key.shop_data.arn}", "${data.aws_kms_key.shop_secure.arn}")
    # join only receives frames: staged ones, no data bucket
    assert set(_grants(policies["fn"])) == {"WriteLogs", "Tracing", "ReadStagedInputs", "UseStagingKeys",
                                            "WriteStagedResults"}


def test_cross_provider_access_is_not_granted() -> None:
    path = FIXTURES / "multi_provider" / "pipeline.py"
    _, _, diagnostics = emitted_once(path)
    policies = _grants(_policies(path)["copier"])
    assert policies["WriteObjects"][1] == ("arn:aws:s3:::backup-data/table.parquet",)
    diagnostics = [d for d in diagnostics if d.code not in ("GLC407", "GLC412")]  # the build's notes
    assert [d.code for d in diagnostics] == ["GLC403"]
    assert "source_table" in diagnostics[0].message


@pytest.mark.parametrize("path", ALL_PIPELINES, ids=lambda p: p.parent.name)
def test_no_wildcard_s3_action_or_resource(path: Path) -> None:
    for role, statements in _policies(path).items():
        for statement in statements:
            actions = statement["actions"]
            if not any(a.startswith("s3:") for a in actions):
                continue
            assert all(a not in ("*", "s3:*") and "*" not in a for a in actions), role
            for resource in statement["resources"]:
                assert resource not in ("*", "arn:aws:s3:::*"), role
                assert resource.startswith(("arn:aws:s3:::", "${aws_s3_bucket.")), role
                assert "/" in resource or statement["actions"] == ["s3:ListBucket"], role
