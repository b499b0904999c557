"""Customer-managed KMS keys and their key policies (rotation on, 30-day deletion window).

Key policies are written inline (`jsonencode`) in the `aws_kms_key`: a key policy's `Resource`
is always `"*"` (it means "this key"), which IAM policy linters would misread in a shared
`aws_iam_policy_document`.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacierc.backends.terraform.blocks import Block, Call, Expr, Template, block

#: Every generated key rotates yearly and can be recovered for 30 days after deletion is scheduled.
ROTATION = True
DELETION_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class KmsKey:
    label: str
    comment: str
    description: str
    policy: dict


ACCOUNT_ID = Expr("data.aws_caller_identity.current.account_id")


def account_root(partition: str) -> Template:
    """`arn:<partition>:iam::<this account>:root`."""
    return Template(f"arn:{partition}:iam::", ACCOUNT_ID, ":root")


def key_block(key: KmsKey) -> Block:
    """The `aws_kms_key` of `key`: rotation and deletion window fixed here, the policy inline."""
    return block("resource", "aws_kms_key", key.label, comments=[key.comment], body=[
        ("description", key.description),
        ("enable_key_rotation", ROTATION),
        ("deletion_window_in_days", DELETION_WINDOW_DAYS),
        ("policy", Call("jsonencode", key.policy)),
    ])


def _account_administers(partition: str) -> dict:
    """The account (and IAM policies in it) administers the key; IAM grants decide who uses it."""
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": account_root(partition)},
        "Action": "kms:*",
        "Resource": "*",
    }


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def bucket_key(bucket, partition: str) -> KmsKey:
    return KmsKey(
        label=bucket.label,
        comment=bucket.comment,
        description=f"glacier: encrypts S3 bucket {bucket.name or bucket.label}",
        policy=_policy(_account_administers(partition)),
    )


def logs_key(label: str, partition: str, region: str) -> KmsKey:
    """Encrypts CloudWatch log groups and the EMR log bucket; CloudWatch Logs may use it for
    log groups of this account and region only."""
    logs_service = {
        "Sid": "CloudWatchLogsUse",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": Template(
                    f"arn:{partition}:logs:{region}:", ACCOUNT_ID, ":log-group:*"),
            },
        },
    }
    return KmsKey(
        label=label,
        comment="source: generated for the log groups of this module",
        description="glacier: encrypts logs",
        policy=_policy(_account_administers(partition), logs_service),
    )


def emr_key(cluster, partition: str) -> KmsKey:
    """Local-disk and EBS encryption of one EMR cluster: usable by its instance and service roles."""
    roles = [Expr(f"aws_iam_role.{cluster.profile}.arn"), Expr(f"aws_iam_role.{cluster.service_role}.arn")]
    use = {
        "Sid": "ClusterUse",
        "Effect": "Allow",
        "Principal": {"AWS": roles},
        "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        "Resource": "*",
    }
    grants = {
        "Sid": "ClusterGrants",
        "Effect": "Allow",
        "Principal": {"AWS": roles},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }
    return KmsKey(
        label=f"{cluster.label}_emr",
        comment=cluster.comment,
        description=f"glacier: encrypts the disks of EMR cluster {cluster.label}",
        policy=_policy(_account_administers(partition), use, grants),
    )
