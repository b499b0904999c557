"""Find every declaration of the language at module level: providers, storage, executors (assignments)
and tasks and pipelines (decorated functions). Names are the variables values are bound to."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst

from glacierc.checks import glc102_glacier_env as glacier_env
from glacierc.checks import glc103_string_executor as string_executor
from glacierc.frontend.context import Context
from glacierc.frontend.evaluate import Scope
from glacierc.frontend.library import glacier_name
from glacierc.frontend import surface
from glacierc.frontend.values import (EnvVal, ExecutorVal, Method, Observation, ProviderVal, Qual, StorageVal,
                                      Unknown, Where)

DEFAULT_PROVIDER = "default_provider"
DEFAULT_EXECUTOR = "default_local"


@dataclass(slots=True)
class TaskDecl:
    """A task function found by its decorator, before lowering."""

    module: str
    function: cst.FunctionDef
    where: Where
    executor: ExecutorVal | None  # None: the implicit local executor of a bare `@task`
    options: dict[str, object]
    option_nodes: dict[str, cst.CSTNode]


@dataclass(slots=True)
class PipelineDecl:
    """A `@pipeline` function found by its decorator, before lowering."""

    module: str
    function: cst.FunctionDef
    where: Where
    name: object
    schedule: object = None  # the `schedule=` value (None: not given)
    schedule_node: cst.CSTNode | None = None


#: A declaration bound to a module-level name.
Declared = ProviderVal | StorageVal | ExecutorVal
D = TypeVar("D", ProviderVal, StorageVal, ExecutorVal)


@dataclass(slots=True)
class Declarations:
    """Every declaration of the project, in source order."""

    providers: list[ProviderVal] = field(default_factory=list)
    storage: list[StorageVal] = field(default_factory=list)
    executors: list[ExecutorVal] = field(default_factory=list)
    tasks: list[TaskDecl] = field(default_factory=list)
    pipelines: list[PipelineDecl] = field(default_factory=list)


def extract(ctx: Context) -> Declarations:
    found = Declarations()
    named: list[tuple[str, str, Declared]] = []
    for module in sorted(ctx.sources):
        table = ctx.evaluator.tables[module]
        for name, binding in sorted(table.bindings.items(), key=lambda item: item[1].index):
            if binding.kind == "assign":
                value = ctx.evaluator.lookup(module, name)
                _collect_value(ctx, found, named, module, name, value)
            elif binding.kind == "def" and isinstance(binding.node, cst.FunctionDef) and binding.node.decorators:
                _collect_function(ctx, found, module, binding.index, binding.node)
    _assign_names(named)
    return found


def _collect_value(ctx: Context, found: Declarations, named: list, module: str, name: str, value: object) -> None:
    if isinstance(value, (list, tuple, dict)):  # `outs = [provider.bucket(...) for r in REGIONS]`
        for suffix, item in _contained_storage(value):
            _collect_value(ctx, found, named, module, f"{name}{suffix}", item)
        return
    if isinstance(value, ProviderVal):
        _register(found.providers, value)
    elif isinstance(value, StorageVal):
        _register(found.storage, value)
    elif isinstance(value, ExecutorVal):
        _register(found.executors, value)
    if isinstance(value, (ProviderVal, StorageVal, ExecutorVal)):
        named.append((module, name, value))  # named whatever module was read first
        if isinstance(value, (StorageVal, ExecutorVal)) and value.provider not in found.providers:
            found.providers.append(value.provider)
    if isinstance(value, EnvVal):
        ctx.report(glacier_env.GLACIER_ENV, value.where)


def _register(declared: list[D], value: D) -> None:
    if all(existing is not value for existing in declared):  # a decorator may have met it first
        declared.append(value)


def _contained_storage(value: list | tuple | dict, depth: int = 0) -> list[tuple[str, StorageVal]]:
    """Storage held in a list, tuple or dict bound to a module-level name, with the subscript that reaches
    it (`[0]`, `["emea"]`): that subscript makes its name (`outs[0]`, `targets["emea"]`)."""
    import json

    if depth > 4:
        return []
    items = list(enumerate(value)) if isinstance(value, (list, tuple)) else list(value.items())
    found: list[tuple[str, StorageVal]] = []
    for key, item in items:
        if not isinstance(key, (int, str)) or isinstance(key, bool):
            continue
        suffix = f"[{json.dumps(key, ensure_ascii=False) if isinstance(key, str) else key}]"
        if isinstance(item, StorageVal):
            found.append((suffix, item))
        elif isinstance(item, (list, tuple, dict)):
            found += [(suffix + inner, storage) for inner, storage in _contained_storage(item, depth + 1)]
    return found


def _assign_names(named: list[tuple[str, str, Declared]]) -> None:
    """The variable name, or `module.var` when the bare name is bound to different things in several modules."""
    first: dict[int, tuple[str, str]] = {}
    for module, name, value in named:
        first.setdefault(id(value), (module, name))
    counts = Counter(name for _, name in first.values())
    for module, name, value in named:
        if first[id(value)] == (module, name) and value.name is None:
            value.name = f"{module}.{name}" if counts[name] > 1 else name


def _collect_function(ctx: Context, found: Declarations, module: str, index: int, function: cst.FunctionDef) -> None:
    where = Where(module, index, function)
    for decorator in function.decorators:
        expression = decorator.decorator
        call = expression if isinstance(expression, cst.Call) else None
        target = ctx.evaluator.eval(call.func if call else expression, Scope(module, index))
        options, nodes = _options(ctx, call, module, index)
        role = _decorator_role(ctx, target, options, Where(module, index, expression))
        _observe_decorator(ctx, module, index, role, target, call, options, nodes)
        if role == "task":
            _positional_name(options, nodes)
            executor = target.target if isinstance(target, Method) and isinstance(target.target, ExecutorVal) else None
            if executor is not None and executor not in found.executors:
                found.executors.append(executor)
            found.tasks.append(TaskDecl(module, function, where, executor, options, nodes))
            return
        if role == "pipeline":
            found.pipelines.append(PipelineDecl(module, function, where, options.get("name", options.get("#0")),
                                                options.get("schedule"), nodes.get("schedule")))
            return


def _options(ctx: Context, call: cst.Call | None, module: str, index: int) -> tuple[dict, dict]:
    options: dict[str, object] = {}
    nodes: dict[str, cst.CSTNode] = {}
    for position, arg in enumerate(call.args if call else ()):
        key = arg.keyword.value if arg.keyword else f"#{position}"
        options[key] = ctx.evaluator.eval(arg.value, Scope(module, index))
        nodes[key] = arg.value
    return options, nodes


def _observe_decorator(ctx: Context, module: str, index: int, role: str | None, target: object,
                       call: cst.Call | None, options: dict, nodes: dict) -> None:
    """Unknown keywords of `@x.task(...)` / `@pipeline(...)`, and a decorator on an undefined name."""
    ev = ctx.evaluator
    legacy = isinstance(target, Method) and isinstance(target.target, EnvVal)
    if role in ("task", "pipeline") and not legacy:
        given = [(k, Where(module, index, nodes[k])) for k in sorted(options) if not k.startswith("#") and k != "executor"]
        ev.observe(surface.keywords(role, given))
    if role is None and isinstance(target, Unknown) and target.undefined and target.where is not None:
        names = tuple(sorted(ctx.evaluator.tables[module].bindings))
        ev.observe([Observation("undefined-name", target.undefined, target.where, "decorator", names)])


def _positional_name(options: dict, nodes: dict) -> None:
    """`@fn.task("name")`: the library takes the first positional argument as the task's name."""
    if "#0" in options and "name" not in options:
        options["name"], nodes["name"] = options.pop("#0"), nodes.pop("#0")


