"""IAM for AWS executors: least privilege proven from the data flow.

Everything here is a pure function of the IR. `executor_access` collects the storage a
pipeline node on an executor reads or writes (plus what its tasks touch at module level);
`s3_statements` turns that into policy statements that name only those objects:
`s3:GetObject` on what is read, `s3:PutObject` (+ `s3:AbortMultipartUpload`) on what is
written, `s3:ListBucket` on the bucket with an `s3:prefix` condition, KMS use on the buckets'
keys only. No S3 action or resource is ever a bare `*`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glacierc.backends.terraform.access import Access, executor_access, key_patterns  # noqa: F401 (re-exported)
from glacierc.backends.terraform.blocks import Block, Expr, Template, block
from glacierc.ir.nodes import Executor, Storage


@dataclass(frozen=True, slots=True)
class Condition:
    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of an `aws_iam_policy_document`; resources are ARNs or HCL expressions."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str | Expr | Template, ...] = ()
    effect: str = "Allow"
    principals: tuple[tuple[str, tuple[str | Expr | Template, ...]], ...] = ()
    conditions: tuple[Condition, ...] = ()


def partition(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def s3_statements(access: Access, storage: Mapping[str, Storage], arn_partition: str,
                  kms_keys: Mapping[str, Expr | None]) -> tuple[Statement, ...]:
    """S3 and KMS statements for `access`; `storage` holds only this provider's storage.

    `kms_keys` maps a bucket name to its key (None for SSE-S3 buckets).
    """
    read = _objects(access.reads, storage)
    written = _objects(access.writes, storage)
    statements: list[Statement] = []
    if read:
        statements.append(Statement("ReadObjects", ("s3:GetObject",), _object_arns(read, arn_partition)))
    if written:
        statements.append(Statement("WriteObjects", ("s3:AbortMultipartUpload", "s3:PutObject"),
                                    _object_arns(written, arn_partition)))
    statements.extend(_list_statements(read | written, arn_partition))
    statements.extend(_kms_statements(read, written, kms_keys))
    return tuple(statements)


def _objects(names: Iterable[str], storage: Mapping[str, Storage]) -> set[tuple[str, str]]:
    return {(storage[n].bucket, key) for n in names if n in storage for key in key_patterns(storage[n].path)}


def _object_arns(objects: set[tuple[str, str]], arn_partition: str) -> tuple[str, ...]:
    return tuple(f"arn:{arn_partition}:s3:::{bucket}/{key}" for bucket, key in sorted(objects))


def _list_statements(objects: set[tuple[str, str]], arn_partition: str) -> list[Statement]:
    by_bucket: dict[str, set[str]] = {}
    for bucket, key in objects:
        by_bucket.setdefault(bucket, set()).add(key)
    return [
        Statement(
            f"List{sid_part(bucket)}", ("s3:ListBucket",), (f"arn:{arn_partition}:s3:::{bucket}",),
            conditions=(Condition("StringLike", "s3:prefix", tuple(sorted(by_bucket[bucket]))),),
        )
        for bucket in sorted(by_bucket)
    ]


def _kms_statements(read: set[tuple[str, str]], written: set[tuple[str, str]],
                    kms_keys: Mapping[str, Expr | None]) -> list[Statement]:
    """Reading needs kms:Decrypt; writing needs kms:GenerateDataKey (and Decrypt for multipart)."""
    touched = {b for b, _ in read | written}
    decrypt = _keys(touched, kms_keys)
    generate = _keys({b for b, _ in written}, kms_keys)
    statements = []
    if decrypt:
        statements.append(Statement("DecryptObjects", ("kms:Decrypt",), decrypt))
    if generate:
        statements.append(Statement("EncryptObjects", ("kms:GenerateDataKey",), generate))
    return statements


def _keys(buckets: set[str], kms_keys: Mapping[str, Expr | None]) -> tuple[Expr, ...]:
    keys = {key for key in (kms_keys.get(b) for b in buckets) if key is not None}
    return tuple(sorted(keys, key=lambda e: e.text))


def sid_part(name: str) -> str:
    """`acme-raw.logs` -> `AcmeRawLogs` (statement ids allow letters and digits only)."""
    words = "".join(c if c.isalnum() else " " for c in name).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Bucket"


def log_statement(log_group_arns: Iterable[Expr]) -> Statement:
    """Writing to the functions' own log groups (the groups are created by Terraform)."""
    resources = tuple(Template(arn, ":*") for arn in sorted(set(log_group_arns), key=lambda e: e.text))
    return Statement("WriteLogs", ("logs:CreateLogStream", "logs:PutLogEvents"), resources)


