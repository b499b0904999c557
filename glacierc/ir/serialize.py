"""The IR as versioned JSON (CONTRACT section 4): stable key order, sorted collections, byte-identical."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import json

from glacierc.diagnostics.model import Diagnostic
from glacierc.ir import nodes as ir


def config_dict(config: ir.Config | None) -> dict:
    return {} if config is None else {k: _value(v) for k, v in config.fields}


def _value(value: object) -> object:
    if isinstance(value, ir.Config):
        return config_dict(value) if value.type == "dict" else {"type": value.type, **config_dict(value)}
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    if isinstance(value, ir.TEMPORAL_TYPES):  # `{"date": "2026-01-31"}`, `{"Decimal": "1.5"}`
        return {type(value).__name__: str(value) if isinstance(value, (Decimal, timedelta)) else value.isoformat()}
    return value


def project_dict(project: ir.Project, diagnostics: tuple[Diagnostic, ...] = ()) -> dict:
    return {
        "version": project.version,
        "providers": [{"name": p.name, "cloud": p.cloud, "config_type": p.config.type,
                       "config": config_dict(p.config), "span": p.span.to_dict()} for p in project.providers],
        "storage": [{"name": s.name, "provider": s.provider, "bucket": s.bucket, "path": s.path,
                     "format": s.format, "uri": s.uri, "config_type": s.config.type if s.config else None,
                     "config": config_dict(s.config), "span": s.span.to_dict()} for s in project.storage],
        "executors": [{"name": e.name, "provider": e.provider, "kind": e.kind, "config_type": e.config_type,
                       "config": config_dict(e.config), "span": e.span.to_dict()} for e in project.executors],
        "tasks": [_task(t) for t in project.tasks],
        "pipelines": [_pipeline(p) for p in project.pipelines],
        "diagnostics": [d.to_dict() for d in diagnostics],
    }


def _task(task: ir.Task) -> dict:
    return {"name": task.name, "function": task.function, "module": task.module, "executor": task.executor,
            "params": list(task.param_names),
            "annotations": {p.name: p.annotation for p in task.params if p.annotation},
            "returns": task.returns, "depends_on": list(task.depends_on), "reads": list(task.reads),
            "writes": list(task.writes), "retries": task.retries, "timeout": task.timeout,
            "span": task.span.to_dict()}


def _pipeline(pipeline: ir.Pipeline) -> dict:
    return {
        "name": pipeline.name, "function": pipeline.function, "module": pipeline.module,
        "nodes": [{"id": n.id, "task": n.task, "executor": n.executor, "reads": list(n.reads),
                   "writes": list(n.writes),
                   "inputs": [{"param": i.param, "kind": i.kind, "ref": i.ref, "value": _value(i.value)}
                              for i in n.inputs],
                   "span": n.span.to_dict()} for n in pipeline.nodes],
        "edges": [{"source": e.source, "target": e.target, "kind": e.kind, "label": e.label}
                  for e in pipeline.edges],
        "levels": [list(level) for level in pipeline.levels],
        "outputs": list(pipeline.outputs),
        "span": pipeline.span.to_dict(),
    }


def to_json(project: ir.Project, diagnostics: tuple[Diagnostic, ...] = ()) -> str:
    return json.dumps(project_dict(project, diagnostics), indent=2, ensure_ascii=False) + "\n"
