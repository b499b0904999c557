"""The plan a runner executes, as data: storage locations, nodes with their arguments, levels, outputs.

Built from the IR here (every decision is made in Python) and written into the runner as plain
Python literals, so a reader sees exactly what will run.
"""

from __future__ import annotations

import datetime
import decimal
import math
from dataclasses import dataclass

from glacierc.backends.escaping import py_string
from glacierc.ir.access import Access, executor_access
from glacierc.ir.nodes import (TEMPORAL_TYPES, Config, ConstInput, FrozenList, Input, Node, NodeInput, NodesInput,
                                PartitionInput, Pipeline, Project, StorageInput, Task)


@dataclass(frozen=True, slots=True)
class StorageSpec:
    name: str
    cloud: str
    bucket: str
    path: str
    format: str
    uri: str
    schema: tuple[tuple[str, str], ...] | None = None  # declared columns (`schema=`), checked at read and write


@dataclass(frozen=True, slots=True)
class Argument:
    """How one input is passed: `how` is positional, keyword, star (`*args`) or starstar (`**kwargs`)."""

    param: str
    how: str
    kind: str  # node, nodes, storage, const, unknown
    value: object  # node id, tuple of node ids, storage name, literal, or None


@dataclass(frozen=True, slots=True)
class NodeSpec:
    id: str
    task: str
    executor: str
    kind: str
    source: str  # where the task is defined, file:line
    call: str  # where the pipeline calls it, file:line
    retries: int
    timeout: int | None  # seconds a call of the task may take, from `timeout=`
    lazy: bool  # declared to return a LazyFrame: cheap to call, no thread needed
    args: tuple[Argument, ...]
    needs: tuple[str, ...]  # nodes whose results are inputs
    after: tuple[str, ...]  # nodes that must run first for other reasons (depends_on, storage)
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    tags: tuple[str, ...] = ()  # the task's `tags=`, for `--select tag:NAME`
    map: str | None = None  # the dataset a mapped node runs its task over, once per object
    max_parallel: int | None = None  # `partitions(max_parallel=)`: its runs at once (None: --max-parallel)
    tolerated_failures: int = 0  # `partitions(tolerated_failures=)`: failing objects the node tolerates
    map_after: str | None = None  # in a chain of mapped tasks, the node whose per-object result it takes


@dataclass(frozen=True, slots=True)
class RunnerPlan:
    pipeline: str
    storage: tuple[StorageSpec, ...]
    nodes: tuple[NodeSpec, ...]  # in call order
    levels: tuple[tuple[str, ...], ...]
    outputs: tuple[str, ...]
    access: tuple[tuple[str, Access], ...] = ()  # what each executor of the plan is granted, as IAM grants it

    @property
    def execution_order(self) -> tuple[str, ...]:
        return tuple(node for level in self.levels for node in level)


def build_plan(project: Project, pipeline: Pipeline) -> RunnerPlan:
    tasks = {t.name: t for t in project.tasks}
    kinds = {e.name: e.kind for e in project.executors}
    incoming: dict[str, list] = {}
    for edge in pipeline.edges:
        incoming.setdefault(edge.target, []).append(edge)
    nodes = tuple(_node(tasks[n.task], kinds.get(n.executor, "local"), incoming.get(n.id, []), n)
                  for n in pipeline.nodes)
    used = {name for n in nodes for name in (*n.reads, *n.writes, *_storage_args(n))}
    granted = executor_access(project)
    access = tuple((name, granted.get(name, Access((), ()))) for name in sorted({n.executor for n in nodes}))
    return RunnerPlan(pipeline.name, plan_storage(project, used), nodes, pipeline.levels, pipeline.outputs, access)


def plan_storage(project: Project, names: set[str]) -> tuple[StorageSpec, ...]:
    """Specs for `names` (storage used by the plan or by copied code), sorted."""
    clouds = {p.name: p.cloud for p in project.providers}
    declared = {s.name: s for s in project.storage}
    return tuple(StorageSpec(s.name, clouds.get(s.provider, "local"), s.bucket, s.path, s.format, s.uri, s.schema)
                 for s in (declared[name] for name in sorted(names) if name in declared))


def _storage_args(node: NodeSpec) -> list[str]:
    return [str(a.value) for a in node.args if a.kind in ("storage", "partition")]


def _node(task: Task, kind: str, incoming: list, node: Node) -> NodeSpec:
    needs = sorted({e.source for e in incoming if e.kind == "data"})
    after = sorted({e.source for e in incoming if e.kind == "order"} - set(needs))
    return NodeSpec(
        id=node.id, task=task.name, executor=node.executor, kind=kind,
        source=f"{task.span.file}:{task.span.line}", call=f"{node.span.file}:{node.span.line}",
        retries=max(0, task.retries), timeout=task.timeout, lazy=_returns_lazy(task), args=arguments(task, node.inputs),
        needs=tuple(needs), after=tuple(after), reads=node.reads, writes=node.writes, tags=task.tags, map=node.map,
        max_parallel=node.map_limits.max_parallel, tolerated_failures=node.map_limits.tolerated_failures,
        map_after=node.map_after)


def _returns_lazy(task: Task) -> bool:
    return (task.returns or "").replace(" ", "").rsplit(".", 1)[-1] == "LazyFrame"


def arguments(task: Task, inputs: tuple[Input, ...]) -> tuple[Argument, ...]:
    """The call of `task` with `inputs`: positional while no parameter is skipped, then by keyword."""
    given = {i.param: i for i in inputs}
    args: list[Argument] = []
    positional = True
    for param in task.params:
        found = given.get(param.name)
        if param.kind == "positional":
            if found is None:
                positional = False
                continue
            args.append(_argument(found, "positional" if positional else "keyword"))
        elif found is not None:
            how = {"var_positional": "star", "var_keyword": "starstar"}.get(param.kind, "keyword")
            args.append(_argument(found, how))
    return tuple(args)


