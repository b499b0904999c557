"""Task declarations -> IR tasks: signature, options, and the storage the body is proven to touch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst

from glacierc.checks import glc002_not_static as not_static
from glacierc.checks import glc202_unknown_dependency as unknown_dependency
from glacierc.checks import glc205_unproven_access as unproven_access
from glacierc.checks import glc224_async_task as async_task
from glacierc.checks import glc225_generator_task as generator_task
from glacierc.checks import glc302_config_out_of_limits as config_out_of_limits
from glacierc.frontend import access
from glacierc.frontend.binding import function_params
from glacierc.frontend.context import Context
from glacierc.frontend.extract import TaskDecl
from glacierc.frontend.evaluate import Scope
from glacierc.frontend.values import DeclRef, Observation, Unknown, Where
from glacierc.ir import nodes as ir


@dataclass(slots=True)
class TaskInfo:
    """The IR task plus what later passes need: the access analysis (for unproven uses at call sites)."""

    task: ir.Task
    decl: TaskDecl
    access: access.Access


def build_task(ctx: Context, decl: TaskDecl, executor: str, names_of: Mapping[str, access.ModuleNames]) -> TaskInfo:
    function = decl.function
    code = ctx.locator(decl.module).code(decl.where.index)
    found = access.analyse(ctx.evaluator, decl.module, decl.where.index, function, code, names_of)
    for storage, where in found.unproven:
        ctx.report(unproven_access.UNPROVEN_IN_BODY, where, task=function.name.value, storage=storage.name)
    if function.asynchronous is not None:
        ctx.report(async_task.ASYNC_TASK, Where(decl.module, decl.where.index, function.name),
                   task=function.name.value)
    if (yielded := first_yield(function)) is not None:
        ctx.report(generator_task.GENERATOR_TASK, Where(decl.module, decl.where.index, yielded),
                   task=function.name.value)
    _observe_task_calls(ctx, decl)
    unproven = {id(s): s for s, _ in found.unproven}
    reads = {**found.reads, **unproven}
    writes = {**found.writes, **unproven}
    tree = ctx.locator(decl.module).tree
    task = ir.Task(
        name=ctx.task_names[(decl.module, function.name.value)], function=function.name.value, module=decl.module, executor=executor,
        params=_params(tree, function), returns=_annotation(tree, function.returns),
        depends_on=_depends_on(ctx, decl), reads=_names(reads), writes=_names(writes),
        param_reads=tuple(sorted(found.param_reads)), param_writes=tuple(sorted(found.param_writes)),
        retries=_option(ctx, decl, "retries"), timeout=_option(ctx, decl, "timeout"),
        span=ctx.span(decl.where), tags=tuple(_option(ctx, decl, "tags")))
    return TaskInfo(task, decl, found)


class _FirstYield(cst.CSTVisitor):
    """The first `yield` of a function's own body (not of the functions, lambdas and classes defined in it)."""

    def __init__(self) -> None:
        self.found: cst.Yield | None = None

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = self.found or node
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def first_yield(function: cst.FunctionDef) -> cst.Yield | None:
    """The `yield` that makes `function` a generator function, or None."""
    visitor = _FirstYield()
    function.body.visit(visitor)
    return visitor.found


def _observe_task_calls(ctx: Context, decl: TaskDecl) -> None:
    """Tasks called in this task's body: they run there as plain functions (GLC226 judges it, and GLC204 does
    not call them unused)."""
    function = decl.function
    params = {p.name.value for p in (*function.params.posonly_params, *function.params.params,
                                     *function.params.kwonly_params)}
    scope = Scope(decl.module, decl.where.index)
    for call in _calls(function.body):
        if not isinstance(call.func, cst.Name) or call.func.value in params:
            continue
        found = ctx.evaluator.definition(scope, call.func.value, "def")  # read, not evaluated: observes nothing
        inner = (found[1].module, found[0].name.value) if found and isinstance(found[0], cst.FunctionDef) else None
        if inner in ctx.task_names:
            ctx.evaluator.observe([Observation("task-called-in-task", ctx.task_names[inner],
                                               Where(decl.module, decl.where.index, call),
                                               ctx.task_names[(decl.module, function.name.value)])])


def _calls(body: cst.CSTNode) -> list[cst.Call]:
    calls: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

    body.visit(_Calls())
    return calls


def _names(values: dict) -> tuple[str, ...]:
    return tuple(sorted({v.name for v in values.values() if v.name}))


def _params(tree: cst.Module, function: cst.FunctionDef) -> tuple[ir.Param, ...]:
    return function_params(function, lambda annotation: _annotation(tree, annotation))


def _annotation(tree: cst.Module, annotation: cst.Annotation | None) -> str | None:
    return tree.code_for_node(annotation.annotation) if annotation is not None else None


def _depends_on(ctx: Context, decl: TaskDecl) -> tuple[str, ...]:
    value = decl.options.get("depends_on", ())
    where = Where(decl.module, decl.where.index, decl.option_nodes.get("depends_on", decl.function))
    if isinstance(value, (DeclRef, str)):
        value = (value,)
    if not isinstance(value, (list, tuple)):
        reason = value.reason if isinstance(value, Unknown) else "it is not a list"
        ctx.report(not_static.DEPENDS_ON, where, reason=reason)
        return ()
    names = []
    for item in value:
        if isinstance(item, DeclRef):
            names.append(ctx.task_names.get((item.module, item.name), f"<{item.name}>"))
        elif isinstance(item, str):
            names.append(ctx.task_names.get((decl.module, item), item))
        else:
            ctx.report(unknown_dependency.NOT_A_TASK_ENTRY, where)
    return tuple(names)


def _option(ctx: Context, decl: TaskDecl, name: str):
    """A task option checked against the catalogue the library validates with (`glacier._task_options`):
    not static is GLC002, outside the catalogue's limits GLC302 with the library's own message."""
    from glacier._task_options import TASK_OPTIONS, option_problem

    default = next(option.default for option in TASK_OPTIONS if option.name == name)
    value = decl.options.get(name, default)
    where = Where(decl.module, decl.where.index, decl.option_nodes.get(name, decl.function))
    if isinstance(value, Unknown):
        ctx.report(not_static.TASK_OPTION, where, name=name, reason=value.reason)
        return default
    problem = option_problem(name, value)
    if problem is None:
        return value
    ctx.report(config_out_of_limits.TASK_OPTION_LIMIT, where, problem=problem, name=name,
               doc=next(o.doc for o in TASK_OPTIONS if o.name == name))
    return default
