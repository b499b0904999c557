"""`AWSProvider(region=...)` and friends -> `Provider(config=AwsConfig(region=...))`.

Arguments the new config class has are kept as written (comments and line breaks included);
the others are dropped and reported. `AWSProvider(config=AwsConfig(...))`, a spelling some old
documents used, only loses the class name.
"""

from __future__ import annotations

import libcst as cst

from glacierc.migrate.catalogue import OLD_PROVIDERS, field_names, required_fields
from glacierc.migrate.context import RewriteContext
from glacierc.migrate.cst_edit import call_without_args, keyword, plain_arg


def rewrite_provider_call(original: cst.Call, updated: cst.Call, ctx: RewriteContext) -> cst.Call:
    old = ctx.resolver.glacier_object(original.func)
    if old not in OLD_PROVIDERS:
        return updated
    config = OLD_PROVIDERS[old]
    has_config = any(keyword(arg) == "config" for arg in original.args)
    needed = [("glacier", "Provider")] + ([] if has_config else [("glacier.config", config)])
    problem = _arguments_problem(original, old) or ctx.importable(*needed)
    if problem is not None:
        ctx.note(original, f"not migrated: {problem}")
        return updated
    ctx.imports.update(needed)
    if has_config:
        return _config_kept(original, updated, old, ctx)
    return _config_built(original, updated, old, config, ctx)


def _arguments_problem(call: cst.Call, old: str) -> str | None:
    if any(arg.star or arg.keyword is None for arg in call.args):
        return f"{old}(...) has positional or * arguments whose meaning is not known"
    return None


def _config_kept(original: cst.Call, updated: cst.Call, old: str, ctx: RewriteContext) -> cst.Call:
    """`AWSProvider(config=cfg, ...)` -> `Provider(config=cfg)`."""
    for arg in original.args:
        if keyword(arg) != "config":
            ctx.note(arg, f"dropped {keyword(arg)}= of {old}(...): Provider(config=...) takes only the config")
    return call_without_args(updated.with_changes(func=cst.Name("Provider")), lambda arg: keyword(arg) != "config")


def _config_built(
    original: cst.Call, updated: cst.Call, old: str, config: str, ctx: RewriteContext
) -> cst.Call:
    """`AWSProvider(region=...)` -> `Provider(config=AwsConfig(region=...))`."""
    fields = set(field_names(config))
    for arg in original.args:
        if keyword(arg) not in fields:
            ctx.note(arg, f"dropped {keyword(arg)}= of {old}(...): {config} has no such field")
    given = {keyword(arg) for arg in original.args}
    for name in required_fields(config):
        if name not in given:
            ctx.note(original, f"{config} needs {name}=, which {old}(...) did not give; add it by hand")
    inner = call_without_args(
        cst.Call(func=cst.Name(config), args=updated.args, whitespace_before_args=updated.whitespace_before_args),
        lambda arg: keyword(arg) not in fields,
    )
    return updated.with_changes(
        func=cst.Name("Provider"),
        args=[plain_arg("config", inner)],
        whitespace_before_args=cst.SimpleWhitespace(""),
    )
