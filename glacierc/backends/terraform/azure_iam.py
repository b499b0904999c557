"""IAM for Azure executors: a user-assigned identity each, with container roles proven from the data flow.

The storage an executor reads and writes comes from `aws_iam.executor_access` (cloud-independent).
Every container it touches gets one role assignment scoped to that container alone:
"Storage Blob Data Reader" when it only reads there, "Storage Blob Data Contributor" when it writes
(which includes reading). A local executor has no Azure identity: its assignments go to the
principals of `var.local_principal_ids` (you, CI), who run the local tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from glacierc.backends.terraform.aws_iam import Access
from glacierc.backends.terraform.azure_storage import TAGS, placed
from glacierc.backends.terraform.blocks import BLANK, Block, Call, Expr, Item, Template, block
from glacierc.ir.nodes import Storage

READER = "Storage Blob Data Reader"
CONTRIBUTOR = "Storage Blob Data Contributor"
OWNER = "Storage Blob Data Owner"


@dataclass(frozen=True, slots=True)
class Assignment:
    """One `azurerm_role_assignment` of an executor's identity (or of the local principals)."""

    label: str
    scope: str  # HCL reference
    role: str
    identity: str | None  # label of the azurerm_user_assigned_identity; None = var.local_principal_ids
    comment: str
    #: An ABAC condition (version 2.0) narrowing the role to blob paths; None: the whole scope.
    condition: str | None = None


def container_roles(access: Access, storage: Mapping[str, Storage]) -> dict[str, str]:
    """Container (bucket) name -> role for one executor; `storage` holds only this provider's storage."""
    roles: dict[str, str] = {}
    for name in access.reads:
        if name in storage:
            roles.setdefault(storage[name].bucket, READER)
    for name in access.writes:
        if name in storage:
            roles[storage[name].bucket] = CONTRIBUTOR
    return dict(sorted(roles.items()))


def container_assignments(executor_label: str, identity: str | None, roles: Mapping[str, str],
                          container_labels: Mapping[str, str], comment: str,
                          scopes: Mapping[str, str] | None = None) -> tuple[Assignment, ...]:
    """`scopes`: container name -> its id as an HCL reference (default: the container resource's id)."""
    return tuple(
        Assignment(
            label=f"{executor_label}_{container_labels[container]}",
            scope=(scopes or {}).get(container, f"azurerm_storage_container.{container_labels[container]}.id"),
            role=role,
            identity=identity,
            comment=comment,
        )
        for container, role in roles.items()
    )


@dataclass(frozen=True, slots=True)
class Identity:
    label: str
    name: Template
    comment: str


def identity_block(identity: Identity, group: str, location: str) -> Block:
    return block("resource", "azurerm_user_assigned_identity", identity.label, comments=[identity.comment], body=[
        ("name", identity.name), *placed(group, location), TAGS,
    ])


def assignment_block(a: Assignment) -> Block:
    """The role on its scope for the executor's identity, or for every one of `var.local_principal_ids`."""
    granted: list[Item] = [("scope", Expr(a.scope)), ("role_definition_name", a.role)]
    body: list[Item]
    if a.identity is not None:
        body = [*granted, ("principal_id", Expr(f"azurerm_user_assigned_identity.{a.identity}.principal_id")),
                ("principal_type", "ServicePrincipal")]
        if a.condition is not None:
            body += [("condition", a.condition), ("condition_version", "2.0")]
    else:
        body = [("for_each", Call("toset", Expr("var.local_principal_ids"))), BLANK, *granted,
                ("principal_id", Expr("each.value"))]
    return block("resource", "azurerm_role_assignment", a.label, comments=[a.comment], body=body)
