"""`ir.json` back into the IR: the reader of what `glacierc.ir.serialize` writes (`read(write(ir)) == ir`).

Tools that consume a build's `ir.json` (and the round-trip test) use it; the file's shape is checked against
`docs/ir.schema.json` in the tests; the reader refuses a file of another version, or a malformed one, with `IrFormatError`.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from glacierc.ir import nodes as ir
from glacierc.ir.serialize import TEMPORAL_KEYS
from glacierc.source import Span


class IrFormatError(ValueError):
    """The text is not an `ir.json` this version of glacierc reads."""


def read(text: str) -> ir.Project:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != ir.IR_VERSION:
        raise IrFormatError(f"not an ir.json of version {ir.IR_VERSION}")
    try:
        return _project(data)
    except (KeyError, TypeError, ValueError) as error:
        raise IrFormatError(f"malformed ir.json: {error!r}") from None


def _project(data: dict) -> ir.Project:
    return ir.Project(
        providers=tuple(ir.Provider(p["name"], ir.Cloud(p["cloud"]), _provider_config(p), _span(p["span"]))
                        for p in data["providers"]),
        storage=tuple(_storage(s) for s in data["storage"]),
        executors=tuple(ir.Executor(e["name"], e["provider"], ir.ExecutorKind(e["kind"]), _config(e["config_type"], e["config"]),
                                    _span(e["span"])) for e in data["executors"]),
        tasks=tuple(_task(t) for t in data["tasks"]),
        pipelines=tuple(_pipeline(p) for p in data["pipelines"]),
        modules=tuple(ir.Module(m["name"], m["path"]) for m in data["modules"]),
        facts=tuple(ir.Fact(f["kind"], f["subject"], _span(f["span"]), f["context"], tuple(f["candidates"]))
                    for f in data["facts"]),
        version=data["version"],
    )


def _span(data: dict) -> Span:
    return Span(data["file"], data["line"], data["column"], data["end_line"], data["end_column"])


def _optional_span(data: dict | None) -> Span | None:
    return None if data is None else _span(data)


def _provider_config(data: dict) -> ir.Config:
    return ir.Config(data["config_type"], tuple((k, value(v)) for k, v in data["config"].items()))


def _config(config_type: str | None, fields: dict) -> ir.Config | None:
    if config_type is None:
        return None
    return ir.Config(config_type, tuple((k, value(v)) for k, v in fields.items()))


def value(data: object) -> object:
    """A config field value or constant argument, as the IR holds it."""
    if isinstance(data, list):
        return tuple(value(v) for v in data)
    if not isinstance(data, dict):
        return data
    if len(data) == 1 and next(iter(data)) in TEMPORAL_KEYS:
        return _temporal(*next(iter(data.items())))
    if data.get("type") == "dict" and set(data) == {"type", "fields"}:
        return _config("dict", data["fields"])
    if "type" in data:
        return _config(data["type"], {k: v for k, v in data.items() if k != "type"})
    return _config("dict", data)


def _temporal(kind: str, text: object) -> object:
    if kind == "timedelta":
        return datetime.timedelta(**text)  # type: ignore[arg-type]
    if kind == "Decimal":
        return Decimal(str(text))
    return getattr(datetime, kind).fromisoformat(text)


def _storage(s: dict) -> ir.Storage:
    return ir.Storage(s["name"], s["provider"], s["bucket"], s["path"], s["format"], s["uri"],
                      _config(s["config_type"], s["config"]), _span(s["span"]), _optional_span(s["bucket_span"]),
                      _optional_span(s["path_span"]), _columns(s["schema"]), s.get("existing", False))


def _columns(data: dict | None) -> tuple[tuple[str, str], ...] | None:
    return None if data is None else tuple(data.items())


def _task(t: dict) -> ir.Task:
    params = tuple(ir.Param(p["name"], p["annotation"], p["has_default"], ir.ParamKind(p["kind"]))
                   for p in t["parameters"])
    return ir.Task(t["name"], t["function"], t["module"], t["executor"], params, t["returns"],
                   tuple(t["depends_on"]), tuple(t["reads"]), tuple(t["writes"]), tuple(t["param_reads"]),
                   tuple(t["param_writes"]), t["retries"], t["timeout"], _span(t["span"]),
                   tuple(t.get("tags", ())))


def _input(i: dict) -> ir.Input:
    """The input class of `kind` from ir.json's (param, kind, ref, value)."""
    param, kind, ref, found = i["param"], ir.InputKind(i["kind"]), i["ref"], value(i["value"])
    if kind in (ir.InputKind.NODE, ir.InputKind.STORAGE, ir.InputKind.PARTITION) and not isinstance(ref, str):
        raise ValueError(f"input {param!r} of kind {kind} has no ref")
    if kind is ir.InputKind.NODE:
        return ir.NodeInput(param, ref, found if isinstance(found, tuple) else None)
    if kind is ir.InputKind.STORAGE:
        return ir.StorageInput(param, ref)
    if kind is ir.InputKind.PARTITION:
        return ir.PartitionInput(param, ref)
    if kind is ir.InputKind.NODES:
        return ir.NodesInput(param, found if isinstance(found, tuple) else ())
    if kind is ir.InputKind.CONST:
        return ir.ConstInput(param, found)
    return ir.UnknownInput(param, found if isinstance(found, str) else "")


def _map_limits(limits: dict | None) -> ir.MapLimits:
    if limits is None:
        return ir.NO_MAP_LIMITS
    return ir.MapLimits(limits["max_parallel"], limits["tolerated_failures"])


def _pipeline(p: dict) -> ir.Pipeline:
    nodes = tuple(ir.Node(n["id"], n["task"], n["executor"],
                          tuple(_input(i) for i in n["inputs"]),
                          tuple(n["reads"]), tuple(n["writes"]), _span(n["span"]), _columns(n["schema"]),
                          tuple((c, tuple(v)) for c, v in n["lineage"].items()),
                          tuple((storage, tuple((c, tuple(v)) for c, v in columns.items()))
                                for storage, columns in n["column_writes"].items()), n.get("map"),
                          _map_limits(n.get("map_limits")), n.get("map_after"))
                  for n in p["nodes"])
    edges = tuple(ir.Edge(e["source"], e["target"], ir.EdgeKind(e["kind"]), e["label"]) for e in p["edges"])
    return ir.Pipeline(p["name"], p["function"], p["module"], nodes, edges,
                       tuple(tuple(level) for level in p["levels"]), tuple(p["outputs"]), _span(p["span"]),
                       p["schedule"], _optional_span(p["schedule_span"]))
