"""The model of one GCP provider's root module: everything its blocks are built from.

Filled by `GcpTarget.build` (gcp.py) and its workflow half (gcp_workflow_target.py), printed by their
`files`; `check` builds it without packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glacierc.backends.terraform import gcp_compute as compute
from glacierc.backends.terraform import gcp_iam as iam
from glacierc.backends.terraform import gcp_orchestration as orchestration
from glacierc.backends.terraform.gcp_iam import Account, ProjectRole
from glacierc.backends.terraform.gcp_storage import Bucket, KeyGrant


@dataclass(slots=True)
class GcpModule:
    """Everything the GCP blocks are built from (filled by `GcpTarget.build`)."""

    project_id: str
    region: str
    comment: str
    labels: dict[str, str]
    suffix: str  # a short hash making generated global names (buckets) distinct per project/provider
    buckets: list[Bucket] = field(default_factory=list)
    key_grants: list[KeyGrant] = field(default_factory=list)
    bucket_keys: dict[str, str] = field(default_factory=dict)  # bucket label -> key grant label
    accounts: list[Account] = field(default_factory=list)
    bindings: list[iam.Binding] = field(default_factory=list)
    project_roles: list[ProjectRole] = field(default_factory=list)
    functions: list[compute.Function] = field(default_factory=list)
    sources: list[compute.Source] = field(default_factory=list)
    clusters: list[compute.Cluster] = field(default_factory=list)
    zips: dict[str, bytes] = field(default_factory=dict)
    workflows: list[orchestration.Workflow] = field(default_factory=list)
    #: Accounts of the workflows and schedules (not executors); staged-result grants of the executors.
    orchestration_accounts: list[Account] = field(default_factory=list)
    staging_bindings: list[orchestration.StagingBinding] = field(default_factory=list)
    #: The Dataproc job files (path -> text) and their storage objects (label, path).
    job_files: dict[str, str] = field(default_factory=dict)
    job_objects: list[tuple[str, str, str | None]] = field(default_factory=list)  # + the definitions' Ref

    @property
    def network(self) -> bool:
        """The private network: the clusters' and the Batch jobs' of vm nodes (a vm executor has no machine)."""
        return bool(self.clusters or any(w.batches for w in self.workflows))

    def accounts_of(self, kind: str) -> list[Account]:
        return [a for a in self.accounts if a.kind == kind]
