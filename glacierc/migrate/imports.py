"""Imports after the rewrite: old names go once unused, new names are merged in place.

LibCST's AddImportsVisitor / RemoveImportsVisitor would do this too, but they drop the comments
of a removed import line and add blank lines around new ones. Here every comment and blank line
stays: new names are merged into an existing `from glacier import ...` (in sorted position if it
was sorted), a new line goes next to the other glacier imports, and a removed line hands its
comments to the next statement.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Literal

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, ScopeProvider

from glacierc.migrate.catalogue import OLD_NAMES
from glacierc.migrate.cst_edit import (
    StatementAction,
    parse_statements,
    rebuild_body,
    separator,
    with_items_appended,
    without_items,
)

#: Modules of the old library that no longer exist (`import glacier.providers as gp`).
OLD_MODULES = ("glacier.providers", "glacier.core")

Aliases = list[cst.ImportAlias]


def fix_imports(module: cst.Module, needed: set[tuple[str, str]]) -> cst.Module:
    """Remove unused old-API imports and add `needed` `(module, name)` imports."""
    body = list(module.body)
    found = {index: _single_import(line) for index, line in enumerate(body)}
    imports = {index: statement for index, statement in found.items() if statement is not None}
    candidates = any(_without_old(statement, None) is not None for statement in imports.values())
    unused = _unused_names(module) if candidates else frozenset()
    edited = {index: kept for index, statement in imports.items()
              if (kept := _without_old(statement, unused)) is not None}
    present = {item for statement in imports.values() for item in _imported(statement)}
    # New names are used all over the module: only the imports at its top may receive them.
    leading = {index: statement for index, statement in imports.items() if index < _end_of_header(body)}
    fresh: dict[str, list[str]] = {}
    for module_name, name in sorted(needed - present):
        index = _first_from(leading, module_name)
        if index is None:
            fresh.setdefault(module_name, []).append(name)
        else:
            statement = imports[index]
            assert isinstance(statement, cst.ImportFrom)
            edited[index] = _with_alias(statement, edited.get(index, _aliases(statement)), name)
    if not edited and not fresh:
        return module
    actions = _edit_actions(body, imports, edited)
    for name in sorted(fresh):
        _place(module, body, leading, edited, actions, name, fresh[name])
    new_body, comments = rebuild_body(body, body, actions)
    return module.with_changes(body=new_body, footer=[*comments, *module.footer])


# --- reading ----------------------------------------------------------------------------------


def _single_import(line: cst.BaseStatement) -> cst.Import | cst.ImportFrom | None:
    """The import alone on a top-level line (relative and star imports excluded)."""
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    statement = line.body[0]
    if isinstance(statement, cst.Import):
        return statement
    if not isinstance(statement, cst.ImportFrom) or statement.relative or statement.module is None:
        return None
    return None if isinstance(statement.names, cst.ImportStar) else statement


def _module_name(statement: cst.Import | cst.ImportFrom) -> str:
    if isinstance(statement, cst.Import) or statement.module is None:
        return ""
    return get_full_name_for_node(statement.module) or ""


def _aliases(statement: cst.Import | cst.ImportFrom) -> Aliases:
    names = statement.names
    return [] if isinstance(names, cst.ImportStar) else list(names)


def _alias_name(alias: cst.ImportAlias) -> str:
    return get_full_name_for_node(alias.name) or ""


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _alias_name(alias)


def _is_glacier(module_name: str) -> bool:
    return module_name == "glacier" or module_name.startswith("glacier.")


def _imported(statement: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
    if isinstance(statement, cst.Import):
        return []
    return [(_module_name(statement), _alias_name(a)) for a in _aliases(statement) if a.asname is None]


def _unused_names(module: cst.Module) -> frozenset[str]:
    """Module-level names that nothing reads (after the rewrite)."""
    scope = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)[module]
    assert scope is not None
    return frozenset(a.name for a in scope.assignments if not a.references)


def _without_old(statement: cst.Import | cst.ImportFrom, unused: frozenset[str] | None) -> Aliases | None:
    """The aliases left once unused old-API names are gone; None when nothing goes.

    `unused=None` asks whether any alias is an old-API name at all (used or not).
    """

    def old(alias: cst.ImportAlias) -> bool:
        if unused is not None and _bound_name(alias) not in unused:
            return False
        if isinstance(statement, cst.Import):
            return _alias_name(alias).startswith(OLD_MODULES)
        return _is_glacier(_module_name(statement)) and _alias_name(alias) in OLD_NAMES

    aliases = _aliases(statement)
    if not any(old(alias) for alias in aliases):
        return None
    return without_items(aliases, old)[0]


def _end_of_header(body: Sequence[cst.BaseStatement]) -> int:
    """Index of the first statement that is neither an import nor the module docstring."""
    for index, line in enumerate(body):
        if not (_is_import(line) or (index == 0 and _is_docstring(line))):
            return index
    return len(body)


def _first_from(imports: dict[int, cst.Import | cst.ImportFrom], module_name: str) -> int | None:
    for index, statement in sorted(imports.items()):
        if isinstance(statement, cst.ImportFrom) and _module_name(statement) == module_name:
            return index
    return None


# --- writing ----------------------------------------------------------------------------------


def sort_key(name: str) -> tuple[int, str]:
    """isort / ruff order: CONSTANTS, then Classes, then functions; case-insensitive within."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _with_alias(statement: cst.ImportFrom, aliases: Aliases, name: str) -> Aliases:
    """`aliases` plus `name`: in sorted position if the names were sorted, else last."""
    alias = cst.ImportAlias(name=cst.Name(name))
    opening = statement.lpar.whitespace_after if statement.lpar is not None else None
    keys = [sort_key(_alias_name(a)) for a in aliases]
    index = bisect.bisect(keys, sort_key(name)) if keys == sorted(keys) else len(keys)
    if index >= len(aliases):
        return with_items_appended(aliases, [alias], opening)
    return [*aliases[:index], alias.with_changes(comma=separator(aliases, opening)), *aliases[index:]]


