"""GLC203: bind the arguments of a task call to the task's parameters, as Python would."""

from __future__ import annotations

from glacierc.ir.nodes import Param


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
