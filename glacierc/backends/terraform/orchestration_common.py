"""What the workflow engines of every cloud share: a definition template's values, its canonical bytes,
how a node is named in a failure, which staged results a fused group reads.

A definition (Step Functions ASL, Cloud Workflows) is plain data built in Python, with the values Terraform
fills in left as `Ref`s. `template_json` writes it as a Terraform template (read with `templatefile`):
every string has `${` and `%{` escaped, so no user text (a pipeline or file name) becomes an
interpolation, and each `Ref` is the only interpolation, `${name}`, a variable the module passes (a `Joined`
string holds text and `Ref`s).
`canonical_json` is the same data as bytes with sorted keys: same input, same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glacierc.ir.fusion import Group
from glacierc.ir.nodes import Node, Pipeline, Task


@dataclass(frozen=True, slots=True)
class Ref:
    """A value Terraform fills in: the `templatefile` variable `name` (an identifier)."""

    name: str


@dataclass(frozen=True, slots=True)
class Joined:
    """One string of text and `Ref`s (e.g. an intrinsic function's arguments with a bucket name Terraform
    fills in): the text escaped as every string is, each `Ref` an interpolation."""

    parts: tuple[str | Ref, ...]


def describe(node: Node) -> str:
    """How a failure names a node: its id, its task and its source line."""
    return f"node `{node.id}` (task `{node.task}`, {node.span.file}:{node.span.line})"


def _template_value(value: object) -> object:
    if isinstance(value, Ref):
        return "${" + value.name + "}"
    if isinstance(value, Joined):
        return "".join(str(_template_value(part)) for part in value.parts)
    if isinstance(value, str):
        return value.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, dict):
        return {_template_value(k): _template_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_template_value(v) for v in value]
    return value


def template_json(data: object) -> bytes:
    """`canonical_json` of `data` as a Terraform template: strings escaped, each `Ref` a `${name}`."""
    return canonical_json(_template_value(data))


def canonical_json(data: object) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: same definition, same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def group_inputs(pipeline: Pipeline, groups: Iterable[Group]) -> dict[str, list[str]]:
    """For each group: the nodes outside it whose results it reads (data edges into it), sorted."""
    groups = list(groups)
    group_of = {n: g.id for g in groups for n in g.nodes}
    found: dict[str, set[str]] = {g.id: set() for g in groups}
    for edge in pipeline.edges:
        target = group_of.get(edge.target)
        if edge.kind == "data" and target is not None and group_of.get(edge.source) != target:
            found[target].add(edge.source)
    return {lead: sorted(sources) for lead, sources in found.items()}


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def node_timeouts(tasks: Iterable[Task], pipelines: Iterable[Pipeline]) -> dict[str, dict[str, int | None]]:
    """pipeline -> node -> its task's timeout (computed once per module: `group_timeout` reads it per function)."""
    by_name = {t.name: t.timeout for t in tasks}
    return {p.name: {n.id: by_name.get(n.task) for n in p.nodes} for p in pipelines}


def group_timeout(timeouts: Mapping[str, Mapping[str, int | None]],
                  led: Mapping[str, Mapping[str, tuple[str, ...]]]) -> int | None:
    """The longest a function may run for the fused groups it leads (`led`: pipeline -> group -> its nodes;
    `timeouts` from `node_timeouts`): the largest sum of a group's node timeouts, None when a node of every
    such group has no timeout. A function's timeout covers it, so a group of several nodes is not cut off
    after its first node's time."""
    sums = []
    for pipeline, groups in led.items():
        of = timeouts.get(pipeline, {})
        for nodes in groups.values():
            found = [of.get(n) for n in nodes]
            if all(t is not None for t in found):
                sums.append(sum(t for t in found if t is not None))
    return max(sums, default=None)


def function_timeout(limit: int, task: Task, group: int | None) -> int:
    """A function's timeout: the task's, widened to the groups it leads (`group_timeout`), within `limit`."""
    return limit if task.timeout is None else min(limit, max(task.timeout, group or 0))