def _edit_actions(
    body: Sequence[cst.BaseStatement], imports: dict[int, cst.Import | cst.ImportFrom], edited: dict[int, Aliases]
) -> dict[cst.BaseStatement, StatementAction]:
    actions: dict[cst.BaseStatement, StatementAction] = {}
    for index, aliases in edited.items():
        line = body[index]
        assert isinstance(line, cst.SimpleStatementLine)
        if aliases:
            statement = imports[index].with_changes(names=aliases)
            actions[line] = StatementAction(rewrite=_returning(line.with_changes(body=[statement])))
        else:
            actions[line] = StatementAction(replace=())
    return actions


def _place(
    module: cst.Module,
    body: Sequence[cst.BaseStatement],
    imports: dict[int, cst.Import | cst.ImportFrom],
    edited: dict[int, Aliases],
    actions: dict[cst.BaseStatement, StatementAction],
    name: str,
    names: list[str],
) -> None:
    """A new `from name import ...` line: among the glacier imports, in module order."""
    new = parse_statements(_import_line(name, names), module)
    glacier = [(i, _module_name(s)) for i, s in sorted(imports.items()) if _is_glacier(_module_name(s))]
    kept = [(i, other) for i, other in glacier if edited.get(i, True)]
    later = [i for i, other in kept if other > name]
    emptied = [i for i, _ in glacier if i in edited and not edited[i]]
    if later:
        anchor, action = body[later[0]], StatementAction(before=new)
    elif kept:
        anchor, action = body[kept[-1][0]], StatementAction(after=new)
    elif emptied:  # the old import line becomes the new one, comments and all
        line = body[emptied[0]]
        assert isinstance(line, cst.SimpleStatementLine)
        anchor, action = line, StatementAction(rewrite=_returning(*new, like=line))
        edited[emptied[0]] = [cst.ImportAlias(name=cst.Name(names[0]))]
        imports[emptied[0]] = cst.ImportFrom(module=_dotted(name), names=edited[emptied[0]])
    else:
        anchor, where = _fallback_anchor(body)
        action = StatementAction(before=new) if where == "before" else StatementAction(after=new)
    previous = actions.get(anchor)
    actions[anchor] = action if previous is None else previous.merged(action)


def _dotted(module_name: str) -> cst.Attribute | cst.Name:
    expression = cst.parse_expression(module_name)
    assert isinstance(expression, cst.Attribute | cst.Name), module_name  # a module's name is dotted
    return expression


def _import_line(module_name: str, names: list[str], width: int = 99) -> str:
    """`from m import a, b`, or one name per line in parentheses when longer than `width`."""
    ordered = sorted(names, key=sort_key)
    line = f"from {module_name} import {', '.join(ordered)}\n"
    if len(line) <= width + 1:
        return line
    return f"from {module_name} import (\n" + "".join(f"    {name},\n" for name in ordered) + ")\n"


def _returning(*statements: cst.BaseStatement, like: cst.SimpleStatementLine | None = None):
    """A statement rewrite yielding `statements`; the first keeps the trailing comment of `like`."""

    def rewrite(_: cst.BaseStatement) -> Sequence[cst.BaseStatement]:
        out = list(statements)
        if like is not None and isinstance(out[0], cst.SimpleStatementLine):
            out[0] = out[0].with_changes(trailing_whitespace=like.trailing_whitespace)
        return out

    return rewrite


def _fallback_anchor(body: Sequence[cst.BaseStatement]) -> tuple[cst.BaseStatement, Literal["before", "after"]]:
    """No glacier import at the top: after its last import, else after the docstring, else first."""
    imports = [line for line in body[: _end_of_header(body)] if _is_import(line)]
    if imports:
        return imports[-1], "after"
    if body and _is_docstring(body[0]):
        return body[0], "after"
    return body[0], "before"


def _is_import(line: cst.BaseStatement) -> bool:
    return isinstance(line, cst.SimpleStatementLine) and any(
        isinstance(small, cst.Import | cst.ImportFrom) for small in line.body
    )


def _is_docstring(line: cst.BaseStatement) -> bool:
    return (
        isinstance(line, cst.SimpleStatementLine)
        and isinstance(line.body[0], cst.Expr)
        and isinstance(line.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )
