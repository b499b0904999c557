"""Evaluate a call to a small helper function under static conditions, e.g.

    def create_provider():
        cloud = os.getenv("GLACIER_CLOUD", "local")
        if cloud == "aws":
            return Provider(config=AwsConfig(region="us-east-1"))
        return Provider(config=LocalConfig(base_path="./data"))

Only assignments to names, `if`/`elif`/`else` on known conditions, `return` and docstrings are followed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from glacierc.frontend.values import FunctionRef, Unknown, Where

if TYPE_CHECKING:
    from glacierc.frontend.evaluate import Evaluator

_NO_RETURN = object()


def call_function(ev: Evaluator, ref: FunctionRef, args: list, kwargs: dict, where: Where, depth: int) -> object:
    from glacierc.frontend.evaluate import Scope

    function = ref.function
    local: dict[str, object] = {}
    scope = Scope(ref.module, ref.where.index, local, depth)
    bound = _bind(ev, function, args, kwargs, scope)
    if isinstance(bound, Unknown):
        return Unknown(bound.reason, where)
    local.update(bound)
    result = _block(ev, function.body, scope)
    if isinstance(result, Unknown) and result.where is None:
        return Unknown(result.reason, where)
    return None if result is _NO_RETURN else result


def _bind(ev: Evaluator, function: cst.FunctionDef, args: list, kwargs: dict, scope) -> dict | Unknown:
    params = function.params
    positional = [*params.posonly_params, *params.params]
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
        return Unknown(f"helper `{function.name.value}` takes *args/**kwargs")
    if len(args) > len(positional):
        return Unknown(f"too many arguments for helper `{function.name.value}`")
    bound: dict[str, object] = {}
    for param, value in zip(positional, args):
        bound[param.name.value] = value
    for param in (*positional, *params.kwonly_params):
        name = param.name.value
        if name in kwargs:
            bound[name] = kwargs[name]
        elif name not in bound:
            if param.default is None:
                return Unknown(f"argument `{name}` of helper `{function.name.value}` is missing")
            bound[name] = ev.eval(param.default, scope)
    return bound


def _block(ev: Evaluator, block: cst.BaseSuite, scope) -> object:
    statements = block.body if isinstance(block, cst.IndentedBlock) else [block]
    for statement in statements:
        result = _statement(ev, statement, scope)
        if result is not _NO_RETURN:
            return result
    return _NO_RETURN


def _statement(ev: Evaluator, statement: cst.CSTNode, scope) -> object:
    if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        for small in statement.body:
            result = _small(ev, small, scope)
            if result is not _NO_RETURN:
                return result
        return _NO_RETURN
    if isinstance(statement, cst.If):
        return _if(ev, statement, scope)
    return Unknown(f"a `{type(statement).__name__}` statement in a helper function is not followed",
                   Where(scope.module, scope.index, statement))


def _if(ev: Evaluator, statement: cst.If, scope) -> object:
    test = ev.eval(statement.test, scope)
    if isinstance(test, Unknown) or not isinstance(test, (str, int, float, bool, type(None), tuple, list)):
        reason = test.reason if isinstance(test, Unknown) else "the condition is not a constant"
        return Unknown(f"the condition cannot be decided statically: {reason}",
                       Where(scope.module, scope.index, statement.test))
    if test:
        return _block(ev, statement.body, scope)
    orelse = statement.orelse
    if isinstance(orelse, cst.If):
        return _if(ev, orelse, scope)
    if isinstance(orelse, cst.Else):
        return _block(ev, orelse.body, scope)
    return _NO_RETURN


def _small(ev: Evaluator, small: cst.BaseSmallStatement, scope) -> object:
    if isinstance(small, cst.Return):
        return ev.eval(small.value, scope) if small.value is not None else None
    names = [t.target.value for t in small.targets if isinstance(t.target, cst.Name)] \
        if isinstance(small, cst.Assign) else []
    if isinstance(small, cst.Assign) and len(names) == len(small.targets):
        value = ev.eval(small.value, scope)
        for name in names:
            scope.locals[name] = value
        return _NO_RETURN
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
        scope.locals[small.target.value] = ev.eval(small.value, scope)
        return _NO_RETURN
    if isinstance(small, (cst.Pass, cst.Expr)):
        return _NO_RETURN
    return Unknown(f"a `{type(small).__name__}` statement in a helper function is not followed",
                   Where(scope.module, scope.index, small))
