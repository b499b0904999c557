"""One task call -> one IR node: its inputs and the storage it reads and writes."""

from __future__ import annotations

from glacierc.checks import glc205_unproven_access as unproven_access
from glacierc.frontend.context import Context
from glacierc.frontend.tasks import TaskInfo
from glacierc.frontend.values import (ARGUMENT_LEAVES, DeclRef, FunctionRef, Observation, StorageVal, Unknown, Where,
                                      is_constant, storages_in)
from glacierc.ir import nodes as ir
from glacierc.source import Span


def make_node(ctx: Context, info: TaskInfo, node_id: str, bound: dict, where: Where, span: Span) -> ir.Node:
    from glacierc.frontend.dataflow import NodeOut

    task, found = info.task, info.access
    reads, writes = set(task.reads), set(task.writes)
    inputs: list[ir.Input] = []
    for param in sorted(bound):
        value = bound[param]
        if isinstance(value, NodeOut):
            inputs.append(ir.NodeInput(param, value.id, value.path or None))
        elif isinstance(value, StorageVal) and value.name:
            inputs.append(ir.StorageInput(param, value.name))
            _storage_argument(ctx, task, found, param, value, where, reads, writes)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, NodeOut) for v in value):
            inputs.append(ir.NodesInput(param, tuple((v.id, *v.path) if v.path else v.id for v in value)))
        elif _is_literal(value):
            inputs.append(ir.ConstInput(param, _freeze(value)))
        else:
            inputs.append(ir.UnknownInput(param, _why_unknown(ctx, value)))
            for storage in storages_in(value):
                _unproven(ctx, task, storage, where, reads, writes)
    return ir.Node(node_id, task.name, task.executor, tuple(inputs), tuple(sorted(reads)), tuple(sorted(writes)),
                   span)


def _storage_argument(ctx, task, found, param, storage, where, reads, writes) -> None:
    proven = param in found.param_reads or param in found.param_writes
    if param not in found.param_uses:  # never touched: nothing to grant (GLC216 says so)
        ctx.evaluator.observe([Observation("unused-storage-parameter", param, where, task.name, (storage.name,))])
        return
    if param in found.param_unproven or not proven:
        _unproven(ctx, task, storage, where, reads, writes)
    if param in found.param_reads:
        reads.add(storage.name)
    if param in found.param_writes:
        writes.add(storage.name)


def _unproven(ctx, task, storage: StorageVal, where: Where, reads: set, writes: set) -> None:
    ctx.report(unproven_access.UNPROVEN_PARAMETER, where, task=task.name, storage=storage.name)
    reads.add(storage.name)
    writes.add(storage.name)


def _why_unknown(ctx: Context, value: object) -> str:
    """What the argument was seen to be and why the runner cannot build it (GLC502 says it)."""
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, DeclRef):
        if (value.module, value.name) in ctx.task_names:
            return f"`{value.name}` is a task, and a task is not a value: call it (`{value.name}(...)`) and pass its result"
        return f"`{value.name}` is a pipeline or a decorated function, not a value"
    if isinstance(value, FunctionRef):
        return f"`{value.name}` is a function, and the runner passes values, not code: call it inside the task's body"
    if isinstance(value, (list, tuple, dict)):
        return _why_unknown_items(ctx, list(value.values() if isinstance(value, dict) else value))
    return ""


def _why_unknown_items(ctx: Context, items: list) -> str:
    from glacierc.frontend.dataflow import NodeOut

    for item in items:
        if isinstance(item, StorageVal):
            return f"it holds storage `{item.name}`, which the runner passes only as an argument of its own"
        if not (isinstance(item, NodeOut) or _is_literal(item)):
            inner = _why_unknown(ctx, item)
            return f"an item of it: {inner}" if inner else ""
    return "it mixes task results with literals"


def _is_literal(value: object) -> bool:
    return is_constant(value, ARGUMENT_LEAVES, str_keys=True)


def _freeze(value: object) -> object:
    """The IR's frozen form of a literal: a tuple stays one, a list is a `FrozenList`, a dict a `Config` of type
    "dict" (its items in source order), so ir.json writes it as an object and the runner passes each as the
    library does."""
    if isinstance(value, list):
        return ir.FrozenList(_freeze(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return ir.Config("dict", tuple((k, _freeze(v)) for k, v in value.items()))
    return value
