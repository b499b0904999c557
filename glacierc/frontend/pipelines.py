"""Pipeline declarations -> IR pipelines: data flow, ordering edges (depends_on, storage), cycles, levels."""

from __future__ import annotations

from glacierc.checks import glc002_not_static as not_static
from glacierc.checks import glc201_dependency_cycle as dependency_cycle
from glacierc.frontend.context import Context
from glacierc.frontend.dataflow import Flow
from glacierc.frontend.extract import PipelineDecl
from glacierc.frontend.tasks import TaskInfo
from glacierc.frontend.values import Unknown, Where
from glacierc.ir import graph
from glacierc.ir import nodes as ir
from glacierc.source import Span


def build_pipeline(ctx: Context, decl: PipelineDecl, tasks: dict[tuple[str, str], TaskInfo]) -> ir.Pipeline:
    name = pipeline_name(ctx, decl)
    flow = Flow(ctx, decl, tasks)
    flow.run()
    nodes = flow.nodes
    edges = _dedupe(flow.edges + _depends_on_edges(nodes, tasks) + _storage_edges(nodes))
    node_ids = [n.id for n in nodes]
    cycle = graph.find_cycle(node_ids, edges)
    if cycle:
        ctx.report(dependency_cycle.CYCLE, decl.where, pipeline=name, cycle=" -> ".join(cycle))
    schedule, schedule_span = pipeline_schedule(ctx, decl)
    return ir.Pipeline(name, decl.function.name.value, decl.module, tuple(nodes), tuple(edges),
                       graph.levels(node_ids, edges), tuple(dict.fromkeys(flow.outputs)), ctx.span(decl.where),
                       schedule, schedule_span)


def pipeline_schedule(ctx: Context, decl: PipelineDecl) -> tuple[str | None, Span | None]:
    """The `schedule=` text and its span, as written (GLC217 judges it); not static text is GLC002."""
    if decl.schedule_node is None or decl.schedule is None:
        return None, None
    where = Where(decl.module, decl.where.index, decl.schedule_node)
    if isinstance(decl.schedule, str):
        return decl.schedule, ctx.span(where)
    reason = decl.schedule.reason if isinstance(decl.schedule, Unknown) else "it is not a string"
    ctx.report(not_static.SCHEDULE, where, reason=reason)
    return None, None


def pipeline_name(ctx: Context, decl: PipelineDecl) -> str:
    name = decl.name
    if name is None:
        return decl.function.name.value
    if isinstance(name, str) and name:
        return name
    reason = name.reason if isinstance(name, Unknown) else "it is not a non-empty string"
    ctx.report(not_static.PIPELINE_NAME, decl.where, reason=reason)
    return decl.function.name.value


def _depends_on_edges(nodes: list[ir.Node], tasks: dict[tuple[str, str], TaskInfo]) -> list[ir.Edge]:
    by_task: dict[str, list[str]] = {}
    for node in nodes:
        by_task.setdefault(node.task, []).append(node.id)
    depends = {info.task.name: info.task.depends_on for info in tasks.values()}
    edges = []
    for node in nodes:
        for dependency in depends.get(node.task, ()):
            edges += [ir.Edge(source, node.id, ir.EdgeKind.ORDER, None) for source in by_task.get(dependency, ())]
    return edges


def _storage_edges(nodes: list[ir.Node]) -> list[ir.Edge]:
    """A node that reads storage written by an earlier node runs after it."""
    writers: dict[str, list[str]] = {}
    edges = []
    for node in nodes:
        for name in node.reads:
            edges += [ir.Edge(writer, node.id, ir.EdgeKind.ORDER, name) for writer in writers.get(name, ()) if writer != node.id]
        for name in node.writes:
            writers.setdefault(name, []).append(node.id)
    return edges


def _dedupe(edges: list[ir.Edge]) -> list[ir.Edge]:
    """One edge per (source, target, label); an order edge is dropped where a data edge already orders the pair."""
    data_pairs = {(e.source, e.target) for e in edges if e.kind == "data"}
    seen = set()
    result = []
    for edge in sorted(edges, key=lambda e: (e.source, e.target, e.kind, e.label or "")):
        key = (edge.source, edge.target, edge.kind, edge.label if edge.kind == "data" else None)
        if key in seen or (edge.kind == "order" and (edge.source, edge.target) in data_pairs):
            continue
        seen.add(key)
        result.append(edge)
    return result
