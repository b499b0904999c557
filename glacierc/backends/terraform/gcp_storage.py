"""Cloud Storage buckets of one GCP provider: one bucket per distinct name, its lifecycle rules and key, and
their blocks (storage.tf).

Several `provider.bucket(...)` declarations may share one bucket (different paths). Bucket-level
settings (versioning, storage class, location, CMEK key) must then agree; the first declaration in
source order wins (the others are GLC404, gcp_rules.py). Lifecycle rules of all of them are merged; what
GCS refuses is left out here and reported by the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacier.config import GCSConfig
from glacierc.backends.terraform.blocks import Block, Comment, Expr, Item, Template, block
from glacierc.backends.terraform.common import Skip, source_text
from glacierc.backends.terraform.gcp_rules import GCS_CLASSES, RawRule, kms_key, lifecycle_fields
from glacierc.backends.terraform.target_rules import bucket_groups
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Storage

ABORT_MULTIPART_DAYS = 7
#: Old versions of the objects of generated buckets (function packages, Dataproc files) are kept this long.
GENERATED_NONCURRENT_DAYS = 7
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


def buckets_of(storage: tuple[Storage, ...], labels: dict[str, str], region: str) -> tuple[Bucket, ...]:
    """One `Bucket` per distinct bucket name of `storage` (all of one provider), sorted by name."""
    return tuple(existing_bucket(name, labels[name], members) if any(m.existing for m in members)  # GLC410
                 else _bucket(name, labels[name], members, region)
                 for name, members in bucket_groups(storage).items())


def _bucket(name: str, label: str, members: list[Storage], region: str) -> Bucket:
    first = typed_config(members[0].config, GCSConfig)
    versioning = first.versioning
    rules = tuple(dict.fromkeys(r for raw in lifecycle_fields(members) for r in _lifecycle_rules(raw, versioning)))
    return Bucket(
        name=name,
        label=label,
        comment=source_text((m.span, f"storage {m.name}") for m in members),
        location=(first.location or region).upper(),
        storage_class=first.storage_class,
        versioning=versioning,
        kms_key=kms_key(first),
        rules=(abort_multipart_rule(), *rules),
        skips=bucket_skips(versioning),
    )


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


def _lifecycle_rules(raw: RawRule, versioning: bool) -> list[LifecycleRule]:
    """A `LifecycleRule` of the code (as gcp_rules accepted it) as GCS rules: a transition and/or a deletion
    (of noncurrent versions too on versioned buckets)."""
    prefix, expire, days, target = raw
    prefixes = (prefix,) if prefix else ()
    found: list[LifecycleRule] = []
    if target is not None:
        warmer = GCS_CLASSES[: GCS_CLASSES.index(target)]
        found.append(LifecycleRule("SetStorageClass", target, days or 0, prefixes, warmer))
    if expire is not None:
        found.append(LifecycleRule("Delete", None, expire, prefixes))
        if versioning:
            found.append(LifecycleRule("Delete", None, None, prefixes, noncurrent_days=expire))
    return found


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
