"""Cloud Storage buckets of one GCP provider: one bucket per distinct name, its lifecycle rules and key, and
their blocks (storage.tf).

Several `provider.bucket(...)` declarations may share one bucket (different paths). Bucket-level
settings (versioning, storage class, location, CMEK key) must then agree; the first declaration in
source order wins and the others are reported (GLC404). Lifecycle rules of all of them are merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from glacier.config import GCSConfig, LifecycleRule as RuleConfig
from glacierc.backends.terraform.blocks import Block, Comment, Expr, Item, Template, block
from glacierc.backends.terraform.common import Skip, source_text
from glacierc.checks.glc302_config_out_of_limits import (
    EXPIRE_AFTER_TRANSITION,
    GCS_COLDER_CLASS,
    KMS_KEY_NAME,
    NOT_A_GCS_CLASS,
    RULE_WITHOUT_CLASS,
)
from glacierc.checks.glc404_conflicting_bucket_config import GCS_BUCKET
from glacierc.diagnostics.model import Diagnostic, Message
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Storage

#: GCS storage classes, warmest first: SetStorageClass only moves objects to a colder class.
GCS_CLASSES = ("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE")
ABORT_MULTIPART_DAYS = 7
#: Old versions of the objects of generated buckets (function packages, Dataproc files) are kept this long.
GENERATED_NONCURRENT_DAYS = 7
_BUCKET_LEVEL = ("versioning", "storage_class", "location", "kms_key_name")
_KMS_KEY = re.compile(r"projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+")
BUCKET_SKIPS = (
    Skip("CKV_GCP_62", "usage and storage logs need a log bucket of your own; enable them there if required"),
)


@dataclass(frozen=True, slots=True)
class LifecycleRule:
    """One `lifecycle_rule` of a bucket: `action` (Delete / SetStorageClass / Abort...) and its condition."""

    action: str
    storage_class: str | None
    age: int | None
    prefixes: tuple[str, ...]
    #: Classes an object must be in to move (SetStorageClass only moves to colder classes).
    from_classes: tuple[str, ...] = ()
    #: For noncurrent versions: days since they became noncurrent (`with_state = "ARCHIVED"`).
    noncurrent_days: int | None = None


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str | Template  # the exact bucket name of the code, or a `var.name_prefix` template for generated ones
    label: str
    comment: str
    location: str
    storage_class: str
    versioning: bool
    kms_key: str | None
    rules: tuple[LifecycleRule, ...]
    skips: tuple[Skip, ...]
    generated: bool = False  # named from var.name_prefix (function sources, Dataproc staging)
    #: `existing=True`: read with a data source, never created or configured (its settings are its owner's).
    existing: bool = False

    @property
    def address(self) -> str:
        """The Terraform address of the bucket: the resource, or the data source of an existing bucket."""
        return f"data.google_storage_bucket.{self.label}" if self.existing else f"google_storage_bucket.{self.label}"


def buckets_of(storage: tuple[Storage, ...], labels: dict[str, str], region: str
               ) -> tuple[tuple[Bucket, ...], tuple[Diagnostic, ...]]:
    """One `Bucket` per distinct bucket name of `storage` (all of one provider), sorted by name."""
    groups: dict[str, list[Storage]] = {}
    for item in storage:
        groups.setdefault(item.bucket, []).append(item)
    buckets, diagnostics = [], []
    for name in sorted(groups):
        members = sorted(groups[name], key=lambda s: (s.span.file, s.span.line, s.name))
        if any(m.existing for m in members):  # its settings are not applied: GLC410 says so
            buckets.append(existing_bucket(name, labels[name], members))
            continue
        bucket, found = _bucket(name, labels[name], members, region)
        buckets.append(bucket)
        diagnostics.extend(found)
    return tuple(buckets), tuple(diagnostics)


def _bucket(name: str, label: str, members: list[Storage], region: str) -> tuple[Bucket, list[Diagnostic]]:
    values = [typed_config(m.config, GCSConfig) for m in members]
    diagnostics = _conflicts(name, members, values)
    first = values[0]
    key = first.kms_key_name
    if key and not _KMS_KEY.fullmatch(key):
        diagnostics.append(_limit(members[0], KMS_KEY_NAME, key=key))
        key = None
    versioning = first.versioning
    rules, found = _rules(members, values, versioning)
    diagnostics.extend(found)
    bucket = Bucket(
        name=name,
        label=label,
        comment=source_text((m.span, f"storage {m.name}") for m in members),
        location=(first.location or region).upper(),
        storage_class=first.storage_class,
        versioning=versioning,
        kms_key=key or None,
        rules=(abort_multipart_rule(), *rules),
        skips=bucket_skips(versioning),
    )
    return bucket, diagnostics


def existing_bucket(name: str, label: str, members: list[Storage]) -> Bucket:
    """A bucket that `existing=True` adopts: no key, no rules, no settings of its own here."""
    return Bucket(name=name, label=label, comment=source_text((m.span, f"storage {m.name}") for m in members),
                  location="", storage_class="", versioning=False, kms_key=None, rules=(), skips=(), existing=True)


def bucket_skips(versioning: bool) -> tuple[Skip, ...]:
    skips = list(BUCKET_SKIPS)
    if not versioning:
        skips.append(Skip("CKV_GCP_78", "versioning=False in GCSConfig"))
    return tuple(sorted(skips, key=lambda s: s.check))


def abort_multipart_rule() -> LifecycleRule:
    return LifecycleRule("AbortIncompleteMultipartUpload", None, ABORT_MULTIPART_DAYS, ())


def generated_bucket(label: str, name: Template, comment: str, region: str,
                     expire_days: int | None = None, versioning: bool = True) -> Bucket:
    """A bucket glacierc needs itself (function sources, Dataproc staging/temp, a pipeline's staged results),
    hardened like the others; without `versioning` (staged results are written once per execution)."""
    rules = [abort_multipart_rule()]
    if versioning:
        rules.append(LifecycleRule("Delete", None, None, (), noncurrent_days=GENERATED_NONCURRENT_DAYS))
    if expire_days is not None:
        rules.append(LifecycleRule("Delete", None, expire_days, ()))
    skips = bucket_skips(True) if versioning else tuple(sorted(
        (*BUCKET_SKIPS, Skip("CKV_GCP_78", "staged results are written once per execution and expire; versions "
                                           "add nothing")), key=lambda s: s.check))
    return Bucket(name=name, label=label, comment=comment, location=region.upper(), storage_class="STANDARD",
                  versioning=versioning, kms_key=None, rules=tuple(rules), skips=skips, generated=True)


def _conflicts(name: str, members: list[Storage], values: list[GCSConfig]) -> list[Diagnostic]:
    diagnostics = []
    for member, value in zip(members[1:], values[1:]):
        differing = [f for f in _BUCKET_LEVEL if getattr(value, f) != getattr(values[0], f)]
        if differing:
            diagnostics.append(GCS_BUCKET.diagnostic(member.span, storage=member.name, bucket=name,
                                                     first=members[0].name, fields=", ".join(differing)))
    return diagnostics


def _rules(members: list[Storage], values: list[GCSConfig], versioning: bool
           ) -> tuple[tuple[LifecycleRule, ...], list[Diagnostic]]:
    rules: list[LifecycleRule] = []
    diagnostics: list[Diagnostic] = []
    for member, value in zip(members, values):
        for rule in value.lifecycle_rules:
            found = _rule(rule, member, versioning)
            if isinstance(found, Diagnostic):
                diagnostics.append(found)
            else:
                rules.extend(found)
    return tuple(dict.fromkeys(rules)), diagnostics


def _rule(rule: RuleConfig, member: Storage, versioning: bool) -> list[LifecycleRule] | Diagnostic:
    """A `LifecycleRule` of the code as GCS rules: a transition and/or a deletion (of noncurrent
    versions too on versioned buckets)."""
    prefixes = (rule.prefix,) if rule.prefix else ()
    expire, days, target = rule.expire_days, rule.transition_days, rule.storage_class
    if days is not None and target is None:
        return _limit(member, RULE_WITHOUT_CLASS)
    if target is not None and target not in GCS_CLASSES:
        return _limit(member, NOT_A_GCS_CLASS, storage_class=target, choices=", ".join(GCS_CLASSES))
    if target == GCS_CLASSES[0]:
        return _limit(member, GCS_COLDER_CLASS)
    if expire is not None and days is not None and expire <= days:
        return _limit(member, EXPIRE_AFTER_TRANSITION)
    found: list[LifecycleRule] = []
    if target is not None:
        warmer = GCS_CLASSES[: GCS_CLASSES.index(target)]
        found.append(LifecycleRule("SetStorageClass", target, days or 0, prefixes, warmer))
    if expire is not None:
        found.append(LifecycleRule("Delete", None, expire, prefixes))
        if versioning:
            found.append(LifecycleRule("Delete", None, None, prefixes, noncurrent_days=expire))
    return found


def _limit(member: Storage, message: Message, **fields: object) -> Diagnostic:
    return message.diagnostic(member.span, storage=member.name, **fields)


# --- blocks ---------------------------------------------------------------------------------------------

#: Every bucket: access through IAM only (no object ACLs), never public.
BUCKET_SECURITY = (("uniform_bucket_level_access", True), ("public_access_prevention", "enforced"))
#: What the Cloud Storage service agent needs of a CMEK key to encrypt and decrypt objects.
CMEK_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
SERVICE_AGENT = "gcs"


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """Lets the project's Cloud Storage service agent use a CMEK key of a bucket."""

    label: str
    key: str
    comment: str


def key_grant_blocks(grants: list[KeyGrant]) -> list[Block]:
    """The project's Cloud Storage service agent and its use of every CMEK key (none without keys)."""
    if not grants:
        return []
    agent = block("data", "google_storage_project_service_account", SERVICE_AGENT, comments=[
        "source: generated, the Cloud Storage service agent of the project (it encrypts with CMEK keys)"])
    member = Template("serviceAccount:", Expr(f"data.google_storage_project_service_account.{SERVICE_AGENT}"
                                              ".email_address"))
    return [agent, *(block("resource", "google_kms_crypto_key_iam_member", grant.label, comments=[grant.comment],
                           body=[("crypto_key_id", grant.key), ("role", CMEK_ROLE), ("member", member)])
                     for grant in grants)]


#: The comment inside the data source of an existing bucket.
EXISTING = "existing=True: read, not created; its settings are its owner's"


def bucket_block(bucket: Bucket, key_grant: str | None) -> Block:
    """The bucket with its versioning, key and lifecycle rules; `key_grant` is the label of the grant its
    CMEK key needs first. An existing bucket is one data source: its settings are its owner's."""
    if bucket.existing:
        return block("data", "google_storage_bucket", bucket.label, comments=[bucket.comment],
                     body=[Comment(EXISTING), ("name", bucket.name)])
    encryption = block("encryption", body=[("default_kms_key_name", bucket.kms_key)]) if bucket.kms_key else None
    depends = (Expr(f"google_kms_crypto_key_iam_member.{key_grant}"),) if key_grant else None
    return block("resource", "google_storage_bucket", bucket.label, comments=[bucket.comment], body=[
        *(Comment(skip.text) for skip in bucket.skips),
        ("name", bucket.name),
        ("location", bucket.location),
        ("storage_class", bucket.storage_class),
        *BUCKET_SECURITY,
        block("versioning", body=[("enabled", bucket.versioning)]),
        encryption,
        *(_rule_block(rule) for rule in bucket.rules),
        ("depends_on", depends) if depends else None,
    ])


def _rule_block(rule: LifecycleRule) -> Block:
    action = block("action", body=[
        ("type", rule.action), ("storage_class", rule.storage_class) if rule.storage_class else None])
    condition: list[Item | None] = [("age", rule.age) if rule.age is not None else None]
    if rule.noncurrent_days is not None:
        condition += [("days_since_noncurrent_time", rule.noncurrent_days), ("with_state", "ARCHIVED")]
    condition += [("matches_prefix", list(rule.prefixes)) if rule.prefixes else None,
                  ("matches_storage_class", list(rule.from_classes)) if rule.from_classes else None]
    return block("lifecycle_rule", body=[action, block("condition", body=condition)])
