"""Maps: `[task(p) for p in dataset.partitions()]` in a pipeline body -> ONE mapped node.

The objects of a dataset are only known when the pipeline runs, so the comprehension is not unrolled: its
element is lowered once, with the comprehension's variable bound to a stand-in of the dataset (the
partition), and the one task call it makes becomes a node whose `map` is the dataset and whose parameter
receiving the partition is an input of kind "partition". Its result is the list of the runs' results, used
like any node's result. Every other use of `.partitions()` is GLC218 (GLC219 on storage that is one file).
Its keyword arguments `max_parallel=` and `tolerated_failures=` are the node's `map_limits` (GLC220 when one
is not a whole number in range known statically).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import libcst as cst
from glacier.datasets import is_dataset

from glacierc.checks import glc218_partitions_outside_map as outside_map
from glacierc.checks import glc219_partitions_of_a_file as not_a_dataset
from glacierc.checks import glc220_invalid_map_option as bad_option
from glacierc.frontend.values import StorageVal, Unknown, Where
from glacierc.ir import nodes as ir

if TYPE_CHECKING:
    from glacierc.frontend.dataflow import Flow


@dataclasses.dataclass(frozen=True, slots=True)
class Mapping:
    """The map being lowered: its dataset's name and the stand-in bound to the comprehension's variable."""

    dataset: str
    partition: StorageVal
    limits: ir.MapLimits = ir.NO_MAP_LIMITS


def partitions_of(flow: Flow, node: cst.BaseExpression) -> StorageVal | None:
    """The storage `node` asks the partitions of (`events.partitions()`), else None. Only a name or an
    attribute is evaluated before the call, so nothing is lowered twice."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "partitions" and isinstance(node.func.value, (cst.Name, cst.Attribute))):
        return None
    value = flow.expr(node.func.value)
    return value if isinstance(value, StorageVal) and value.name else None


def outside(flow: Flow, node: cst.Call, storage: StorageVal) -> Unknown:
    """`.partitions()` anywhere but as the `for` clause of a map."""
    flow.ctx.report(outside_map.OUTSIDE, _where(flow, node), storage=storage.name, pipeline=_pipeline(flow))
    return Unknown("the partitions of a dataset (known at run time)")


def lower(flow: Flow, node: cst.ListComp | cst.GeneratorExp, storage: StorageVal) -> object:
    """The mapped node's result for `[task(p) for p in storage.partitions()]`, or Unknown after a diagnostic."""
    dataset, pipeline = storage.name, _pipeline(flow)
    assert dataset is not None  # partitions_of finds named storage only
    unknown = Unknown("the result of a map that is not lowered")
    if flow.mapping is not None:
        flow.ctx.report(outside_map.NESTED, _where(flow, node), outer=flow.mapping.dataset, storage=dataset,
                        pipeline=pipeline)
        return unknown
    if not (isinstance(storage.path, str) and is_dataset(storage.path)):
        flow.ctx.report(not_a_dataset.NOT_A_DATASET, _where(flow, node.for_in.iter), path=storage.path,
                        storage=dataset, pipeline=pipeline)
        return unknown
    problem = _shape_problem(node.for_in)
    if problem is not None:
        flow.ctx.report(outside_map.SHAPE, _where(flow, node), problem=problem, storage=dataset, pipeline=pipeline)
        return unknown
    assert isinstance(node.for_in.target, cst.Name) and isinstance(node.for_in.iter, cst.Call)
    limits = _limits(flow, node.for_in.iter, dataset, pipeline)
    if limits is None:
        return unknown
    before, outer, reported = len(flow.nodes), dict(flow.env), len(flow.ctx.reporter.items)
    flow.mapping = Mapping(dataset, dataclasses.replace(storage), limits)
    flow.env[node.for_in.target.value] = flow.mapping.partition
    try:
        value = flow.expr(node.elt)
    finally:
        flow.env, flow.mapping = outer, None
    made = flow.nodes[before:]
    if any(d.code in (outside_map.CODE, not_a_dataset.CODE) for d in flow.ctx.reporter.items[reported:]):
        return unknown  # a map inside the element: said once, there
    problem = _element_problem(made, value)
    if problem is not None:
        flow.ctx.report(outside_map.SHAPE, _where(flow, node), problem=problem, storage=dataset, pipeline=pipeline)
        return unknown
    for index in range(1, len(made)):  # a chain: each later task runs per object on the one before it
        flow.nodes[before + index] = dataclasses.replace(made[index], map=dataset, map_limits=limits,
                                                         map_after=made[index - 1].id)
    return value


