"""What an AWS deploy refuses, judged over the IR without building the module: executors AWS cannot run
(GLC401), S3 bucket settings S3 refuses or that conflict between declarations of one bucket (GLC302,
GLC404), a Spark version without an EMR release (GLC401), an EMR release too old for the job bootstrap
(GLC411), storage of another provider (GLC403).

`check` runs `AwsRules().validate` alone (no block builder is imported); `AwsTarget` inherits it, reports
the same from `emit`, and builds its buckets and clusters from the same functions (`lifecycle_rules`,
`emr_release`).
"""

from __future__ import annotations

import re

from glacier.config import LifecycleRule as RuleConfig, S3Config, SparkConfig
from glacierc.backends.terraform.common import provider_pipelines
from glacierc.backends.terraform.target_rules import (
    TargetRules,
    configured_buckets,
    setting_conflicts,
    storage_problem,
)
from glacierc.checks.glc302_config_out_of_limits import (
    EXPIRE_AFTER_TRANSITION,
    KMS_KEY_ID,
    NOT_AN_S3_CLASS,
    RULE_WITHOUT_CLASS,
    S3_THIRTY_DAYS,
)
from glacierc.checks.glc401_unsupported_on_target import AWS_EXECUTOR, NO_EMR_RELEASE
from glacierc.checks.glc404_conflicting_bucket_config import S3_BUCKET
from glacierc.checks.glc411_emr_release_python import OLD_RELEASE, too_old
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, ExecutorKind, Project, Provider, Service, Storage

S3_CLASSES = (
    "STANDARD", "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "GLACIER",
    "DEEP_ARCHIVE",
)  # fmt: skip
#: S3 refuses transitions to these classes before an object is 30 days old.
THIRTY_DAY_CLASSES = ("STANDARD_IA", "ONEZONE_IA")
_BUCKET_LEVEL = ("versioning", "encryption", "kms_key_id")
#: A lifecycle rule as S3 takes it: (prefix, expire days, transition days, storage class).
RawRule = tuple[str, int | None, int | None, str | None]
_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_ALIAS = r"alias/[A-Za-z0-9/_-]+"
_KMS_KEY = re.compile(rf"(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{{12}}:(?:key/{_KEY_ID}|{_ALIAS})|{_KEY_ID}|{_ALIAS})")

#: Spark major.minor -> the newest EMR release shipping it (used when SparkConfig.release_label is None).
EMR_RELEASES = {
    "3.5": "emr-7.2.0",
    "3.4": "emr-6.15.0",
    "3.3": "emr-6.11.0",
    "3.2": "emr-6.7.0",
    "3.1": "emr-6.5.0",
}


class AwsRules(TargetRules):
    """The AWS services of each executor kind and what AWS refuses (see the module docstring)."""

    CLOUD = "AWS"
    MAPS = True  # a mapped node is a Step Functions Distributed Map (aws_map_state.py)
    SERVICES = {
        **TargetRules.SERVICES,
        (ExecutorKind.SERVERLESS, None): Service.LAMBDA,
        (ExecutorKind.SERVERLESS, "LambdaConfig"): Service.LAMBDA,
        (ExecutorKind.VM, None): Service.EC2,
        (ExecutorKind.VM, "EC2Config"): Service.EC2,
        (ExecutorKind.CLUSTER, None): Service.EMR,
        (ExecutorKind.CLUSTER, "SparkConfig"): Service.EMR,
        (ExecutorKind.CLUSTER, "DatabricksConfig"): Service.DATABRICKS,
    }  # fmt: skip
    UNSUPPORTED_EXECUTOR = AWS_EXECUTOR

    def validate(self, project: Project, provider: Provider) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        executors = self.supported_executors(project, provider, found)
        found += bucket_problems([s for s in project.storage if s.provider == provider.name])
        deployed = []
        for executor, service in executors:
            if service == Service.EMR:
                release, problem = emr_release(executor)
                if release is None:
                    found += [problem] if problem is not None else []
                    continue
                if too_old(release) and _runs_nodes(project, provider, executor):
                    found.append(OLD_RELEASE.diagnostic(executor.span, executor=executor.name, release=release))
            deployed.append(executor)
        return found + self.foreign_storage(project, provider, deployed)


RULES = AwsRules  # what glacierc.backends.terraform.validate runs for AWS


