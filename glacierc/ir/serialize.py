"""The IR as versioned JSON (`ir.json`, `glacierc analyze --format json`): stable key order, sorted collections,
byte-identical for the same input. Every field of the IR is written, so `glacierc.ir.read` rebuilds the same IR
(`read(write(ir)) == ir`); the shape is described by `docs/ir.schema.json` (`glacierc.ir.schema`).

Values of config fields and constant arguments are JSON-like: a tuple is a list, a nested config is an object
with its `type`, a date, time, duration or decimal is `{"date": "2026-01-31"}` (`datetime`, `time`: ISO text;
`timedelta`: days/seconds/microseconds; `Decimal`: its exact text).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from glacierc.diagnostics.model import Diagnostic
from glacierc.ir import nodes as ir


def config_dict(config: ir.Config | None) -> dict:
    return {} if config is None else {k: value_json(v) for k, v in config.fields}


def value_json(value: object) -> object:
    if isinstance(value, ir.Config):
        if value.type != "dict":
            return {"type": value.type, **config_dict(value)}
        plain = config_dict(value)
        return {"type": "dict", "fields": plain} if _ambiguous(plain) else plain
    if isinstance(value, tuple):
        return [value_json(v) for v in value]
    if isinstance(value, datetime.timedelta):
        return {"timedelta": {"days": value.days, "seconds": value.seconds, "microseconds": value.microseconds}}
    if isinstance(value, Decimal):
        return {"Decimal": str(value)}
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return {type(value).__name__: value.isoformat()}
    return value


def _ambiguous(plain: dict) -> bool:
    """A plain dict that would read back as something else: one holding `type`, or one temporal key."""
    return "type" in plain or (len(plain) == 1 and next(iter(plain)) in TEMPORAL_KEYS)


TEMPORAL_KEYS = ("date", "datetime", "time", "timedelta", "Decimal")


def _span(span: ir.Span | None) -> dict | None:
    return span.to_dict() if span is not None else None


def project_dict(project: ir.Project, diagnostics: tuple[Diagnostic, ...] = ()) -> dict:
    from glacierc import __version__

    return {
        "version": project.version,
        "tool_version": __version__,
        "providers": [{"name": p.name, "cloud": p.cloud, "config_type": p.config.type,
                       "config": config_dict(p.config), "span": _span(p.span)} for p in project.providers],
        "storage": [_storage(s) for s in project.storage],
        "executors": [{"name": e.name, "provider": e.provider, "kind": e.kind, "config_type": e.config_type,
                       "config": config_dict(e.config), "span": _span(e.span)} for e in project.executors],
        "tasks": [_task(t) for t in project.tasks],
        "pipelines": [_pipeline(p) for p in project.pipelines],
        "modules": [{"name": m.name, "path": m.path} for m in project.modules],
        "facts": [{"kind": f.kind, "subject": f.subject, "span": _span(f.span), "context": f.context,
                   "candidates": list(f.candidates)} for f in project.facts],
        "diagnostics": [d.to_dict() for d in diagnostics],
    }


def _storage(storage: ir.Storage) -> dict:
    return {"name": storage.name, "provider": storage.provider, "bucket": storage.bucket, "path": storage.path,
            "format": storage.format, "uri": storage.uri,
            "config_type": storage.config.type if storage.config else None, "config": config_dict(storage.config),
            "span": _span(storage.span), "bucket_span": _span(storage.bucket_span),
            "path_span": _span(storage.path_span), "schema": _columns(storage.schema),
            **({"existing": True} if storage.existing else {})}


def _columns(schema: tuple[tuple[str, str], ...] | None) -> dict | None:
    return None if schema is None else dict(schema)


def _task(task: ir.Task) -> dict:
    return {"name": task.name, "function": task.function, "module": task.module, "executor": task.executor,
            "params": list(task.param_names),
            "annotations": {p.name: p.annotation for p in task.params if p.annotation},
            "parameters": [{"name": p.name, "annotation": p.annotation, "has_default": p.has_default,
                            "kind": p.kind} for p in task.params],
            "returns": task.returns, "depends_on": list(task.depends_on), "reads": list(task.reads),
            "writes": list(task.writes), "param_reads": list(task.param_reads),
            "param_writes": list(task.param_writes), "retries": task.retries, "timeout": task.timeout,
            "tags": list(task.tags), "span": _span(task.span)}


def _input(item: ir.Input) -> dict:
    """Every input class in the one shape of ir.json: `ref` a node, storage or dataset name, `value` the
    element path of a node, the items of a list of nodes, a literal or why a value is not known."""
    ref: str | None = None
    value: object = None
    match item:
        case ir.NodeInput(node=ref, path=value):
            pass
        case ir.StorageInput(storage=ref) | ir.PartitionInput(dataset=ref):
            pass
        case ir.NodesInput(items=value) | ir.ConstInput(value=value) | ir.UnknownInput(reason=value):
            pass
    return {"param": item.param, "kind": item.kind, "ref": ref, "value": value_json(value)}


def _pipeline(pipeline: ir.Pipeline) -> dict:
    return {
        "name": pipeline.name, "function": pipeline.function, "module": pipeline.module,
        "nodes": [{"id": n.id, "task": n.task, "executor": n.executor, "reads": list(n.reads),
                   "writes": list(n.writes),
                   "inputs": [_input(i) for i in n.inputs],
                   "span": _span(n.span), "schema": _columns(n.schema),
                   "lineage": {column: list(sources) for column, sources in n.lineage},
                   "column_writes": {storage: {column: list(sources) for column, sources in columns}
                                     for storage, columns in n.column_writes},
                   **({"map": n.map} if n.map is not None else {}),
                   **({"map_limits": {"max_parallel": n.map_limits.max_parallel,
                                      "tolerated_failures": n.map_limits.tolerated_failures}}
                      if n.map_limits != ir.NO_MAP_LIMITS else {}),
                   **({"map_after": n.map_after} if n.map_after is not None else {})} for n in pipeline.nodes],
        "edges": [{"source": e.source, "target": e.target, "kind": e.kind, "label": e.label}
                  for e in pipeline.edges],
        "levels": [list(level) for level in pipeline.levels],
        "outputs": list(pipeline.outputs),
        "span": _span(pipeline.span),
        "schedule": pipeline.schedule,
        "schedule_span": _span(pipeline.schedule_span),
    }


def to_json(project: ir.Project, diagnostics: tuple[Diagnostic, ...] = ()) -> str:
    return json.dumps(project_dict(project, diagnostics), indent=2, ensure_ascii=False) + "\n"