def tracing_statement() -> Statement:
    """X-Ray (active tracing of the functions): these actions support no resource-level scoping."""
    return Statement("Tracing", ("xray:PutTelemetryRecords", "xray:PutTraceSegments"), ("*",))


def trust_statement(principal_type: str, identifiers: tuple[str | Expr | Template, ...]) -> Statement:
    return Statement("AssumeRole", ("sts:AssumeRole",), principals=((principal_type, identifiers),))


#: Who assumes the role of an executor, by kind (clusters: the EC2 instances of the cluster; vm executors run
#: their nodes as AWS Batch jobs, whose containers take the role as ECS tasks).
SERVICE_PRINCIPALS = {
    "serverless": "lambda.amazonaws.com",
    "vm": "ecs-tasks.amazonaws.com",
    "cluster": "ec2.amazonaws.com",
}


def executor_trust(executor: Executor, arn_partition: str) -> Statement:
    """The trust policy of an executor's role.

    The nodes of a local executor of an AWS pipeline run in a generated Lambda (the state machine invokes
    it), so Lambda assumes its role like a serverless executor's.
    """
    if executor.kind == "local":
        return trust_statement("Service", (SERVICE_PRINCIPALS["serverless"],))
    return trust_statement("Service", (SERVICE_PRINCIPALS[executor.kind],))


def cluster_log_statements(log_prefix: str, logs_label: str) -> tuple[Statement, ...]:
    """An EMR cluster writes its logs under its own prefix of the module's log bucket."""
    return (
        Statement("WriteClusterLogs", ("s3:AbortMultipartUpload", "s3:PutObject"),
                  (Template(Expr(f"aws_s3_bucket.{logs_label}.arn"), f"/{log_prefix}*"),)),
        Statement("EncryptClusterLogs", ("kms:Decrypt", "kms:GenerateDataKey"),
                  (Expr(f"aws_kms_key.{logs_label}.arn"),)),
    )


# --- blocks ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Role:
    """The IAM role of an executor (or the EMR service role): trust, inline grants, managed policies."""

    label: str
    name: Template
    comment: str
    trust: Statement
    statements: tuple[Statement, ...]
    instance_profile: bool = False
    managed_policies: tuple[str, ...] = ()


def policy_document(label: str, statements: Iterable[Statement], comment: str) -> Block:
    return block("data", "aws_iam_policy_document", label, comments=[comment],
                 body=[_statement(st) for st in statements])


def _statement(st: Statement) -> Block:
    return block("statement", body=[
        ("sid", st.sid),
        ("effect", st.effect),
        ("actions", list(st.actions)),
        ("resources", list(st.resources)) if st.resources else None,
        *(block("principals", body=[("type", kind), ("identifiers", list(ids))]) for kind, ids in st.principals),
        *(block("condition", body=[("test", c.test), ("variable", c.variable), ("values", list(c.values))])
          for c in st.conditions),
    ])


def role_blocks(role: Role) -> list[Block]:
    """The role, its trust and access policy documents, managed policy attachments, instance profile."""
    ref = f"aws_iam_role.{role.label}"
    found = [
        policy_document(f"{role.label}_trust", [role.trust], role.comment),
        block("resource", "aws_iam_role", role.label, comments=[role.comment], body=[
            ("name", role.name),
            ("assume_role_policy", Expr(f"data.aws_iam_policy_document.{role.label}_trust.json")),
        ]),
    ]
    if role.statements:
        found.append(policy_document(f"{role.label}_access", role.statements, role.comment))
        found.append(block("resource", "aws_iam_role_policy", role.label, comments=[role.comment], body=[
            ("name", "data-access"),
            ("role", Expr(f"{ref}.id")),
            ("policy", Expr(f"data.aws_iam_policy_document.{role.label}_access.json")),
        ]))
    for index, arn in enumerate(role.managed_policies, 1):
        found.append(block("resource", "aws_iam_role_policy_attachment", f"{role.label}_{index}",
                           comments=[role.comment], body=[("role", Expr(f"{ref}.name")), ("policy_arn", arn)]))
    if role.instance_profile:
        found.append(block("resource", "aws_iam_instance_profile", role.label, comments=[role.comment], body=[
            ("name", role.name), ("role", Expr(f"{ref}.name")),
        ]))
    return found
