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

from glacierc.frontend.binding import bind_helper
from glacierc.frontend.values import FunctionRef, Unknown, Where, has_known_truth

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
    bound = bind_helper(function, [*((None, a) for a in args), *kwargs.items()],
                        lambda default: ev.eval(default, scope))
    return Unknown(f"helper `{function.name.value}`: {bound}") if isinstance(bound, str) else bound


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
    if isinstance(test, Unknown) or not has_known_truth(test):
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