def _runs_nodes(project: Project, provider: Provider, executor: Executor) -> bool:
    """Whether a state machine of `provider` runs nodes on `executor` (it then gets the job bootstrap)."""
    mine = set(provider_pipelines(project, provider))
    return any(n.executor == executor.name for p in project.pipelines if p.name in mine for n in p.nodes)


def emr_release(executor: Executor) -> tuple[str | None, Diagnostic | None]:
    """The EMR release of a Spark executor: its release_label, else the newest shipping its Spark version;
    None and GLC401 for a Spark version no release ships."""
    values = typed_config(executor.config, SparkConfig)
    if values.release_label:
        return values.release_label, None
    release = EMR_RELEASES.get(values.spark_version)
    if release is not None:
        return release, None
    known = ", ".join(sorted(EMR_RELEASES))
    return None, NO_EMR_RELEASE.diagnostic(executor.span, executor=executor.name, spark_version=values.spark_version,
                                           known=known)


# --- S3 buckets -----------------------------------------------------------------------------------------

def bucket_problems(storage: list[Storage]) -> list[Diagnostic]:
    """What S3 refuses in the buckets of `storage` (all of one provider); adopted buckets are not configured."""
    return [d for name, members in configured_buckets(storage) for d in settings_problems(name, members)]


def settings_problems(name: str, members: list[Storage]) -> list[Diagnostic]:
    """GLC404 for bucket-level settings that differ from the first declaration's, GLC302 for a KMS key id
    and lifecycle rules S3 refuses."""
    values = [typed_config(m.config, S3Config) for m in members]
    found = setting_conflicts(S3_BUCKET, _BUCKET_LEVEL, members, values, bucket=name)
    first = values[0]
    configured = first.kms_key_id if first.encryption != "AES256" else None
    if configured and not _KMS_KEY.fullmatch(str(configured)):
        found.append(storage_problem(members[0], KMS_KEY_ID, key=configured))
    return found + [d for _, d in _rule_fields_of(members, values) if d is not None]


def lifecycle_rules(members: list[Storage]) -> list[RawRule]:
    """The distinct lifecycle rules S3 takes of the declarations of one bucket (the refused ones left out)."""
    values = [typed_config(m.config, S3Config) for m in members]
    return list(dict.fromkeys(rule for rule, _ in _rule_fields_of(members, values) if rule is not None))


def _rule_fields_of(members: list[Storage], values: list[S3Config]
                    ) -> list[tuple[RawRule | None, Diagnostic | None]]:
    found: list[tuple[RawRule | None, Diagnostic | None]] = []
    for member, value in zip(members, values):
        for rule in value.lifecycle_rules:
            fields = _rule_fields(rule, member)
            found.append((None, fields) if isinstance(fields, Diagnostic) else (fields, None))
        found.append((_storage_class_rule(member, value.storage_class), None))
    return found


def _rule_fields(rule: RuleConfig, member: Storage) -> RawRule | Diagnostic | None:
    """(prefix, expire days, transition days, storage class) of one rule, or why S3 cannot take it."""
    prefix, expire, days, target = rule.prefix, rule.expire_days, rule.transition_days, rule.storage_class
    if days is not None and target is None:
        return storage_problem(member, RULE_WITHOUT_CLASS)
    if target is not None and target not in S3_CLASSES:
        return storage_problem(member, NOT_AN_S3_CLASS, storage_class=target, choices=", ".join(S3_CLASSES))
    if target in THIRTY_DAY_CLASSES and (days or 0) < 30:
        return storage_problem(member, S3_THIRTY_DAYS, storage_class=target)
    if target is not None and days is None:
        days = 30 if target in THIRTY_DAY_CLASSES else 0
    if expire is not None and days is not None and expire <= days:
        return storage_problem(member, EXPIRE_AFTER_TRANSITION)
    if expire is None and target is None:
        return None
    return (prefix, expire, days, target)


def _storage_class_rule(member: Storage, storage_class: str) -> RawRule | None:
    """S3Config.storage_class as a transition of the storage's own path (0 days; 30 for *_IA)."""
    if storage_class == "STANDARD":
        return None
    days = 30 if storage_class in THIRTY_DAY_CLASSES else 0
    return (member.path, None, days, storage_class)
