"""The old serverless signature -> the current one.

    provider.serverless("fn", handler="main.run", runtime="python3.11", config=LambdaConfig(memory=512))
    ->  provider.serverless(config=LambdaConfig(memory=512, runtime="python3.11"))

Arguments the config class has (checked with `glacier.config.fields_of` and, for literals,
`check_value`) move into the config; the function name and handler have no counterpart (an
executor is named by its variable, and the tasks bound to it are its entry points) and are
dropped with a report entry. Without `config=`, the provider's cloud picks the class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from glacierc.migrate.catalogue import SERVERLESS_CONFIG, SERVERLESS_IDENTITY_ARGS, field_names, literal_problem
from glacierc.migrate.context import RewriteContext
from glacierc.migrate.cst_edit import bare_arg, call_without_args, code, keyword, plain_arg, with_items_appended
from glacierc.migrate.scan import config_class_of, unbound_config


@dataclass(slots=True)
class _Arguments:
    identity: list[tuple[cst.Arg, str]] = field(default_factory=list)  # (original arg, what it was)
    movable: list[tuple[cst.Arg, cst.Arg]] = field(default_factory=list)  # (original, updated)
    config: tuple[cst.Arg, cst.Arg] | None = None
    problem: str | None = None


def is_old_signature(call: cst.Call) -> bool:
    return any(keyword(arg) != "config" for arg in call.args)


def rewrite_serverless_call(original: cst.Call, updated: cst.Call, ctx: RewriteContext) -> cst.Call:
    func = original.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "serverless" or not is_old_signature(original):
        return updated
    provider = ctx.facts.provider_of(func.value, ctx.resolver)
    if provider is None:
        return updated
    arguments = _sort(original, updated)
    config_class, problem = _config_class(arguments, ctx.facts.cloud_of(provider), ctx)
    problem = arguments.problem or problem
    moved: list[cst.Arg] = []
    if problem is None and config_class is not None:
        moved = _movable(arguments, config_class, ctx)
        if moved and arguments.config is not None and not isinstance(arguments.config[1].value, cst.Call):
            problem = "config= is not written as a call, so the old arguments cannot move into it"
    if problem is not None or config_class is None:
        ctx.note(original, f"not migrated: {problem}")
        return updated
    for arg, what in arguments.identity:
        ctx.note(arg, _IDENTITY_REASON[what].format(code(arg.value)))
    _note_invocations(original, ctx)
    return _config_arg(arguments, config_class, moved, updated, ctx)


_IDENTITY_REASON = {
    "function name": "dropped the function name {} of provider.serverless(...): an executor is named by its variable",
    "function_name": "dropped function_name={} of provider.serverless(...): an executor is named by its variable",
    "name": "dropped name={} of provider.serverless(...): an executor is named by its variable",
    "handler": "dropped handler={} of provider.serverless(...): the tasks bound to the executor are its entry points",
}


def _sort(original: cst.Call, updated: cst.Call) -> _Arguments:
    arguments = _Arguments()
    for index, (before, after) in enumerate(zip(original.args, updated.args, strict=True)):
        name = keyword(before)
        if before.star:
            arguments.problem = "provider.serverless(...) has * or ** arguments"
        elif name is None and index < 2:
            arguments.identity.append((before, ("function name", "handler")[index]))
        elif name is None:
            arguments.problem = "provider.serverless(...) has more than two positional arguments"
        elif name == "config":
            arguments.config = (before, after)
        elif name in SERVERLESS_IDENTITY_ARGS:
            arguments.identity.append((before, name))
        else:
            arguments.movable.append((before, after))
    return arguments


def _config_class(arguments: _Arguments, cloud: str | None, ctx: RewriteContext) -> tuple[str | None, str | None]:
    if arguments.config is not None:
        name = config_class_of(arguments.config[0].value, ctx.facts, ctx.resolver)
        if name is None:
            return None, "config= is not a glacier config the migration can read"
        return name, None
    name = SERVERLESS_CONFIG.get(cloud or "")
    if name is None:
        return None, "the provider's cloud is not known, so the serverless config class is not either"
    return name, ctx.importable(("glacier.config", name))


def _movable(arguments: _Arguments, config_class: str, ctx: RewriteContext) -> list[cst.Arg]:
    """The old arguments the config can carry; the others are reported as dropped."""
    fields = set(field_names(config_class))
    present = set()
    if arguments.config is not None and isinstance(arguments.config[0].value, cst.Call):
        present = {keyword(arg) for arg in arguments.config[0].value.args}
    moved = []
    for before, after in arguments.movable:
        name = keyword(before) or ""
        problem = None
        if name not in fields:
            problem = f"{config_class} has no such field"
        elif name in present:
            problem = f"config= already sets {name}"
        else:
            problem = literal_problem(config_class, name, code(before.value))
        if problem is not None:
            ctx.note(before, f"dropped {name}= of provider.serverless(...): {problem}")
        else:
            moved.append(bare_arg(after))
    return moved


def _config_arg(
    arguments: _Arguments, config_class: str, moved: list[cst.Arg], updated: cst.Call, ctx: RewriteContext
) -> cst.Call:
    """The call with one argument, `config=`, in the place of the old config (or first) argument."""
    if arguments.config is not None:
        original = arguments.config[0].value
        if isinstance(original, cst.Call) and unbound_config(original, ctx.resolver):
            ctx.imports.add(("glacier.config", config_class))  # used but never imported
        slot = arguments.config[1]
        value = slot.value
        if moved and isinstance(value, cst.Call):
            value = value.with_changes(
                args=with_items_appended(value.args, moved, opening=value.whitespace_before_args)
            )
        new = slot.with_changes(value=value)
    else:
        ctx.imports.add(("glacier.config", config_class))
        slot = updated.args[0]
        config = cst.Call(func=cst.Name(config_class), args=with_items_appended([], moved))
        new = plain_arg("config", config).with_changes(comma=slot.comma, whitespace_after_arg=slot.whitespace_after_arg)
    args = [new if arg is slot else arg for arg in updated.args]
    return call_without_args(updated, lambda arg: arg is not new, args)


def _note_invocations(call: cst.Call, ctx: RewriteContext) -> None:
    """Old serverless resources were invoked by tasks; executors are not. Point at such uses."""
    assign = ctx.resolver.parent(call)
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return
    target = assign.targets[0].target
    if not isinstance(target, cst.Name) or not ctx.resolver.is_module_level(ctx.resolver.parent(assign)):
        return
    for name in ctx.resolver.accesses(target.value):
        parent = ctx.resolver.parent(name)
        if not (isinstance(parent, cst.Attribute) and parent.attr.value == "task"):
            ctx.note(name, f"`{target.value}` is now an execution resource, not a function to invoke: "
                     f"bind tasks to it with @{target.value}.task()")
