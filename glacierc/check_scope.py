"""What `glacierc check PATH...` compiles: the whole project of every file named, not only that file.

pre-commit passes only the staged files. Checking just those would let a change in `tasks.py` that breaks a
call in `pipeline.py` pass, because nothing compiles `pipeline.py`. So every file PATH stands for its project:
the directory its imports are resolved from (above the topmost package holding it, the same root module
names and GLC206's search of "the rest of the project" use), walked as `check DIR` walks (`exclude`,
`extend-exclude`, `.gitignore`). Every diagnostic of the project is reported, those of files not named
too; fixes (`--fix`, `--diff`, `--show-fixes`) touch only the files named, as a hook must never rewrite a
file that is not staged. A directory PATH is checked as it is (every `.py` under it), no wider.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path


def project_paths(paths: list[str], settings) -> tuple[list[str], frozenset[str]]:
    """`paths` followed by every other Python file of their projects (shown relative to the working
    directory when under it), and the set of those added files as shown."""
    from glacierc.frontend.walk import root_for, walk

    covered: set[str] = set()
    roots: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            covered.add(os.path.realpath(path))
            roots.add(root_for(path.parent))
        elif path.is_dir():  # a directory is what the user chose to check: no wider
            covered.update(os.path.realpath(found) for found in walk(path, settings))
    added: list[str] = []
    for root in sorted(roots):
        added += [_shown(found) for found in walk(root, settings) if os.path.realpath(found) not in covered]
    unique = sorted(set(added))
    return [*paths, *unique], frozenset(unique)


def _shown(file: Path) -> str:
    absolute = os.path.abspath(file)
    here = os.getcwd()
    return os.path.relpath(absolute, here) if absolute.startswith(here.rstrip(os.sep) + os.sep) else absolute


def fixes_only_in_named(result, added: frozenset[str]):
    """`result` with the fixes of files the user did not name (`added` by `project_paths`) taken off."""
    if not added:
        return result
    unnamed = {span for span, shown in result.files.items() if shown in added}
    diagnostics = tuple(replace(d, fix=None) if d.fix and d.span.file in unnamed else d for d in result.diagnostics)
    return replace(result, diagnostics=diagnostics)
