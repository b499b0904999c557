"""List and dict comprehensions (and generator expressions) over values known statically, e.g.

    inputs = {region: provider.bucket(bucket="raw", path=f"{region}.csv") for region in REGIONS}

Every `for` clause must iterate a known list, tuple, string or dict (its keys), and every `if` clause must be
known; the comprehension's variables are visible only inside it. Anything else is `Unknown`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from glacierc.frontend.values import Unknown, Where, has_known_truth, is_hashable_constant

if TYPE_CHECKING:
    from glacierc.frontend.evaluate import Evaluator, Scope

MAX_ITEMS = 10_000  # values one comprehension may produce


def evaluate(ev: Evaluator, node: cst.ListComp | cst.DictComp | cst.GeneratorExp, scope: Scope) -> object:
    scopes = _scopes(ev, node.for_in, scope, node)
    if isinstance(scopes, Unknown):
        return scopes
    if isinstance(node, cst.DictComp):
        result = {}
        for inner in scopes:
            key = ev.eval(node.key, inner)
            if not is_hashable_constant(key):
                return Unknown("a dict comprehension's key is not known statically",
                               Where(scope.module, scope.index, node))
            result[key] = ev.eval(node.value, inner)
        return result
    values = [ev.eval(node.elt, inner) for inner in scopes]
    return values if isinstance(node, cst.ListComp) else tuple(values)


def _scopes(ev: Evaluator, clause: cst.CompFor, scope: Scope, node: cst.CSTNode) -> list[Scope] | Unknown:
    """One scope per combination of the clauses' values that passes their `if`s."""
    from glacierc.frontend.evaluate import Scope

    where = Where(scope.module, scope.index, node)
    items = ev.eval(clause.iter, scope)
    if isinstance(items, dict):
        items = list(items)
    if not isinstance(items, (list, tuple, str)) or clause.asynchronous:
        return Unknown("a comprehension over a value not known statically", where)
    scopes: list[Scope] = []
    for item in items:
        bound = _bind(clause.target, item)
        if bound is None:
            return Unknown("a comprehension's target does not match the items it takes", where)
        inner = Scope(scope.module, scope.index, {**(scope.locals or {}), **bound}, scope.depth)
        tests = [ev.eval(condition.test, inner) for condition in clause.ifs]
        if not all(has_known_truth(test) for test in tests):
            return Unknown("a comprehension's `if` is not known statically", where)
        if not all(tests):
            continue
        nested = _scopes(ev, clause.inner_for_in, inner, node) if clause.inner_for_in else [inner]
        if isinstance(nested, Unknown):
            return nested
        scopes += nested
        if len(scopes) > MAX_ITEMS:
            return Unknown(f"a comprehension of more than {MAX_ITEMS:,} values", where)
    return scopes




def _bind(target: cst.BaseExpression, value: object) -> dict[str, object] | None:
    if isinstance(target, cst.Name):
        return {target.value: value}
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (tuple, list)) \
            and len(value) == len(target.elements):
        bound: dict[str, object] = {}
        for element, item in zip(target.elements, value):
            inner = _bind(element.value, item)
            if inner is None:
                return None
            bound.update(inner)
        return bound
    return None
