"""Imports after the rewrite: old names go once unused, new names are merged in place.

LibCST's AddImportsVisitor / RemoveImportsVisitor would do this too, but they drop the comments
of a removed import line and add blank lines around new ones; the rules here keep every comment
and blank line: names are merged into an existing `from glacier import ...` (sorted if it was),
and a new line takes the place of the old `from glacier.providers import ...` it replaces.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

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

def fix_imports(module: cst.Module, needed: set[tuple[str, str]]) -> cst.Module:
    unused = _unused_names(module)
    lines = {index: line for index, line in enumerate(module.body) if _import_from(line) is not None}
    removals = {index: _removable(_import_from(line), unused) for index, line in lines.items()}
    removals = {index: names for index, names in removals.items() if names}
    present = {(module_name, name) for line in lines.values() for module_name, name in _imported(line)}
    missing = sorted(needed - present)
    if not removals and not missing:
        return module
    edited: dict[int, list[cst.ImportAlias]] = {}
    for index, names in removals.items():
        statement = _import_from(lines[index])
        assert statement is not None and not isinstance(statement.names, cst.ImportStar)
        edited[index] = without_items(statement.names, lambda alias: _alias_name(alias) in names)
    fresh: dict[str, list[str]] = {}
    for module_name, name in missing:
        index = _first_from(lines, module_name)
        if index is None:
            fresh.setdefault(module_name, []).append(name)
            continue
        statement = _import_from(lines[index])
        assert statement is not None and not isinstance(statement.names, cst.ImportStar)
        edited[index] = _with_alias(statement, edited.get(index, list(statement.names)), name)
    return _apply(module, lines, edited, fresh)


def _import_from(line: cst.BaseStatement) -> cst.ImportFrom | None:
    """The `from a import b` alone on a top-level line (relative and star imports excluded)."""
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    statement = line.body[0]
    if not isinstance(statement, cst.ImportFrom) or statement.relative or statement.module is None:
        return None
    return None if isinstance(statement.names, cst.ImportStar) else statement


def _module_name(statement: cst.ImportFrom) -> str:
    assert statement.module is not None
    return get_full_name_for_node(statement.module) or ""


def _alias_name(alias: cst.ImportAlias) -> str:
    return get_full_name_for_node(alias.name) or ""


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _alias_name(alias)


def _imported(line: cst.BaseStatement) -> list[tuple[str, str]]:
    statement = _import_from(line)
    if statement is None:
        return []
    assert not isinstance(statement.names, cst.ImportStar)
    return [(_module_name(statement), _alias_name(a)) for a in statement.names if a.asname is None]


def _unused_names(module: cst.Module) -> frozenset[str]:
    """Module-level names that nothing reads (after the rewrite)."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scope = wrapper.resolve(ScopeProvider)[module]
    assert scope is not None
    return frozenset(a.name for a in scope.assignments if not a.references)


def _removable(statement: cst.ImportFrom | None, unused: frozenset[str]) -> set[str]:
    """Old-API names imported by `statement` that nothing uses any more."""
    if statement is None or isinstance(statement.names, cst.ImportStar):
        return set()
    module_name = _module_name(statement)
    if module_name != "glacier" and not module_name.startswith("glacier."):
        return set()
    return {
        _alias_name(alias)
        for alias in statement.names
        if _alias_name(alias) in OLD_NAMES and _bound_name(alias) in unused
    }


def _first_from(lines: dict[int, cst.BaseStatement], module_name: str) -> int | None:
    for index, line in sorted(lines.items()):
        statement = _import_from(line)
        if statement is not None and _module_name(statement) == module_name:
            return index
    return None


def sort_key(name: str) -> tuple[int, str]:
    """isort / ruff order: CONSTANTS, then Classes, then functions; case-insensitive within."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _with_alias(statement: cst.ImportFrom, aliases: list[cst.ImportAlias], name: str) -> list[cst.ImportAlias]:
    """`aliases` plus `name`: in sorted position if the names were sorted, else last."""
    alias = cst.ImportAlias(name=cst.Name(name))
    opening = statement.lpar.whitespace_after if statement.lpar is not None else None
    keys = [sort_key(_alias_name(a)) for a in aliases]
    index = bisect.bisect(keys, sort_key(name)) if keys == sorted(keys) else len(keys)
    if index >= len(aliases):
        return with_items_appended(aliases, [alias], opening)
    return [*aliases[:index], alias.with_changes(comma=separator(aliases, opening)), *aliases[index:]]


def _apply(
    module: cst.Module,
    lines: dict[int, cst.BaseStatement],
    edited: dict[int, list[cst.ImportAlias]],
    fresh: dict[str, list[str]],
) -> cst.Module:
    body = list(module.body)
    actions: dict[cst.BaseStatement, StatementAction] = {}
    emptied = [index for index, aliases in sorted(edited.items()) if not aliases]
    for index, aliases in edited.items():
        line = body[index]
        assert isinstance(line, cst.SimpleStatementLine)
        if aliases:
            statement = line.body[0].with_changes(names=aliases)
            actions[line] = StatementAction(rewrite=_replacement(line.with_changes(body=[statement])))
        else:
            actions[line] = StatementAction(replace=())
    kept = [(i, _module_name(_import_from(body[i]) or _NONE)) for i in sorted(lines) if i not in emptied]
    kept = [(i, name) for i, name in kept if name == "glacier" or name.startswith("glacier.")]
    for name in sorted(fresh):
        new = parse_statements(f"from {name} import {', '.join(sorted(fresh[name], key=sort_key))}\n", module)
        later = [i for i, other in kept if other > name]
        if later:
            anchor, action = body[later[0]], StatementAction(before=new)
        elif kept:
            anchor, action = body[kept[-1][0]], StatementAction(after=new)
        elif emptied:
            line = body[emptied[0]]
            assert isinstance(line, cst.SimpleStatementLine)
            anchor, action = line, StatementAction(rewrite=_replacement(*new, like=line), after=())
            emptied_new = [i for i in emptied[1:]]
            kept, emptied = [(emptied[0], name)], emptied_new
        else:
            anchor, where = _anchor(body, lines)
            action = StatementAction(**{where: new})
        previous = actions.get(anchor)
        actions[anchor] = action if previous is None else previous.merged(action)
    new_body, comments = rebuild_body(body, body, actions)
    return module.with_changes(body=new_body, footer=[*comments, *module.footer])


def _replacement(*statements: cst.BaseStatement, like: cst.SimpleStatementLine | None = None):
    """A rewrite returning `statements`; the first keeps the trailing comment of `like`."""

    def rewrite(_: cst.BaseStatement) -> Sequence[cst.BaseStatement]:
        out = list(statements)
        if like is not None and isinstance(out[0], cst.SimpleStatementLine):
            out[0] = out[0].with_changes(trailing_whitespace=like.trailing_whitespace)
        return out

    return rewrite


def _anchor(body: list[cst.BaseStatement], lines: dict[int, cst.BaseStatement]) -> tuple[cst.BaseStatement, str]:
    """New import lines go after the last glacier import, else after the last import, else first."""
    glacier = [i for i, line in lines.items() if _module_name(_import_from(line) or _NONE).startswith("glacier")]
    imports = [i for i, line in enumerate(body) if _is_import(line)]
    for candidates in (glacier, imports):
        if candidates:
            return body[max(candidates)], "after"
    if body and _is_docstring(body[0]):
        return body[0], "after"
    return body[0], "before"


_NONE = cst.ImportFrom(module=cst.Name("_"), names=[cst.ImportAlias(name=cst.Name("_"))])


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
