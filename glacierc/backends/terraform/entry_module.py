"""Entry modules of cloud packages, laid out in Python (no template): the fixed module of
glacierc/entrypoints/ — its docstring and imports, then this package's tables and entry functions, then
the rest of the module verbatim (see glacierc/entrypoints/__init__.py). A module the fixed one imports from
under `TYPE_CHECKING` (glacierc/entrypoints/serverless.py) is shared: its code follows the fixed module's,
its imports merged with the fixed module's, so every package carries it inside its entry module.

Every generated value goes through an escaper of glacierc/backends/escaping.py: tables are Python
literals (`py_literal`), entry names checked identifiers, the comment line `comment_text`.
"""

from __future__ import annotations

import ast
import functools
import sys
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
    shared: tuple[str, ...] = ()  # the modules of glacierc/entrypoints/ it imports from under `TYPE_CHECKING`
    title: str = ""  # the docstring's first line


@functools.cache
def fixed(module: str) -> Fixed:
    return read_fixed(ENTRYPOINTS_DIR / f"{module}.py")


def read_fixed(path: Path) -> Fixed:
    source = path.read_text(encoding="utf-8")
    lines = source.split("\n")
    tree = ast.parse(source, str(path))
    docstring, end = "", 0
    imports: list[str] = []
    comments: dict[str, str] = {}
    shared: list[str] = []
    for statement in tree.body:
        text = "\n".join(lines[statement.lineno - 1:statement.end_lineno])
        if isinstance(statement, ast.Expr) and not docstring and not imports:
            docstring = text
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            if not (isinstance(statement, ast.ImportFrom) and statement.module == "typing"):
                imports.append(text)
        elif isinstance(statement, ast.If) and getattr(statement.test, "id", "") == "TYPE_CHECKING":
            comments.update(_declared(statement, lines))
            shared += _shared(statement)
        else:
            break
        end = statement.end_lineno or end
    body = "\n".join(lines[end:]).lstrip("\n")
    title = (ast.get_docstring(tree) or "").partition("\n")[0]
    return Fixed(docstring, "\n".join(imports), comments, body, tuple(shared), title)


def _declared(block: ast.If, lines: list[str]) -> dict[str, str]:
    """`NAME: type` declarations of the `TYPE_CHECKING` block, with the comment line above each."""
    found: dict[str, str] = {}
    for statement in block.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            found[statement.target.id] = lines[statement.lineno - 2].strip()
    return found


def _shared(block: ast.If) -> list[str]:
    """The modules of glacierc/entrypoints/ the `TYPE_CHECKING` block imports names from."""
    package = f"{entrypoints.__name__}."
    modules = [s.module or "" for s in block.body if isinstance(s, ast.ImportFrom)]
    return [module.removeprefix(package) for module in modules if module.startswith(package)]


@functools.cache
def laid_out_module(module: str) -> tuple[str, str]:
    return laid_out(fixed(module))


def laid_out(layout: Fixed) -> tuple[str, str]:
    """(the import lines, the code) of a fixed module followed by the modules it shares: standard library
    imports sorted, then the others in the fixed module's order; each shared module's code after a `#` line
    naming it. A name bound by two of them is refused (a glacierc bug: the later one would win)."""
    parts = [layout, *(_shared_layout(name) for name in layout.shared)]
    imports = list(dict.fromkeys(line for part in parts for line in _statements(part.imports)))
    standard = sorted(line for line in imports if line.split()[1].split(".")[0] in sys.stdlib_module_names)
    body = layout.body + "".join(f"\n\n# {comment_text(_header(name, part))}\n\n{part.body}"
                                 for name, part in zip(layout.shared, parts[1:]))
    _refuse_clashes(parts)
    return "\n".join([*standard, *(line for line in imports if line not in standard)]), body


def _header(name: str, part: Fixed) -> str:
    return f"{part.title.rstrip('.')} (glacierc/entrypoints/{name}.py)."


def _shared_layout(name: str) -> Fixed:
    layout = fixed(name)
    if layout.shared or layout.comments:
        raise ValueError(f"glacierc/entrypoints/{name}.py is shared: it declares no table and shares nothing")
    return layout


def _statements(imports: str) -> list[str]:
    """The import statements of a header, each as written (one may span lines)."""
    lines = imports.split("\n")
    return ["\n".join(lines[s.lineno - 1:s.end_lineno]) for s in ast.parse(imports).body]


def _refuse_clashes(parts: list[Fixed]) -> None:
    seen: set[str] = set()
    for part in parts:
        bound = _bound(part.body)
        if seen & bound:
            raise ValueError(f"entry module names bound twice: {', '.join(sorted(seen & bound))}")
        seen |= bound


def _bound(body: str) -> set[str]:
    names: set[str] = set()
    for statement in ast.parse(body).body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


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
    `entry_function`, or from escaped parts), the rest of the module and the code it shares, then the
    functions `after` (those that use what the module defines, e.g. decorated with its app object)."""
    layout = fixed(module)
    imports, body = laid_out_module(module)
    parts = [layout.docstring, f"# {comment_text(comment)}", "", imports, ""]
    for name, literal in tables.items():
        parts += [layout.comments[name], f"{name} = {literal}", ""]
    text = "\n".join(parts).rstrip("\n") + "\n"
    text += "".join(f"\n\n{function}" for function in before)
    gap = "\n\n" if body.startswith(("def ", "class ", "@", "async def ")) else "\n"  # PEP 8's blank lines
    return text + gap + body + "".join(f"\n\n{function}" for function in after)
