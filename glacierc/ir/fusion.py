"""Fusion: which nodes of a pipeline run together in one invocation of their executor.

Nodes on the same executor that feed each other (a data or an order edge) run in one group, so their
LazyFrames flow in memory and Polars optimises across them, as the local runner does; only values that
cross a group (and so an executor) boundary are staged. A node joins the group of one of its
predecessors on its executor unless that would make the groups depend on each other both ways: the
groups always form a DAG, which `group_levels` orders. Deterministic: nodes are taken in level order,
ties by id.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacierc.ir.graph import levels as graph_levels
from glacierc.ir.nodes import Pipeline


@dataclass(frozen=True, slots=True)
class Group:
    """Nodes run in one invocation, in execution order; `id` is its first node's id."""

    id: str
    executor: str
    nodes: tuple[str, ...]
    #: Nodes of the group whose result a node outside it needs (these are staged).
    staged: tuple[str, ...]


def predecessors(pipeline: Pipeline) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {n.id: set() for n in pipeline.nodes}
    for edge in pipeline.edges:
        if edge.source in found and edge.target in found:
            found[edge.target].add(edge.source)
    return found


def fused_groups(pipeline: Pipeline) -> tuple[Group, ...]:
    """The groups of `pipeline`, in the order of their first node. A mapped node (`map`) is a group of its
    own: it runs once per object (a Distributed Map's item), the nodes around it once; the later nodes of a
    chain of mapped tasks (`map_after`, one executor) join its first node's group: one run per object."""
    executor = {n.id: n.executor for n in pipeline.nodes}
    mapped = {n.id for n in pipeline.nodes if n.map is not None}
    chained = {n.id: n.map_after for n in pipeline.nodes if n.map_after is not None}
    before = predecessors(pipeline)
    group_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    after: dict[str, set[str]] = {}  # group -> groups directly after it
    for node in (n for level in pipeline.levels for n in level):
        if node in chained:
            target: str | None = group_of[chained[node]]
        else:
            target = None if node in mapped else _joinable(node, sorted(before[node]), executor, group_of, after,
                                                           mapped)
        if target is None:
            target = node
            members[target], after[target] = [], set()
        group_of[node] = target
        members[target].append(node)
        for source in {group_of[p] for p in before[node]} - {target}:
            after[source].add(target)
    leaving: dict[str, set[str]] = {lead: set() for lead in members}
    for edge in pipeline.edges:
        if edge.kind == "data" and edge.source in group_of and group_of.get(edge.target) != group_of[edge.source]:
            leaving[group_of[edge.source]].add(edge.source)
    outputs = set(pipeline.outputs)
    return tuple(_group(lead, members[lead], executor[lead], leaving[lead], outputs) for lead in members)


def _joinable(node, preds, executor, group_of, after, mapped=frozenset()) -> str | None:
    """The group of a predecessor on `node`'s executor that `node` can join without a cycle (never a mapped
    node's group)."""
    for pred in preds:
        group = group_of[pred]
        if executor[pred] != executor[node] or pred in mapped:
            continue
        others = {group_of[p] for p in preds} - {group}
        if not others & _reachable(group, after):
            return group
    return None


def _reachable(start: str, after: dict[str, set[str]]) -> set[str]:
    found, stack = set(), [start]
    while stack:
        for nxt in after[stack.pop()]:
            if nxt not in found:
                found.add(nxt)
                stack.append(nxt)
    return found


def _group(lead: str, nodes: list[str], executor: str, leaving: set[str], outputs: set[str]) -> Group:
    staged = sorted(leaving)
    staged += sorted(outputs & set(nodes) - leaving)
    return Group(lead, executor, tuple(nodes), tuple(staged))


def group_levels(pipeline: Pipeline, groups: tuple[Group, ...]) -> tuple[tuple[str, ...], ...]:
    """The groups' ids by level: a group runs after every group holding a predecessor of its nodes."""
    group_of = {n: g.id for g in groups for n in g.nodes}
    edges = {(group_of[e.source], group_of[e.target]) for e in pipeline.edges
             if e.source in group_of and e.target in group_of and group_of[e.source] != group_of[e.target]}
    return graph_levels(sorted(g.id for g in groups), [_Edge(*e) for e in sorted(edges)])


@dataclass(frozen=True, slots=True)
class _Edge:
    """A data edge, for the fusion of neighbouring nodes."""

    source: str
    target: str
