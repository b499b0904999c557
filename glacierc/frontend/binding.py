"""Argument binding, as Python does it: one definition for task calls in a pipeline body (GLC203), plain
helper functions inlined into a pipeline body, and helper functions the static evaluator calls.

`function_params` reads a `def`'s parameters into the IR's `Param`s; `bind_arguments` binds the values of a
call to them and says what Python would refuse; `bind_helper` also fills the defaults a helper leaves unset.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from glacierc.ir.nodes import Param, ParamKind


def function_params(function: cst.FunctionDef,
                    annotation: Callable[[cst.Annotation | None], str | None] = lambda _: None) -> tuple[Param, ...]:
    params = function.params
    result = [Param(p.name.value, annotation(p.annotation), p.default is not None)
              for p in (*params.posonly_params, *params.params)]
    if isinstance(params.star_arg, cst.Param):
        result.append(Param(params.star_arg.name.value, None, False, ParamKind.VAR_POSITIONAL))
    result += [Param(p.name.value, annotation(p.annotation), p.default is not None, ParamKind.KEYWORD_ONLY)
               for p in params.kwonly_params]
    if params.star_kwarg is not None:
        result.append(Param(params.star_kwarg.name.value, None, False, ParamKind.VAR_KEYWORD))
    return tuple(result)


def bind_arguments(params: tuple[Param, ...], args: list[tuple[str | None, object]]) -> tuple[dict, list[str]]:
    """(parameter -> value, problems). Extra positional values go to *args, unknown keywords to **kwargs."""
    bound: dict[str, object] = {}
    keywords: dict[str, object] = {}  # **kwargs, bound under its name at the first unknown keyword
    problems: list[str] = []
    positional = [p for p in params if p.kind == "positional"]
    var_positional = next((p for p in params if p.kind == "var_positional"), None)
    var_keyword = next((p for p in params if p.kind == "var_keyword"), None)
    by_name = {p.name: p for p in params if p.kind in ("positional", "keyword_only")}
    values = [value for keyword, value in args if keyword is None]
    for param, value in zip(positional, values):
        bound[param.name] = value
    extra = values[len(positional):]
    if extra and var_positional is None:
        problems.append(f"takes {len(positional)} positional argument{'s' * (len(positional) != 1)} "
                        f"but {len(values)} were given")
    elif var_positional is not None and extra:
        bound[var_positional.name] = tuple(extra)
    for keyword, value in args:
        if keyword is None:
            continue
        if keyword in bound:
            problems.append(f"got multiple values for argument `{keyword}`")
        elif keyword in by_name:
            bound[keyword] = value
        elif var_keyword is not None:
            bound.setdefault(var_keyword.name, keywords)
            keywords[keyword] = value
        else:
            problems.append(f"got an unexpected keyword argument `{keyword}`")
    missing = [p.name for p in by_name.values() if p.name not in bound and not p.has_default]
    if missing:
        problems.append("missing required argument" + "s" * (len(missing) > 1) + ": "
                        + ", ".join(f"`{m}`" for m in missing))
    return bound, problems


def bind_helper(function: cst.FunctionDef, args: list[tuple[str | None, object]],
                default: Callable[[cst.BaseExpression], object]) -> dict[str, object] | str:
    """A helper's parameters bound to a call's values, with `default(node)` giving each unset parameter's
    default; or why the call cannot be followed statically (a helper taking *args / **kwargs is not)."""
    params = function.params
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
        return "it takes *args or **kwargs"
    bound, problems = bind_arguments(function_params(function), args)
    if problems:
        return problems[0]
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value not in bound and param.default is not None:
            bound[param.name.value] = default(param.default)
    return bound
