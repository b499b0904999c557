"""The top-level modules a Python text imports, read with `ast` (never importing anything).

Shared by the runner backend, which knows which parts of a runner hold code copied from the sources, and the
Terraform backend, whose packages must install what that code imports.
"""

from __future__ import annotations

import ast
import functools

#: The fields of a statement (or except handler, match case) that hold statements.
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


@functools.lru_cache(maxsize=64)
def imported_modules(source: str) -> frozenset[str] | None:
    """The top-level module names `source` imports anywhere (absolute imports only), or None when it does not
    parse. Imports are statements, so only statement bodies are searched, never expressions (most of a tree);
    a text read for several packages is parsed once."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    found: set[str] = set()
    statements: list[ast.AST] = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
        else:
            for body in _BODIES:
                statements.extend(getattr(node, body, ()))
    return frozenset(found)
