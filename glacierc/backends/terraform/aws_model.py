"""The model of one AWS provider's root module: everything its blocks are built from.

Filled by `AwsTarget.build` (aws.py) and its Lambda half (aws_functions.py), printed by `AwsTarget.files`;
`check` builds it without packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glacierc.backends.terraform import aws_batch as batch
from glacierc.backends.terraform import aws_compute as compute
from glacierc.backends.terraform import aws_iam as iam
from glacierc.backends.terraform import aws_keys as keys
from glacierc.backends.terraform import aws_layers
from glacierc.backends.terraform import aws_orchestration as orchestration
from glacierc.backends.terraform.aws_storage import Bucket
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.nodes import Executor


@dataclass(slots=True)
class AwsModule:
    """Everything the AWS blocks are built from (filled by `AwsTarget.build`)."""

    region: str
    profile: str | None
    account_id: str | None
    comment: str
    tags: dict[str, str]
    partition: str
    buckets: list[Bucket] = field(default_factory=list)
    #: Generated keys by the label of the bucket / EMR cluster they encrypt; the logs key.
    bucket_keys: dict[str, keys.KmsKey] = field(default_factory=dict)
    cluster_keys: dict[str, keys.KmsKey] = field(default_factory=dict)
    logs_key: keys.KmsKey | None = None
    roles: list[iam.Role] = field(default_factory=list)
    functions: list[compute.Function] = field(default_factory=list)
    security_groups: list[compute.SecurityGroup] = field(default_factory=list)
    subnets: list[tuple[str, str, str]] = field(default_factory=list)
    clusters: list[compute.Cluster] = field(default_factory=list)
    batches: list[batch.BatchEnvironment] = field(default_factory=list)
    #: The Databricks executors and their labels (their runs' job files go to the databricks module).
    databricks: list[tuple[Executor, str]] = field(default_factory=list)
    machines: list[orchestration.Machine] = field(default_factory=list)
    zips: dict[str, bytes] = field(default_factory=dict)
    #: The Lambda layers of the functions' requirements, by label (aws_layers.py).
    layers: dict[str, aws_layers.Layer] = field(default_factory=dict)
    #: What the build found wrong with the packages and layers (GLC412, GLC415).
    diagnostics: list[Diagnostic] = field(default_factory=list)
