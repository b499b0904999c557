"""What a picture of one pipeline shows, computed once for every output format.

`build_view` turns a `Pipeline` (optionally restricted to selected node ids) into a `GraphView`: task
nodes grouped by execution resource, the storage they touch, and four kinds of edges (data, order,
read, write). Everything is sorted here so that DOT and Mermaid only lay out text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from glacierc.ir.nodes import EdgeKind, Node, PartitionInput, Pipeline, Project, StorageInput

EdgeStyle = Literal["data", "order", "read", "write"]
#: The line of each IR edge (read and write lines join tasks to storage, which the IR has no edges for).
EDGE_STYLES: dict[EdgeKind, EdgeStyle] = {EdgeKind.DATA: "data", EdgeKind.ORDER: "order"}


@dataclass(frozen=True, slots=True)
class TaskBox:
    id: str
    task: str
    kind: str  # executor kind: local | serverless | vm | cluster
    level: int
    map: str | None = None  # the dataset a mapped node runs over, once per object (drawn stacked, `[*]`)

    @property
    def title(self) -> str:
        return f"{self.id} [*]" if self.map is not None else self.id

    @property
    def detail(self) -> str:
        """The second line: the task (when the id differs), the kind, and what a mapped node runs over."""
        second = f"{self.task} \N{MIDDLE DOT} {self.kind}" if self.task != self.id else self.kind
        return f"{second} \N{MIDDLE DOT} per object of {self.map}" if self.map is not None else second


@dataclass(frozen=True, slots=True)
class Cluster:
    executor: str
    kind: str
    config_type: str | None
    nodes: tuple[TaskBox, ...]  # sorted by (level, id)

    @property
    def label(self) -> str:
        detail = f"{self.kind}: {self.config_type}" if self.config_type else self.kind
        return f"{self.executor} ({detail})"


@dataclass(frozen=True, slots=True)
class StorageBox:
    name: str
    location: str  # bucket/path
    format: str


@dataclass(frozen=True, slots=True)
class Line:
    """An edge of the picture; task ends are node ids, storage ends are storage names."""

    source: str
    target: str
    style: EdgeStyle
    label: str | None = None


@dataclass(frozen=True, slots=True)
class GraphView:
    pipeline: str
    clouds: tuple[str, ...]
    clusters: tuple[Cluster, ...]
    storage: tuple[StorageBox, ...]
    lines: tuple[Line, ...]
    levels: tuple[tuple[str, ...], ...]

    @property
    def title(self) -> str:
        return f"{self.pipeline} ({', '.join(self.clouds)})" if self.clouds else self.pipeline

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({c.kind for c in self.clusters}, key=_kind_rank))

    @property
    def styles(self) -> tuple[EdgeStyle, ...]:
        return tuple(s for s in EDGE_ORDER if any(line.style == s for line in self.lines))


KIND_ORDER = ("local", "serverless", "vm", "cluster")
EDGE_ORDER: tuple[EdgeStyle, ...] = ("data", "order", "read", "write")


def _kind_rank(kind: str) -> tuple[int, str]:
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)


def build_view(project: Project, pipeline: Pipeline,
               selected: Iterable[str] | None = None, *, columns: bool = False) -> GraphView:
    """The picture of `pipeline`, keeping only `selected` node ids (all when None); with `columns`, data edges
    are labelled with the columns that flow along them (where the column analysis knows them)."""
    keep = {n.id for n in pipeline.nodes} if selected is None else set(selected)
    nodes = sorted((n for n in pipeline.nodes if n.id in keep), key=lambda n: n.id)
    levels = _levels(pipeline, keep)
    level_of = {node_id: i for i, ids in enumerate(levels) for node_id in ids}
    lines = _task_lines(pipeline, keep, columns) + _storage_lines(nodes)
    storage_names = sorted({name for n in nodes for name in _touched(n)})
    return GraphView(
        pipeline=pipeline.name,
        clouds=_clouds(project, nodes, storage_names),
        clusters=_clusters(project, nodes, level_of),
        storage=tuple(_storage_box(project, name) for name in storage_names),
        lines=tuple(sorted(set(lines), key=_line_key)),
        levels=levels,
    )


def _levels(pipeline: Pipeline, keep: set[str]) -> tuple[tuple[str, ...], ...]:
    kept = (tuple(sorted(i for i in level if i in keep)) for level in pipeline.levels)
    return tuple(level for level in kept if level)


def _clusters(project: Project, nodes: list[Node], level_of: dict[str, int]) -> tuple[Cluster, ...]:
    by_executor: dict[str, list[TaskBox]] = {}
    for node in nodes:
        kind, _ = _executor_facts(project, node.executor)
        box = TaskBox(node.id, node.task, kind, level_of.get(node.id, 0), node.map)
        by_executor.setdefault(node.executor, []).append(box)
    clusters = []
    for name in sorted(by_executor):
        kind, config_type = _executor_facts(project, name)
        boxes = tuple(sorted(by_executor[name], key=lambda b: (b.level, b.id)))
        clusters.append(Cluster(name, kind, config_type, boxes))
    return tuple(clusters)


def _executor_facts(project: Project, name: str) -> tuple[str, str | None]:
    try:
        executor = project.executor(name)
    except KeyError:  # an implicit executor the IR does not list: a bare @task runs locally
        return "local", None
    return executor.kind, executor.config_type


def _storage_box(project: Project, name: str) -> StorageBox:
    try:
        storage = project.storage_named(name)
    except KeyError:
        return StorageBox(name, "?", "?")
    location = "/".join(part for part in (storage.bucket, storage.path) if part)
    return StorageBox(name, location, storage.format)


def _clouds(project: Project, nodes: list[Node], storage: list[str]) -> tuple[str, ...]:
    providers: set[str] = set()
    for name in {n.executor for n in nodes}:
        providers.update(e.provider for e in project.executors if e.name == name)
    providers.update(s.provider for s in project.storage if s.name in storage)
    return tuple(sorted({p.cloud for p in project.providers if p.name in providers}))


def _task_lines(pipeline: Pipeline, keep: set[str], columns: bool = False) -> list[Line]:
    schemas = {n.id: n.schema for n in pipeline.nodes} if columns else {}
    return [
        Line(e.source, e.target, EDGE_STYLES[e.kind], _columns_label(e.label, schemas.get(e.source)) if columns and
             e.kind == "data" else e.label)
        for e in pipeline.edges
        if e.source in keep and e.target in keep
    ]


MAX_EDGE_COLUMNS = 8


def _columns_label(label: str | None, schema: tuple[tuple[str, str], ...] | None) -> str | None:
    """`param: a, b, c` (at most MAX_EDGE_COLUMNS names, then `+N more`); the label alone when unknown."""
    if schema is None:
        return label
    names = [name for name, _ in schema]
    shown = ", ".join(names[:MAX_EDGE_COLUMNS]) + (f", +{len(names) - MAX_EDGE_COLUMNS} more"
                                                    if len(names) > MAX_EDGE_COLUMNS else "")
    return f"{label}: {shown}" if label else shown


def _touched(node: Node) -> set[str]:
    passed = {name for _, name, _ in _passed_storage(node)}
    return set(node.reads) | set(node.writes) | passed


def _storage_lines(nodes: list[Node]) -> list[Line]:
    """Read edges storage -> node, write edges node -> storage, labelled with the parameter the
    storage was passed as (if it was). Storage handed to a task and neither proven read nor
    written is drawn as read: that is what passing a bucket to a task nearly always means."""
    lines = []
    for node in nodes:
        params = _storage_params(node)
        passed_only = set(params) - set(node.reads) - set(node.writes)
        for name in sorted(set(node.reads) | passed_only):
            lines.append(Line(name, node.id, "read", params.get(name)))
        for name in sorted(node.writes):
            lines.append(Line(node.id, name, "write", params.get(name)))
    return lines


def _storage_params(node: Node) -> dict[str, str]:
    params: dict[str, list[str]] = {}
    for param, name, mapped in _passed_storage(node):
        params.setdefault(name, []).append(param + " [*]" if mapped else param)
    return {name: ", ".join(sorted(ps)) for name, ps in params.items()}


def _passed_storage(node: Node) -> Iterator[tuple[str, str, bool]]:
    """(parameter, storage name, whether one object per run of a map) of the storage passed to `node`."""
    for item in node.inputs:
        if isinstance(item, StorageInput) and item.storage:
            yield item.param, item.storage, False
        elif isinstance(item, PartitionInput) and item.dataset:
            yield item.param, item.dataset, True


def _line_key(line: Line) -> tuple:
    return (EDGE_ORDER.index(line.style), line.source, line.target, line.label or "")
