"""Which files PATHs name: the directory walk (exclusions, `.gitignore`) and each file's project root.
Imports no parser, so the cache can list a project's files without loading LibCST."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from glacierc.diagnostics.model import Reporter
from glacierc.frontend.globs import IgnoreFile, matches
from glacierc.settings import Settings
from glacierc.source import Span


def discover(paths: list[str], reporter: Reporter, settings=None) -> list[tuple[Path, Path]]:
    """(file, project root) for every Python file under PATHs, sorted; walks skip what `_walk` skips."""
    from glacierc.checks import glc005_no_input as no_input  # only a compile reports: a cached check just walks

    found: dict[Path, Path] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            reporter.report(no_input.MISSING, Span.whole_file(raw), path=raw)
        elif path.is_file():
            found.setdefault(path, root_for(path.parent))
        elif path.is_dir():
            files = walk(path, settings)
            if not files:
                reporter.report(no_input.EMPTY_DIRECTORY, Span.whole_file(raw), path=raw)
            root = root_for(path)
            for file in files:
                found.setdefault(file, root)
        else:
            reporter.report(no_input.NOT_A_FILE, Span.whole_file(raw), path=raw)
    kept = [(file, root) for file, root in sorted(found.items(), key=lambda item: str(item[0]))
            if not _link_out_of_project(file, root, reporter)]
    return _one_per_real_file(kept)


def _one_per_real_file(files: list[tuple[Path, Path]]) -> list[tuple[Path, Path]]:
    """A file and a link to it inside the project are one module: keep the real path (or the first link)."""
    by_real: dict[str, tuple[Path, Path]] = {}
    for file, root in sorted(files, key=lambda item: (item[0].is_symlink(), str(item[0]))):
        by_real.setdefault(os.path.realpath(file), (file, root))
    return sorted(by_real.values(), key=lambda item: str(item[0]))


def _link_out_of_project(file: Path, root: Path, reporter: Reporter) -> bool:
    """GLC007 for a `.py` symbolic link whose target is outside the project root: it is not read (it could
    be any file of the machine, and diagnostics would echo its lines)."""
    if not file.is_symlink() or Path(os.path.realpath(file)).is_relative_to(root):
        return False
    from glacierc.checks import glc007_source_link_outside_project as link_outside

    reporter.report(link_outside.LINK_OUT, Span.whole_file(str(file)), file=file)
    return True


def root_for(directory: Path) -> Path:
    """The directory imports are resolved from: above the topmost package containing `directory`."""
    root = directory.resolve()
    while (root / "__init__.py").is_file() and root.parent != root:
        root = root.parent
    return root


def walk(top: Path, settings=None, listed: Callable[[str], None] | None = None) -> list[Path]:
    """Python files under `top`, without what `exclude`/`extend-exclude` name (by default hidden directories,
    `venv`, `build`, `dist`, `node_modules`, `__pycache__`) nor, unless `respect-gitignore = false`, what a
    `.gitignore` ignores. Directory symlinks are not followed (as ripgrep and ruff do not): a link into the
    project names files that are walked under their real path anyway, and a link out of it (`data ->
    /mnt/lake`, `up -> ..`) would walk what is not the project, or loop. `listed` is told every directory
    listed (the replay index's witness)."""
    chosen = (settings or Settings()).for_file(top)
    inherited = {str(top): _parent_ignore_files(top) if chosen.respect_gitignore else []}
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top):
        if listed is not None:
            listed(dirpath)
        here = inherited.pop(dirpath, [])
        if chosen.respect_gitignore:
            here = here + _ignore_file(dirpath)
        dirnames[:] = sorted(d for d in dirnames if _kept(Path(dirpath, d), True, chosen, here))
        files += [Path(dirpath, f) for f in sorted(filenames)
                  if f.endswith(".py") and _kept(Path(dirpath, f), False, chosen, here)]
        inherited.update((os.path.join(dirpath, d), here) for d in dirnames)
    return files


def _kept(path: Path, is_dir: bool, settings: Settings, ignores: list[IgnoreFile]) -> bool:
    relative = settings.relative(str(path))
    for pattern in settings.exclude:  # a name pattern matches names, a path pattern paths from the root
        anchored = "/" in pattern.rstrip("/")
        if matches(pattern, relative if anchored else path.name, is_dir):
            return False
    absolute = os.path.abspath(path).replace(os.sep, "/")
    verdict = None
    for ignore_file in ignores:  # outermost first: a deeper .gitignore overrides
        found = ignore_file.verdict(absolute, is_dir)
        verdict = found if found is not None else verdict
    return not verdict


def _ignore_file(directory: str) -> list[IgnoreFile]:
    path = os.path.join(directory, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(1_000_000)
    except OSError:
        return []
    return [IgnoreFile.parse(os.path.abspath(directory).replace(os.sep, "/"), text)]


def _parent_ignore_files(top: Path) -> list[IgnoreFile]:
    """The `.gitignore` files above `top` up to the root of its git repository (none outside one)."""
    start = Path(os.path.abspath(top))
    chain = []
    for directory in start.parents:
        chain.append(directory)
        if (directory / ".git").exists():
            return [f for d in reversed(chain) for f in _ignore_file(str(d))]
    return []
