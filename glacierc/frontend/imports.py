"""The modules a file imports, found on disk: `glacierc check pipeline.py` on one file of a multi-file project
compiles the project modules it imports (relative and absolute, transitively), as Python would find them from
that file's package root. Only top-level imports are followed, as only they are analysed; nothing is imported
or executed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libcst as cst

from glacierc.frontend.loader import SourceFile
from glacierc.frontend.names import dotted

MAX_FOLLOWED = 2_000  # modules found through imports, per compile


def imported_files(source: SourceFile) -> Iterator[Path]:
    """Files of the project (under the source's root) that the source's top-level imports name."""
    if source.tree is None or not source.root:
        return
    root = Path(source.root)
    for statement in source.tree.body:
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            for module in _imported_modules(source, small):
                found = _module_file(root, module)
                if found is not None:
                    yield found


def _imported_modules(source: SourceFile, small: cst.BaseSmallStatement) -> list[str]:
    if isinstance(small, cst.Import):
        names = [dotted(alias.name) for alias in small.names]
        return [".".join(name.split(".")[:depth]) for name in names for depth in range(1, name.count(".") + 2)]
    if not isinstance(small, cst.ImportFrom):
        return []
    base = _from_base(source, small)
    if base is None:
        return []
    found = [base] if base else []
    if not isinstance(small.names, cst.ImportStar):  # `from pkg import module` names a module too
        found += [".".join(p for p in (base, dotted(alias.name)) if p) for alias in small.names]
    return found


def _from_base(source: SourceFile, node: cst.ImportFrom) -> str | None:
    name = dotted(node.module) if node.module else ""
    if not node.relative:
        return name
    package = source.module.split(".")
    if not source.is_package:
        package = package[:-1]
    up = len(node.relative) - 1
    if up > len(package):
        return None  # beyond the root: Python would refuse it too
    package = package[: len(package) - up]
    return ".".join(p for p in (*package, name) if p)


def _module_file(root: Path, module: str) -> Path | None:
    if not module or not all(part.isidentifier() for part in module.split(".")):
        return None
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None
