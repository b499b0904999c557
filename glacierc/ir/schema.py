"""The JSON Schema of `ir.json` (draft 2020-12), kept in the repository as docs/ir.schema.json:
`python -m glacierc.ir.schema > docs/ir.schema.json`. A test checks the file is up to date and that the
ir.json of every fixture and example validates against it."""

from __future__ import annotations

import enum
import json

from glacierc.ir import nodes as ir


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or sorted(properties),
            "additionalProperties": False}


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _enum(kinds: type[enum.StrEnum]) -> dict:
    """The values of an IR enum, in declaration order (glacierc/ir/nodes.py defines each once)."""
    return {"enum": [kind.value for kind in kinds]}


def _list(item: dict) -> dict:
    return {"type": "array", "items": item}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
OPTIONAL_STRING = {"type": ["string", "null"]}
NAMES = _list(STRING)


def _definitions() -> dict:
    span = _object({key: INTEGER for key in ("line", "column", "end_line", "end_column")} | {"file": STRING})
    config = {"type": "object", "description": "config fields: name -> value (a nested config has its `type`)"}
    columns = {"anyOf": [{"type": "object", "additionalProperties": STRING}, {"type": "null"}],
               "description": "column -> dtype as str(dtype) prints it (Unknown: not known statically), or null"}
    lineage = {"type": "object", "additionalProperties": NAMES, "description": "column -> storage.column sources"}
    configured = {"config_type": OPTIONAL_STRING, "config": config, "span": _ref("span")}
    storage = {"name": STRING, "provider": STRING, "bucket": STRING, "path": STRING, "format": STRING, "uri": STRING,
               **configured, "bucket_span": {"anyOf": [_ref("span"), {"type": "null"}]},
               "path_span": {"anyOf": [_ref("span"), {"type": "null"}]}, "schema": columns,
               "existing": {"const": True, "description": "the bucket exists already (absent: glacierc creates it)"}}
    node = {"id": STRING, "task": STRING, "executor": STRING, "reads": NAMES, "writes": NAMES,
            "inputs": _list(_ref("input")), "span": _ref("span"), "schema": columns, "lineage": lineage,
            "column_writes": {"type": "object", "additionalProperties": lineage},
            "map": {"type": "string", "description": "the dataset the node is mapped over (absent: not mapped)"},
            "map_limits": {**_object({"max_parallel": {"type": ["integer", "null"], "minimum": 1},
                                      "tolerated_failures": {"type": "integer", "minimum": 0}}),
                           "description": "`partitions(max_parallel=, tolerated_failures=)` of a mapped node "
                                          "(absent: the defaults)"},
            "map_after": {"type": "string", "description": "in a chain of mapped tasks, the node whose result for "
                                                           "the same object this node takes (absent: none)"}}
    return {
        "span": span,
        "provider": _object({"name": STRING, "cloud": _enum(ir.Cloud), **configured}),
        "storage": _object(storage, sorted(set(storage) - {"existing"})),
        "executor": _object({"name": STRING, "provider": STRING,
                             "kind": _enum(ir.ExecutorKind), **configured}),
        "parameter": _object({"name": STRING, "annotation": OPTIONAL_STRING, "has_default": BOOLEAN,
                              "kind": _enum(ir.ParamKind)}),
        "task": _object({"name": STRING, "function": STRING, "module": STRING, "executor": STRING, "params": NAMES,
                         "annotations": {"type": "object", "additionalProperties": STRING},
                         "parameters": _list(_ref("parameter")), "returns": OPTIONAL_STRING, "depends_on": NAMES,
                         "reads": NAMES, "writes": NAMES, "param_reads": NAMES, "param_writes": NAMES,
                         "retries": INTEGER, "timeout": {"type": ["integer", "null"]}, "tags": NAMES,
                         "span": _ref("span")}),
        "input": _object({"param": STRING, "kind": _enum(ir.InputKind),
                          "ref": OPTIONAL_STRING, "value": {}}),
        "node": _object(node, sorted(set(node) - {"map", "map_limits", "map_after"})),
        "edge": _object({"source": STRING, "target": STRING, "kind": _enum(ir.EdgeKind),
                         "label": OPTIONAL_STRING}),
        "pipeline": _object({"name": STRING, "function": STRING, "module": STRING, "nodes": _list(_ref("node")),
                             "edges": _list(_ref("edge")), "levels": _list(NAMES), "outputs": NAMES,
                             "span": _ref("span"), "schedule": OPTIONAL_STRING,
                             "schedule_span": {"anyOf": [_ref("span"), {"type": "null"}]}}),
        "module": _object({"name": STRING, "path": STRING}),
        "fact": _object({"kind": STRING, "subject": STRING, "span": _ref("span"), "context": STRING,
                         "candidates": NAMES}),
        "diagnostic": {"type": "object", "required": ["code", "severity", "message", "file", "line", "column",
                                                      "end_line", "end_column", "fix"],
                       "properties": {"code": {"type": "string", "pattern": "^GLC[0-9]{3}$"},
                                      "severity": {"enum": ["error", "warning", "info"]}}},
    }


def ir_schema() -> dict:
    sections = ("providers", "storage", "executors", "tasks", "pipelines", "modules", "facts", "diagnostics")
    singular = {"providers": "provider", "storage": "storage", "executors": "executor", "tasks": "task",
                "pipelines": "pipeline", "modules": "module", "facts": "fact", "diagnostics": "diagnostic"}
    properties = {"version": {"const": 1}, "tool_version": STRING,
                  **{name: _list(_ref(singular[name])) for name in sections}}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "glacierc-ir.schema.json",
            "title": "glacierc ir.json", **_object(properties), "$defs": _definitions()}


if __name__ == "__main__":
    print(json.dumps(ir_schema(), indent=2, sort_keys=True))
