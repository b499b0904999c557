"""The runtime (glacierc/runtime/) as text for runners: sections copied verbatim, imports merged.

A runtime module is read, never imported: its docstring becomes the section's `#` header, its
imports go to the top of the runner (merged with the other sections', in a fixed order), its
`if TYPE_CHECKING:` block is dropped and the rest is copied line for line (see
glacierc/runtime/__init__.py). The names the runtime binds come from the same parse.
"""

from __future__ import annotations

import ast
import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import glacierc.runtime as runtime_package
from glacierc.backends.runner.entities import Extern

RUNTIME_DIR = Path(runtime_package.__file__).resolve().parent
HEADER_WIDTH = 100
#: Imported first, ahead of the runner's `sys.path` fix; everything else is imported after it.
FIRST_IMPORTS = ("import os", "import sys")


@dataclass(frozen=True, slots=True)
class Section:
    """One runtime module as the runner holds it."""

    module: str
    path: Path
    imports: tuple[str, ...]  # its import statements (`import x`, `import x as y`, `from x import y`)
    first_line: int  # line of the module file `body` starts on (1-based)
    body: str  # the code after the header, verbatim, ending with a newline
    header: str  # the docstring as `#` lines
    bound: tuple[str, ...] = ()  # the top-level names its code binds (from the same parse)

    @property
    def text(self) -> str:
        """The header, then the code: two blank lines before a definition, one before a statement."""
        gap = "\n\n\n" if self.body.startswith(("def ", "class ", "@", "async def ")) else "\n\n"
        return f"{self.header}{gap}{self.body}"


@functools.cache
def section(module: str) -> Section:
    path = RUNTIME_DIR / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    docstring = ast.get_docstring(tree, clean=True) or module
    imports: list[str] = []
    header_end = 0
    for index, statement in enumerate(tree.body):
        if index == 0 and _is_docstring(statement):
            pass
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            if not _is_typing_flag(statement):
                imports += _import_lines(statement)
        elif _is_type_checking_block(statement):
            pass
        else:
            _refuse_late_headers(path, tree.body[index:])
            break
        header_end = statement.end_lineno or 0
    code = [statement for statement in tree.body if (statement.lineno or 0) > header_end]
    lines = source.split("\n")
    first = header_end
    while first < len(lines) and not lines[first].strip():
        first += 1
    body = "\n".join(lines[first:]).rstrip("\n") + "\n"
    return Section(module, path, tuple(imports), first + 1, body, header_comment(docstring),
                   tuple(_bound(ast.Module(code, []))))


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _is_typing_flag(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ImportFrom) and statement.module == "typing" \
        and [a.name for a in statement.names] == ["TYPE_CHECKING"]


def _is_type_checking_block(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.If) and isinstance(statement.test, ast.Name) \
        and statement.test.id == "TYPE_CHECKING" and not statement.orelse


def _refuse_late_headers(path: Path, rest: list[ast.stmt]) -> None:
    """Imports below the code would be copied into the middle of the runner: a runtime bug."""
    for statement in rest:
        if isinstance(statement, (ast.Import, ast.ImportFrom)) or _is_type_checking_block(statement):
            raise ValueError(f"{path}:{statement.lineno}: runtime imports belong in the module header")


def _import_lines(statement: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(statement, ast.Import):
        return [ast.unparse(ast.Import([alias])) for alias in statement.names]
    return [ast.unparse(ast.ImportFrom(statement.module, [alias], statement.level)) for alias in statement.names]


def header_comment(docstring: str) -> str:
    """`# ==== <first line> ====...` then the rest of the docstring as `#` lines."""
    title, _, rest = docstring.partition("\n")
    head = f"# ==== {title.strip()} "
    lines = [head + "=" * max(4, HEADER_WIDTH - len(head))]
    lines += [f"# {line}".rstrip() for line in rest.strip("\n").split("\n")] if rest.strip() else []
    return "\n".join(lines)


def sections(modules: tuple[str, ...]) -> tuple[Section, ...]:
    return tuple(section(module) for module in modules)


def merged_imports(modules: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(standard library imports after FIRST_IMPORTS, third-party imports) of `modules`, each sorted."""
    found = {line for s in sections(modules) for line in s.imports} - set(FIRST_IMPORTS)
    standard = sorted(line for line in found if _top_module(line) in sys.stdlib_module_names)
    return tuple(standard), tuple(sorted(found - set(standard)))


def _top_module(line: str) -> str:
    return line.split()[1].split(".")[0]


def runner_modules() -> tuple[str, ...]:
    return (*runtime_package.BEFORE_CODE, *runtime_package.AFTER_CODE)


@functools.cache
def reserved_names() -> dict[str, Extern | None]:
    """Every top-level name the runtime and the plan bind in a runner: user names that clash are
    renamed. Imports map to what they import, so the task code's own `import polars as pl` is shared."""
    names: dict[str, Extern | None] = {}
    modules = runner_modules()
    for line in (*FIRST_IMPORTS, *(line for part in merged_imports(modules) for line in part)):
        names.update(_import_names(ast.parse(line).body[0]))
    for part in (*sections(modules), section("plan")):
        names.update((name, None) for name in part.bound)
    return names


def _import_names(statement: ast.stmt) -> dict[str, Extern]:
    if isinstance(statement, ast.Import):
        return {extern.bound: extern for extern in (Extern(a.name, None, a.asname) for a in statement.names)}
    assert isinstance(statement, ast.ImportFrom)
    return {a.asname or a.name: Extern(statement.module or "", a.name, a.asname) for a in statement.names}


def _bound(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names
