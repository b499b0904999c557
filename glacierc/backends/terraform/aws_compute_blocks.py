"""The compute blocks of one AWS provider: Lambda functions and their log groups, security groups, EMR
clusters with their security configuration (the Batch environments of vm executors: aws_batch.py).

Security settings are fixed here, in one place each: active X-Ray tracing of every function, IMDSv2
(`http_tokens = "required"`) and encrypted gp3 root volumes on every instance (the Batch launch templates), HTTPS-only egress, EMR
at-rest encryption of S3 and local disks with the cluster's own key; a cluster running a state machine's
steps gets the job package at bootstrap (aws_job_package.py).
"""

from __future__ import annotations

from glacierc.backends.terraform.aws_compute import EMR_IDLE_TIMEOUT, EMR_STEP_CONCURRENCY, Cluster, Function, SecurityGroup
from glacierc.backends.terraform.blocks import BLANK, Block, Call, Comment, Expr, Template, Value, block

TRACING_MODE = "Active"
#: Instance metadata: IMDSv2 only (session tokens required).
METADATA_OPTIONS = (("http_endpoint", "enabled"), ("http_tokens", "required"))
ROOT_VOLUME = (("encrypted", True), ("volume_type", "gp3"))
HTTPS_EGRESS = (
    ("description", "HTTPS to AWS APIs (S3, KMS, logs)"), ("protocol", "tcp"), ("from_port", 443),
    ("to_port", 443), ("cidr_blocks", ["0.0.0.0/0"]),
)
EMR_IN_TRANSIT_SKIP = ("checkov:skip=CKV_AWS_351:in-transit encryption needs TLS certificates of your own; "
                       "traffic stays inside the VPC")


def function_blocks(f: Function, logs: str) -> list[Block]:
    """The log group (encrypted with the logs key) and the function of one serverless task."""
    group = block("resource", "aws_cloudwatch_log_group", f.label, comments=[f.comment], body=[
        *(Comment(skip.text) for skip in f.log_skips),
        ("name", Template("/aws/lambda/", *f.name.parts)),
        ("retention_in_days", f.log_retention_days),
        ("kms_key_id", Expr(f"aws_kms_key.{logs}.arn")),
    ])
    function = block("resource", "aws_lambda_function", f.label, comments=[f.comment], body=[
        *(Comment(skip.text) for skip in f.skips),
        ("function_name", f.name),
        ("description", f.description),
        ("role", Expr(f"aws_iam_role.{f.role}.arn")),
        ("runtime", f.runtime),
        ("handler", f.handler),
        ("filename", Template(Expr("path.module"), "/" + f.zip_file)),
        ("source_code_hash", f.zip_hash),
        ("memory_size", f.memory),
        ("timeout", f.timeout),
        ("architectures", [f.architecture]),
        ("layers", list(f.layers)) if f.layers else None,
        ("reserved_concurrent_executions", f.reserved_concurrency) if f.reserved_concurrency is not None else None,
        block("ephemeral_storage", body=[("size", f.ephemeral_storage)]),
        block("environment", body=[("variables", dict(f.environment))]) if f.environment else None,
        block("tracing_config", body=[("mode", TRACING_MODE)]),
        block("lifecycle", body=[block("precondition", body=[("condition", condition), ("error_message", message)])
                                 for condition, message in f.preconditions]) if f.preconditions else None,
        ("depends_on", [Expr(f"aws_cloudwatch_log_group.{f.label}"), Expr(f"aws_iam_role_policy.{f.role}")]),
    ])
    return [group, function]


def subnet_block(label: str, subnet_id: str, comment: str) -> Block:
    return block("data", "aws_subnet", label, comments=[comment], body=[("id", subnet_id)])


def security_group_block(sg: SecurityGroup) -> Block:
    body: list = [
        ("name", sg.name),
        ("description", sg.description),
        ("vpc_id", Expr(f"data.aws_subnet.{sg.subnet}.vpc_id")) if sg.subnet else None,
    ]
    if sg.emr_managed:
        body += [
            ("revoke_rules_on_delete", True), BLANK,
            ("tags", {"for-use-with-amazon-emr-managed-policies": "true"}),
            block("lifecycle", body=[Comment("EMR adds the rules its nodes need."),
                                     ("ignore_changes", [Expr("ingress"), Expr("egress")])]),
        ]
    if sg.egress_https:
        body.append(block("egress", body=HTTPS_EGRESS))
    return block("resource", "aws_security_group", sg.label, comments=[sg.comment], body=body)


def cluster_blocks(c: Cluster, logs: str) -> list[Block]:
    """The EMR security configuration (at-rest encryption with the cluster's key) and the cluster."""
    key = Expr(f"aws_kms_key.{c.label}_emr.arn")
    encryption: Value = {"EncryptionConfiguration": {
        "EnableAtRestEncryption": True,
        "EnableInTransitEncryption": False,
        "AtRestEncryptionConfiguration": {
            "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key},
            "LocalDiskEncryptionConfiguration": {
                "EncryptionKeyProviderType": "AwsKms", "AwsKmsKey": key, "EnableEbsEncryption": True},
        },
    }}
    security = block("resource", "aws_emr_security_configuration", c.label, comments=[c.comment], body=[
        Comment(EMR_IN_TRANSIT_SKIP), ("name", c.name), ("configuration", Call("jsonencode", encryption)),
    ])
    cluster = block("resource", "aws_emr_cluster", c.label, comments=[c.comment], body=[
        *(Comment(skip.text) for skip in c.skips),
        ("name", c.name),
        ("release_label", c.release_label),
        ("applications", ["Spark"]),
        ("service_role", Expr(f"aws_iam_role.{c.service_role}.arn")),
        ("security_configuration", Expr(f"aws_emr_security_configuration.{c.label}.name")),
        ("log_uri", Template("s3://", Expr(f"aws_s3_bucket.{logs}.id"), "/" + c.log_prefix)),
        ("keep_job_flow_alive_when_no_steps", True),
        ("step_concurrency_level", EMR_STEP_CONCURRENCY),
        ("termination_protection", False),
        block("ec2_attributes", body=[
            ("instance_profile", Expr(f"aws_iam_instance_profile.{c.profile}.arn")),
            ("emr_managed_master_security_group", Expr(f"aws_security_group.{c.label}_emr_primary.id")),
            ("emr_managed_slave_security_group", Expr(f"aws_security_group.{c.label}_emr_core.id")),
        ]),
        block("master_instance_group", body=[("instance_type", c.instance_type)]),
        block("core_instance_group", body=[("instance_type", c.instance_type), ("instance_count", c.core_count)]),
        *_bootstrap(c),
        ("depends_on", [Expr(f"aws_iam_role_policy.{c.profile}"),
                        Expr(f"aws_iam_role_policy_attachment.{c.service_role}_1")]),
    ])
    return [security, cluster]


def _bootstrap(c: Cluster) -> list[Block]:
    """The bootstrap action of a cluster running steps; otherwise the idle auto-termination."""
    if c.bootstrap is None:
        return [block("auto_termination_policy", body=[("idle_timeout", EMR_IDLE_TIMEOUT)])]
    script, package, folder = c.bootstrap
    return [block("bootstrap_action", body=[("name", "glacier runtime"), ("path", script),
                                            ("args", [package, folder])])]