def _argument(found: Input, how: str) -> Argument:
    match found:
        case NodeInput(node=node, path=path):  # a node id, or (node id, *path) for an element of its result
            return Argument(found.param, how, found.kind, (node, *path) if path else node)
        case StorageInput(storage=name) | PartitionInput(dataset=name):  # a partition: one object per run
            return Argument(found.param, how, found.kind, name)
        case NodesInput(items=value) | ConstInput(value=value):
            return Argument(found.param, how, found.kind, value)
    return Argument(found.param, how, found.kind, None)


# ---- the plan as Python text ------------------------------------------------------------------

def literal(value: object) -> str:
    """A deterministic Python literal (tuples for sequences, but a list argument's list)."""
    if isinstance(value, FrozenList):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, (list, tuple)):
        items = [literal(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Config) and value.type == "dict":  # a dict argument, frozen in the IR
        return literal(dict(value.fields))
    if isinstance(value, str):
        return py_string(value)
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, TEMPORAL_TYPES):
        return _temporal(value)
    raise TypeError(f"not a plan literal: {value!r}")


def _temporal(value: object) -> str:
    """A date, time, duration or decimal rebuilt from its exact text, importing nothing at the top of the
    runner (so no name of the task code can clash with it)."""
    if isinstance(value, decimal.Decimal):
        return f'__import__("decimal").Decimal({py_string(str(value))})'
    if isinstance(value, datetime.timedelta):
        return f'__import__("datetime").timedelta(days={value.days}, seconds={value.seconds}, microseconds={value.microseconds})'
    kind = type(value).__name__  # datetime, date or time: `fromisoformat` reads back `isoformat` exactly
    return f'__import__("datetime").{kind}.fromisoformat({py_string(value.isoformat())})'  # type: ignore[attr-defined]


def shim_expression(ref) -> str:
    """What a module-level bucket name is in the runner: `BUCKETS["raw"]`, or for a list or dict of buckets
    (`targets = {r: provider.bucket(...) for r in REGIONS}`) the same container of shims."""
    if not ref.members:
        return f"BUCKETS[{literal(ref.storage)}]"
    tree: dict = {}
    for keys, name in ref.members:
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = name
    return _container(tree)


def _container(tree: dict) -> str:
    keys = sorted(tree, key=repr)
    parts = {k: _container(v) if isinstance(v, dict) else f"BUCKETS[{literal(v)}]" for k, v in tree.items()}
    if all(isinstance(k, int) for k in keys) and sorted(keys) == list(range(len(keys))):
        return "[" + ", ".join(parts[k] for k in range(len(keys))) + "]"
    return "{" + ", ".join(f"{literal(k)}: {parts[k]}" for k in keys) + "}"


def storage_text(storage: tuple[StorageSpec, ...]) -> str:
    lines = ["STORAGE = {"]
    for spec in storage:
        where = {"cloud": spec.cloud, "bucket": spec.bucket, "path": spec.path, "format": spec.format}
        lines += [f"    {literal(spec.name)}: {{",
                  "        " + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in where.items()) + ",",
                  f"        \"uri\": {literal(spec.uri)},",
                  *([f"        \"schema\": {literal(dict(spec.schema))},"] if spec.schema is not None else []),
                  "    },"]
    return "\n".join([*lines, "}"])


def nodes_text(plan: RunnerPlan) -> str:
    lines = ["NODES = {"]
    for node in plan.nodes:
        lines.append(f"    {literal(node.id)}: {{")
        args = tuple((a.param, a.how, a.kind, a.value) for a in node.args)
        rows: list[dict[str, object]] = [
            {"task": node.task, "executor": node.executor, "kind": node.kind},
            {"source": node.source, "call": node.call, "retries": node.retries, "timeout": node.timeout,
             "lazy": node.lazy},
            {"args": args}, {"needs": node.needs, "after": node.after},
            {"reads": node.reads, "writes": node.writes}]
        if node.tags:  # only then: runners of pipelines without tags stay as they were
            rows.append({"tags": node.tags})
        if node.map is not None:  # likewise: only mapped nodes say what they run over
            rows.append({"map": node.map})
        if node.max_parallel is not None or node.tolerated_failures:  # only what the map's `partitions(...)` says
            rows.append({"max_parallel": node.max_parallel, "tolerated_failures": node.tolerated_failures})
        if node.map_after is not None:  # a later task of a chain of mapped tasks
            rows.append({"map_after": node.map_after})
        for row in rows:
            line = "        " + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in row.items()) + ","
            if len(line) > 100 and "args" in row:
                line = "\n".join(["        \"args\": (", *(f"            {literal(a)}," for a in args), "        ),"])
            lines.append(line)
        lines.append("    },")
    return "\n".join([*lines, "}"])


def access_text(plan: RunnerPlan) -> str:
    """`ACCESS`: per executor, the storage it may read and write (the same sets its cloud identity is granted)."""
    lines = ["ACCESS = {"]
    for name, access in plan.access:
        reads, writes = f"\"reads\": {literal(access.reads)}", f"\"writes\": {literal(access.writes)}"
        line = f"    {literal(name)}: {{{reads}, {writes}}},"
        lines += [line] if len(line) <= 100 else [f"    {literal(name)}: {{", f"        {reads},", f"        {writes},",
                                                  "    },"]
    return "\n".join([*lines, "}"])


def levels_text(plan: RunnerPlan) -> str:
    lines = ["LEVELS = ("] + [f"    {literal(level)}," for level in plan.levels] + [")"]
    return "\n".join(lines)
