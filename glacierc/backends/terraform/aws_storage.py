"""S3 buckets of one AWS provider: one bucket per distinct name, its KMS key and lifecycle rules.

Several `provider.bucket(...)` declarations may share one S3 bucket (different paths). Bucket-level
settings (versioning, encryption, key) must then agree; the first declaration in source order wins
and the others are reported (GLC404, by aws_rules.py with what else S3 refuses). Lifecycle rules of all of
them are merged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from glacier.config import S3Config
from glacierc.backends.terraform.aws_iam import Condition, Statement, policy_document
from glacierc.backends.terraform.aws_keys import KmsKey, key_block
from glacierc.backends.terraform.blocks import BLANK, Block, Comment, Expr, Item, Template, block
from glacierc.backends.terraform.common import Skip, source_text
from glacierc.backends.terraform.aws_rules import lifecycle_rules
from glacierc.backends.terraform.target_rules import bucket_groups
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Storage

ABORT_MULTIPART_DAYS = 7


@dataclass(frozen=True, slots=True)
class LifecycleRule:
    id: str
    prefix: str
    expire_days: int | None
    transition_days: int | None
    storage_class: str | None


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    label: str
    comment: str
    versioning: bool
    sse_algorithm: str  # "AES256", "aws:kms" or "aws:kms:dsse"
    #: The key as an HCL expression: a generated aws_kms_key, a data source, or None for AES256.
    kms_key: Expr | None
    generated_key: bool
    configured_key: str | None
    rules: tuple[LifecycleRule, ...]
    skips: tuple[Skip, ...]
    #: For generated buckets (EMR logs): an HCL template for `bucket_prefix` instead of a name.
    bucket_prefix: Template | None = None
    #: `existing=True`: read with a data source, never created or configured (its settings are its owner's).
    existing: bool = False

    @property
    def address(self) -> str:
        """The Terraform address of the bucket: the resource, or the data source of an existing bucket."""
        return f"data.aws_s3_bucket.{self.label}" if self.existing else f"aws_s3_bucket.{self.label}"


def buckets_of(storage: tuple[Storage, ...], labels: dict[str, str]) -> tuple[Bucket, ...]:
    """One `Bucket` per distinct bucket name of `storage` (all of one provider), sorted by name; what S3
    refuses in them is reported by `aws_rules.bucket_problems`."""
    return tuple(existing_bucket(name, labels[name], members) if any(m.existing for m in members)
                 else _bucket(name, labels[name], members) for name, members in bucket_groups(storage).items())


def existing_bucket(name: str, label: str, members: list[Storage]) -> Bucket:
    """A bucket that `existing=True` adopts: no key, no rules, no settings of its own here."""
    return Bucket(name=name, label=label, comment=source_text((m.span, f"storage {m.name}") for m in members),
                  versioning=False, sse_algorithm="", kms_key=None, generated_key=False, configured_key=None,
                  rules=(), skips=(), existing=True)


def _bucket(name: str, label: str, members: list[Storage]) -> Bucket:
    first = typed_config(members[0].config, S3Config)
    algorithm = first.encryption
    configured = first.kms_key_id if algorithm != "AES256" else None
    if algorithm == "AES256":
        key = None
    elif configured:
        key = Expr(f"data.aws_kms_key.{label}.arn")
    else:
        key = Expr(f"aws_kms_key.{label}.arn")
    return Bucket(
        name=name,
        label=label,
        comment=source_text((m.span, f"storage {m.name}") for m in members),
        versioning=first.versioning,
        sse_algorithm=algorithm,
        kms_key=key,
        generated_key=key is not None and not configured,
        configured_key=configured or None,
        rules=tuple(LifecycleRule(f"rule-{i}", *fields) for i, fields in enumerate(lifecycle_rules(members), 1)),
        skips=_bucket_skips(first.versioning, algorithm),
    )


def logs_bucket(label: str, key: Expr, comment: str) -> Bucket:
    """The bucket EMR writes cluster logs to (named by AWS from the name prefix)."""
    return Bucket(name="", label=label, comment=comment, versioning=True, sse_algorithm="aws:kms",
                  kms_key=key, generated_key=False, configured_key=None, rules=(),
                  skips=_bucket_skips(True, "aws:kms"), bucket_prefix=Template(Expr("var.name_prefix"), "-logs-"))


def _bucket_skips(versioning: bool, algorithm: str) -> tuple[Skip, ...]:
    skips = [
        Skip("CKV_AWS_18", "access logging needs a log bucket of your own; enable it there if required"),
        Skip("CKV_AWS_144", "cross-region replication is a disaster-recovery choice, not a default"),
        Skip("CKV2_AWS_62", "pipelines read and write on their own schedule; no event notifications"),
    ]
    if not versioning:
        skips.append(Skip("CKV_AWS_21", "versioning=False in S3Config"))
    if algorithm == "AES256":
        skips.append(Skip("CKV_AWS_145", "encryption='AES256' (SSE-S3) in S3Config"))
    return tuple(sorted(skips, key=lambda s: s.check))


# --- blocks ---------------------------------------------------------------------------------------------

#: Every bucket: owner-enforced objects, all four public access blocks, TLS-only access.
PUBLIC_ACCESS_BLOCK = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
DENY_INSECURE_TRANSPORT = Statement(
    "DenyInsecureTransport", ("s3:*",), effect="Deny", principals=(("*", ("*",)),),
    conditions=(Condition("Bool", "aws:SecureTransport", ("false",)),),
)


#: The comment above the data source of an existing bucket.
EXISTING = "existing=True: read, not created; its settings and bucket policy are its owner's"


def bucket_blocks(bucket: Bucket, key: KmsKey | None) -> list[Block]:
    """The bucket and its settings resources; `key` is its generated KMS key, if any. An existing bucket is one
    data source: its versioning, encryption, lifecycle, public access block and policy are its owner's."""
    if bucket.existing:
        return [block("data", "aws_s3_bucket", bucket.label, comments=[bucket.comment],
                      body=[Comment(EXISTING), ("bucket", bucket.name)])]
    ref = Expr(f"aws_s3_bucket.{bucket.label}.id")
    comments = [bucket.comment]

    def setting(kind: str, *body: Item | None) -> Block:
        return block("resource", kind, bucket.label, comments=comments, body=[("bucket", ref), *body])

    name = ("bucket_prefix", bucket.bucket_prefix) if bucket.bucket_prefix else ("bucket", bucket.name)
    arn = Expr(f"aws_s3_bucket.{bucket.label}.arn")
    deny = replace(DENY_INSECURE_TRANSPORT, resources=(arn, Template(arn, "/*")))
    found = [
        block("resource", "aws_s3_bucket", bucket.label, comments=comments,
              body=[*(Comment(skip.text) for skip in bucket.skips), name]),
        setting("aws_s3_bucket_ownership_controls", block("rule", body=[("object_ownership", "BucketOwnerEnforced")])),
        setting("aws_s3_bucket_public_access_block", *((flag, True) for flag in PUBLIC_ACCESS_BLOCK)),
        setting("aws_s3_bucket_versioning", block("versioning_configuration", body=[
            ("status", "Enabled" if bucket.versioning else "Disabled")])),
        setting("aws_s3_bucket_server_side_encryption_configuration", _encryption_rule(bucket)),
        setting("aws_s3_bucket_lifecycle_configuration", *_lifecycle(bucket),
                ("depends_on", [Expr(f"aws_s3_bucket_versioning.{bucket.label}")])),
        policy_document(f"{bucket.label}_bucket", [deny], bucket.comment),
        setting("aws_s3_bucket_policy",
                ("policy", Expr(f"data.aws_iam_policy_document.{bucket.label}_bucket.json")), BLANK,
                ("depends_on", [Expr(f"aws_s3_bucket_public_access_block.{bucket.label}")])),
    ]
    if key is not None:
        found.append(key_block(key))
    elif bucket.configured_key:
        found.append(block("data", "aws_kms_key", bucket.label, comments=comments,
                           body=[("key_id", bucket.configured_key)]))
    return found