def _decorator_role(ctx: Context, target: object, options: dict, where: Where) -> str | None:
    qual = glacier_name(target.name) if isinstance(target, Qual) else None
    method = target if isinstance(target, Method) else None
    is_env = method is not None and isinstance(method.target, EnvVal)
    if method is not None and is_env:
        ctx.report(glacier_env.ENV_DECORATOR, where, attribute=method.attr)
    is_task = (isinstance(target, Method) and target.attr == "task"
               and isinstance(target.target, (ExecutorVal, EnvVal))) or qual == "task"
    if is_task and "executor" in options:
        ctx.report(string_executor.STRING_EXECUTOR, where, hint=_resource_hint(options["executor"]))
    if is_task:
        return "task"
    if qual == "pipeline" or (method is not None and is_env and method.attr == "pipeline"):
        return "pipeline"
    return None


def task_name(decl: TaskDecl) -> str:
    name = decl.options.get("name")
    return name if isinstance(name, str) and name else decl.function.name.value


def _resource_hint(kind: object) -> str:
    """The help of GLC103: the resource `glacierc migrate` declares for this executor string (one mapping
    for the hint and the fix, so they never disagree)."""
    from glacierc.frontend.executor_strings import executor_spec

    spec = executor_spec(kind, None) if isinstance(kind, str) else "the executor is not a string known statically"
    if isinstance(spec, str):
        return f"{spec}; declare an execution resource (`local_exec = provider.local()`) and decorate with `@local_exec.task()`"
    return f"declare `{spec.declaration(spec.var, 'provider').strip()}` once and decorate with `@{spec.var}.task()`"
