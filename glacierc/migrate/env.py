"""Rewrites that retire `GlacierEnv`: decorators, registry look-ups and the environment itself.

    env = GlacierEnv(provider=provider)      ->  (gone; executors are declared in its place)
    env.register("raw", provider.bucket(..)) ->  raw = provider.bucket(..)
    @env.task(executor="lambda", retries=2)  ->  @lambda_exec.task(retries=2)
    @env.pipeline(name="etl")                ->  @pipeline(name="etl")
    env.get("raw")                           ->  raw
    env.provider                             ->  provider

`plan.py` decides which of these apply; the functions here only build the new nodes from the
already transformed ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from glacierc.migrate.cst_edit import call_without_args, keyword, reindented
from glacierc.migrate.scan import EnvFact

StatementRewrite = Callable[[cst.BaseStatement], Sequence[cst.BaseStatement]]


def rewrite_decorator(decorator: cst.Decorator, target: str, keep: frozenset[str]) -> cst.Decorator:
    """`@env.task(...)` -> `@target.task(...)`; `@env.pipeline(...)` -> `@pipeline(...)`."""
    func: cst.BaseExpression
    if target == "pipeline":
        func = cst.Name("pipeline")
    else:
        func = cst.Attribute(value=cst.Name(target), attr=cst.Name("task"))
    expression = decorator.decorator
    if isinstance(expression, cst.Call):
        new: cst.BaseExpression = call_without_args(
            expression.with_changes(func=func), lambda arg: keyword(arg) not in keep
        )
    elif target == "pipeline":
        new = func
    else:
        new = cst.Call(func=func)
    return decorator.with_changes(decorator=new)


def name_like(node: cst.BaseExpression, name: str) -> cst.Name:
    """`name`, keeping any parentheses that wrapped the replaced expression."""
    return cst.Name(name, lpar=node.lpar, rpar=node.rpar)


def register_rewrite(var: str, dedent: int, module: cst.Module) -> StatementRewrite:
    """`env.register("key", value)` -> `var = value` on the same line."""

    def rewrite(statement: cst.BaseStatement) -> Sequence[cst.BaseStatement]:
        assert isinstance(statement, cst.SimpleStatementLine)
        expression = statement.body[0]
        assert isinstance(expression, cst.Expr) and isinstance(expression.value, cst.Call)
        value = reindented(expression.value.args[1].value, dedent, module)
        return [statement.with_changes(body=[_assign(var, value)])]

    return rewrite


def env_statement_rewrite(
    env: EnvFact, resources: tuple[tuple[str, int, int], ...], module: cst.Module
) -> StatementRewrite:
    """`env = GlacierEnv(...)` -> nothing, or the variables it held: an inline provider, resources."""

    def rewrite(statement: cst.BaseStatement) -> Sequence[cst.BaseStatement]:
        assert isinstance(statement, cst.SimpleStatementLine)
        small = statement.body[0]
        call = small.value if isinstance(small, cst.Assign | cst.AnnAssign) else None
        assert isinstance(call, cst.Call)
        out: list[cst.SimpleStatementLine] = []
        if env.provider_expr is not None and env.provider is not None:
            out.append(cst.SimpleStatementLine([_assign(env.provider, _provider_value(call))]))
        entries = _resources_value(call)
        for key, index, dedent in resources:
            value = reindented(entries.elements[index].value, dedent, module)
            out.append(cst.SimpleStatementLine([_assign(key, value)]))
        if out:
            out[0] = out[0].with_changes(trailing_whitespace=statement.trailing_whitespace)
        return out

    return rewrite


def _assign(var: str, value: cst.BaseExpression) -> cst.Assign:
    return cst.Assign(targets=[cst.AssignTarget(cst.Name(var))], value=value)


def _provider_value(call: cst.Call) -> cst.BaseExpression:
    for index, arg in enumerate(call.args):
        if keyword(arg) == "provider" or (index == 0 and keyword(arg) is None):
            return arg.value
    raise AssertionError("planned environment without provider")


def _resources_value(call: cst.Call) -> cst.Dict:
    for arg in call.args:
        if keyword(arg) == "resources" and isinstance(arg.value, cst.Dict):
            return arg.value
    return cst.Dict([])