def _encryption_rule(bucket: Bucket) -> Block:
    default = block("apply_server_side_encryption_by_default", body=[
        ("sse_algorithm", bucket.sse_algorithm),
        ("kms_master_key_id", bucket.kms_key) if bucket.kms_key else None,
    ])
    return block("rule", body=[default, ("bucket_key_enabled", True) if bucket.kms_key else None])


def _lifecycle(bucket: Bucket) -> list[Block]:
    abort = block("rule", body=[
        ("id", "abort-incomplete-multipart-uploads"), ("status", "Enabled"), block("filter"),
        block("abort_incomplete_multipart_upload", body=[("days_after_initiation", ABORT_MULTIPART_DAYS)]),
    ])
    return [abort, *(_rule(rule, bucket.versioning) for rule in bucket.rules)]


def _rule(rule: LifecycleRule, versioning: bool) -> Block:
    body: list[Item] = [("id", rule.id), ("status", "Enabled"), block("filter", body=[("prefix", rule.prefix)])]
    if rule.transition_days is not None:
        body.append(block("transition", body=[("days", rule.transition_days), ("storage_class", rule.storage_class)]))
    if rule.expire_days is not None:
        body.append(block("expiration", body=[("days", rule.expire_days)]))
        if versioning:
            body.append(block("noncurrent_version_expiration", body=[("noncurrent_days", rule.expire_days)]))
    return block("rule", body=body)


#: Days staged results between nodes are kept (an execution that runs longer than this loses them).
STAGING_EXPIRE_DAYS = 7


def staging_bucket(label: str, pipeline: str, prefix: Template, comment: str) -> Bucket:
    """The bucket a pipeline's state machine stages results between nodes in: its own KMS key, versioning
    off (staged objects are written once per execution), expired after `STAGING_EXPIRE_DAYS`."""
    expire = LifecycleRule(id="expire-staged-results", prefix="", expire_days=STAGING_EXPIRE_DAYS,
                           transition_days=None, storage_class=None)
    skips = (*_bucket_skips(True, "aws:kms"),
             Skip("CKV_AWS_21", "staged results are written once per execution and expire; versions add nothing"))
    return Bucket(name="", label=label, comment=comment, versioning=False, sse_algorithm="aws:kms",
                  kms_key=Expr(f"aws_kms_key.{label}.arn"), generated_key=True, configured_key=None,
                  rules=(expire,), skips=tuple(sorted(skips, key=lambda s: s.check)), bucket_prefix=prefix)
