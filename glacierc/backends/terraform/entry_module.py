"""Entry modules of cloud packages, laid out in Python (no template): the fixed module of
glacierc/entrypoints/ — its docstring and imports, then this package's tables and entry functions, then
the rest of the module verbatim (see glacierc/entrypoints/__init__.py).

Every generated value goes through an escaper of glacierc/backends/escaping.py: tables are Python
literals (`py_literal`), entry names checked identifiers, the comment line `comment_text`.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import glacierc.entrypoints as entrypoints
from glacierc.backends.escaping import comment_text, identifier, py_literal

ENTRYPOINTS_DIR = Path(entrypoints.__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Fixed:
    """One module of glacierc/entrypoints/, cut where the generated part goes."""

    docstring: str  # the docstring statement as written
    imports: str  # the import lines, `TYPE_CHECKING` left out
    comments: Mapping[str, str]  # table name -> the `#:` comment declared above it
    body: str  # everything after the header, ending with a newline


@functools.cache
def fixed(module: str) -> Fixed:
    path = ENTRYPOINTS_DIR / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    lines = source.split("\n")
    tree = ast.parse(source, str(path))
    docstring, end = "", 0
    imports: list[str] = []
    comments: dict[str, str] = {}
    for statement in tree.body:
        text = "\n".join(lines[statement.lineno - 1:statement.end_lineno])
        if isinstance(statement, ast.Expr) and not docstring and not imports:
            docstring = text
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            if not (isinstance(statement, ast.ImportFrom) and statement.module == "typing"):
                imports.append(text)
        elif isinstance(statement, ast.If) and getattr(statement.test, "id", "") == "TYPE_CHECKING":
            comments.update(_declared(statement, lines))
        else:
            break
        end = statement.end_lineno or end
    body = "\n".join(lines[end:]).lstrip("\n")
    return Fixed(docstring, "\n".join(imports), comments, body)


def _declared(block: ast.If, lines: list[str]) -> dict[str, str]:
    """`NAME: type` declarations of the `TYPE_CHECKING` block, with the comment line above each."""
    found: dict[str, str] = {}
    for statement in block.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            found[statement.target.id] = lines[statement.lineno - 2].strip()
    return found


def flat_table(table: Mapping[object, object]) -> str:
    """`{key: value}` as a Python literal, one entry per line."""
    return "\n".join(["{", *(f"    {py_literal(key)}: {py_literal(value)}," for key, value in table.items()), "}"])


def nested_table(table: Mapping[object, Mapping[str, object]]) -> str:
    """`{outer: {inner: value}}` as a Python literal, one entry per line (the tables of entry modules)."""
    lines = ["{"]
    for outer, inner in table.items():
        lines.append(f"    {py_literal(outer)}: {{")
        lines += [f"        {py_literal(key)}: {py_literal(value)}," for key, value in inner.items()]
        lines.append("    },")
    return "\n".join([*lines, "}"])


def entry_function(name: str, params: str, call: str, task: str) -> str:
    """`def name(params):` returning `call(task, <first parameter>)`: an entry point running one task."""
    return f"def {identifier(name)}({params}):\n    return {identifier(call)}({py_literal(task)}, {params.split(',')[0]})\n"


def entry_module(module: str, comment: str, tables: Mapping[str, str], before: Sequence[str] = (),
                 after: Sequence[str] = ()) -> str:
    """The entry module of a package: its docstring, the `# comment` line, its imports, `tables` (each
    declared table with its literal, see `flat_table` / `nested_table`), the functions `before` (built with
    `entry_function`, or from escaped parts), the rest of the module, then the functions `after` (those
    that use what the module defines, e.g. decorated with its app object)."""
    layout = fixed(module)
    parts = [layout.docstring, f"# {comment_text(comment)}", "", layout.imports, ""]
    for name, literal in tables.items():
        parts += [layout.comments[name], f"{name} = {literal}", ""]
    text = "\n".join(parts).rstrip("\n") + "\n"
    text += "".join(f"\n\n{function}" for function in before)
    gap = "\n\n" if layout.body.startswith(("def ", "class ", "@", "async def ")) else "\n"  # PEP 8's blank lines
    return text + gap + layout.body + "".join(f"\n\n{function}" for function in after)