def mapped(node: ir.Node, bound: dict, mapping: Mapping | None) -> ir.Node:
    """`node` as the map `mapping` runs it: the inputs bound to the partition are of kind "partition"."""
    if mapping is None:
        return node
    params = {param for param, value in bound.items() if value is mapping.partition}
    if not params:
        return node
    inputs = tuple(ir.PartitionInput(i.param, mapping.dataset) if i.param in params else i for i in node.inputs)
    return dataclasses.replace(node, inputs=inputs, map=mapping.dataset, map_limits=mapping.limits)


#: The options of `dataset.partitions(...)`: the least value each takes.
OPTIONS = {"max_parallel": 1, "tolerated_failures": 0}


def _limits(flow: Flow, call: cst.Call, dataset: str, pipeline: str) -> ir.MapLimits | None:
    """The map's limits from the keyword arguments of `.partitions(...)`, or None after GLC220."""
    found: dict[str, int] = {}
    seen: set[str] = set()
    ok = True
    for arg in call.args:
        where, option = _where(flow, arg), arg.keyword.value if arg.keyword is not None else None
        if option is None or arg.star:
            flow.ctx.report(bad_option.POSITIONAL, where, storage=dataset, pipeline=pipeline)
        elif option not in OPTIONS:
            flow.ctx.report(bad_option.UNKNOWN, where, option=option, storage=dataset, pipeline=pipeline)
        elif option in seen:
            flow.ctx.report(bad_option.REPEATED, where, option=option, storage=dataset, pipeline=pipeline)
        else:
            value = flow.expr(arg.value)
            seen.add(option)
            if value is None and option == "max_parallel":  # the library's default: the engine's own
                continue
            if type(value) is not int:
                got = repr(value) if isinstance(value, (bool, float, str, type(None))) else \
                    "a value known only at run time"
                flow.ctx.report(bad_option.NOT_A_NUMBER, where, option=option, got=got, storage=dataset,
                                pipeline=pipeline)
            elif value < OPTIONS[option]:
                flow.ctx.report(bad_option.OUT_OF_RANGE, where, option=option, value=value, least=OPTIONS[option],
                                storage=dataset, pipeline=pipeline)
            else:
                found[option] = value
                continue
        ok = False
    return ir.MapLimits(**found) if ok else None


def _shape_problem(clause: cst.CompFor) -> str | None:
    if clause.inner_for_in is not None:
        return "has more than one `for` clause"
    if clause.ifs:
        return "is filtered by an `if` (the objects are only known at run time)"
    if clause.asynchronous:
        return "is asynchronous"
    if not isinstance(clause.target, cst.Name):
        return "unpacks its partition (each is one storage object: bind it to one name)"
    return None


def _element_problem(made: list[ir.Node], value: object) -> str | None:
    """Why the element is not one task call taking the partition, or a chain of them (`b(a(p))`: each later
    task taking the result of the one before, on the same executor)."""
    from glacierc.frontend.dataflow import NodeOut

    if not made or not isinstance(value, NodeOut) or value.id != made[-1].id or value.path:
        return "is not a task call; a map's element is one task call taking the partition (or a chain of them)"
    if made[0].map is None:
        return f"does not pass the partition to task `{made[0].task}`"
    ids = {n.id for n in made}
    for before, node in zip(made, made[1:]):
        if node.map is not None:
            return (f"passes the partition to task `{node.task}` too; in a chain `b(a(p))` only the first task "
                    "takes it")
        inner = [i for i in node.inputs if isinstance(i, ir.NodesInput) and _mentions(i, ids)]
        taken = [i for i in node.inputs if isinstance(i, ir.NodeInput) and i.node in ids]
        if inner or [i.node for i in taken] != [before.id] or taken[0].path is not None:
            return (f"calls {len(made)} tasks per partition; a chain passes each task's result itself to the next "
                    f"(`{node.task}` must take `{before.task}`'s result, and only that one of the map)")
        if node.executor != made[0].executor:
            return (f"chains tasks on different executors (`{made[0].task}` on `{made[0].executor}`, `{node.task}` "
                    f"on `{node.executor}`); a chain runs as one run per object, on one executor")
    return None


def _mentions(nodes: ir.NodesInput, ids: set[str]) -> bool:
    return any((item if isinstance(item, str) else item[0]) in ids for item in nodes.items)


def _where(flow: Flow, node: cst.CSTNode) -> Where:
    return Where(flow.scope.module, flow.scope.index, node)


def _pipeline(flow: Flow) -> str:
    return flow.decl.function.name.value
