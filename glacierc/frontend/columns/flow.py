"""Columns along the DAG: for every node, in execution order, its task body is run over the schemas of its
inputs (a bucket's declared columns, an upstream node's output); the output schema is recorded on the node and
flows along data edges into the next task's parameter. Findings become IR facts for the rules (GLC601-604).

Runs only when some storage declares a `schema=`: without one every frame is unknown and there is nothing to
check, so projects that declare no contract pay nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from glacierc.frontend.columns.body import Analysis
from glacierc.frontend.columns.model import BucketRef, Column, Frame
from glacierc.frontend.evaluate import Evaluator, Scope
from glacierc.frontend.values import Observation, Where, is_scalar
from glacierc.ir import nodes as ir


def declared_frames(storage: tuple[ir.Storage, ...]) -> dict[str, Frame | None]:
    return {s.name: Frame(tuple((c, Column(d, frozenset({f"{s.name}.{c}"}))) for c, d in s.schema))
            if s.schema is not None else None for s in storage}


def with_columns(ev: Evaluator, pipeline: ir.Pipeline, tasks: Mapping[str, object],
                 declared: Mapping[str, Frame | None]) -> tuple[ir.Pipeline, list[Observation]]:
    """The pipeline with each node's schema, lineage and column writes, and the findings of its task bodies.
    `tasks` maps a task name to its TaskInfo (declaration and function)."""
    outputs: dict[str, object] = {}
    nodes: dict[str, ir.Node] = {}
    observations: list[Observation] = []
    order = [node_id for level in pipeline.levels for node_id in level]
    by_id = {node.id: node for node in pipeline.nodes}
    for node_id in order:
        node = by_id[node_id]
        info = tasks.get(node.task)
        if info is None:
            nodes[node_id] = node
            continue
        decl = info.decl  # type: ignore[attr-defined]
        analysis = Analysis(ev, Scope(decl.module, decl.where.index), declared)
        result = analysis.run(decl.function, _params(node, outputs, declared))
        outputs[node_id] = result
        nodes[node_id] = _annotated(node, result, analysis)
        observations += [Observation(f.kind, f.subject, Where(decl.module, decl.where.index, f.node),
                                     f.context, f.candidates) for f in analysis.findings]
    annotated = tuple(nodes.get(node.id, node) for node in pipeline.nodes)
    return replace(pipeline, nodes=annotated), observations


def _params(node: ir.Node, outputs: Mapping[str, object], declared: Mapping[str, Frame | None]) -> dict[str, object]:
    params: dict[str, object] = {}
    for item in node.inputs:
        if isinstance(item, ir.StorageInput):
            params[item.param] = BucketRef(item.storage, declared.get(item.storage))
        elif isinstance(item, ir.NodeInput) and item.path is None:
            params[item.param] = outputs.get(item.node)
        elif isinstance(item, ir.ConstInput):
            params[item.param] = item.value if is_scalar(item.value) and item.value is not None else None
        else:
            params[item.param] = None
    return params


def _annotated(node: ir.Node, result: object, analysis: Analysis) -> ir.Node:
    schema = result.schema() if isinstance(result, Frame) else None
    lineage = tuple((n, tuple(sorted(c.sources))) for n, c in result.columns) if isinstance(result, Frame) else ()
    writes = tuple(sorted(analysis.writes.columns.items()))
    return replace(node, schema=schema, lineage=lineage, column_writes=writes)
