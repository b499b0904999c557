"""`glacierc analyze --columns`: the columns of every node (with dtypes where known) and, for each column a
node writes, the source columns it derives from (`storage.column`)."""

from __future__ import annotations

import json

from glacierc.diagnostics.render import printable
from glacierc.ir import nodes as ir


def columns_json(project: ir.Project) -> str:
    data = {"pipelines": [
        {"name": p.name, "nodes": [
            {"id": n.id, "schema": dict(n.schema) if n.schema is not None else None,
             "lineage": {c: list(s) for c, s in n.lineage},
             "column_writes": {storage: {c: list(s) for c, s in columns} for storage, columns in n.column_writes}}
            for n in p.nodes]}
        for p in project.pipelines]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def columns_table(project: ir.Project) -> str:
    lines: list[str] = []
    for pipeline in project.pipelines:
        lines.append(f"pipeline {printable(pipeline.name)}")
        for node in pipeline.nodes:
            lines += _node_lines(node)
        lines.append("")
    if not any(n.schema is not None or n.column_writes for p in project.pipelines for n in p.nodes):
        lines.append("no columns are known: declare them with `schema=` on the storage the pipeline reads")
    return "\n".join(lines).rstrip("\n") + "\n"


def _node_lines(node: ir.Node) -> list[str]:
    if node.schema is None and not node.column_writes:
        return [f"  {printable(node.id)}: columns not known"]
    lines = [f"  {printable(node.id)}:"]
    sources = dict(node.lineage)
    for name, dtype in node.schema or ():
        origin = ", ".join(sources.get(name, ())) or "-"
        lines.append(f"    {printable(name)}  {dtype}  <- {printable(origin)}")
    for storage, columns in node.column_writes:
        lines.append(f"    writes {printable(storage)}:")
        lines += [f"      {printable(c)} <- {printable(', '.join(s) or '-')}" for c, s in columns]
    return lines
