"""The persistent cache of `glacierc check`: `.glacierc_cache/` in the project root (the directory of the
configuration that applies, else the working directory), like ruff's.

An entry is the result of one check (its diagnostics, and the source text of the files they point into, for
the `full` format), stored under a key made of: the content of every Python file of the project (every file
the walk of each project root finds, and the files given), the settings of each of them, the `-e` values,
the paths as given and the working directory, and the tool (its version and the size and modification time
of each of its own modules, so a changed compiler never reads an old entry). A repeated check of an
unchanged project reads one file and imports no parser. Anything unusual (a path that does not exist, a
file that is not regular or links out of its project) means no cache: the compile reports it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from glacierc.diagnostics.model import Diagnostic, Edit, Fix, Severity
from glacierc.replay import DIRECTORY, Witness, tool
from glacierc.source import Span

_FORMAT = 1


def key(paths: list[str], env: dict[str, str], settings, values: dict, witness: Witness | None = None) -> str | None:
    """The entry of this check, or None (no cache); fills `witness` (glacierc/replay.py) with every file read
    and directory listed or searched on the way."""
    files = _project_files(paths, settings, witness)
    if files is None:
        return None
    digest = hashlib.sha256()
    head = {"format": _FORMAT, "tool": tool(), "paths": paths, "cwd": os.getcwd(), "env": sorted(env.items())}
    digest.update(json.dumps(head, sort_keys=True).encode("utf-8", "surrogatepass"))
    for file in files:
        try:
            data = file.read_bytes()
        except OSError:
            return None
        if witness is not None:
            witness.content(str(file), data)
        digest.update(f"\0{file}\0{repr(settings.for_file(file))}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
        digest.update(data)
    if witness is not None:
        _witness_settings(paths, settings, values, witness)
    return f"{home(settings)}{os.sep}{digest.hexdigest()}"


def _project_files(paths: list[str], settings, witness: Witness | None) -> list[Path] | None:
    from glacierc.frontend.walk import root_for, walk

    files: set[Path] = set()
    roots: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_file() and not path.is_symlink():
            files.add(path.absolute())
            roots.add(root_for(path.parent))
        elif path.is_dir() and not path.is_symlink():
            roots.add(root_for(path))
        else:
            return None
    listed = witness.directory if witness is not None else None
    for root in sorted(roots):  # each root walked once, however many of its files PATHs name
        for found in walk(root, settings, listed):
            if found.is_symlink() or not found.is_file():
                return None
            files.add(found.absolute())
    return sorted(files)


def _witness_settings(paths: list[str], settings, values: dict, witness: Witness) -> None:
    """The configuration and ignore files of every directory walked, and of the directories above the paths
    and the working directory that the settings search and the `.gitignore` chain look at (up to the
    configuration that applies and the git root, else the file system root), with `.git` there."""
    for start in {os.getcwd(), *(os.path.dirname(os.path.abspath(p)) if os.path.isfile(p) else p for p in paths)}:
        _witness_ancestors(os.path.abspath(start), settings, witness)
    for directory in list(witness.directories):
        witness.file(os.path.join(directory, "pyproject.toml"))
        witness.file(os.path.join(directory, ".gitignore"))
    if values.get("config"):
        witness.file(values["config"])


def _witness_ancestors(start: str, settings, witness: Witness) -> None:
    source = settings.for_file(start).source
    config_dir = os.path.dirname(os.path.abspath(source)) if source else None
    found_config = found_git = False
    directory = start
    while True:
        witness.file(os.path.join(directory, "pyproject.toml"))
        witness.file(os.path.join(directory, ".gitignore"))
        found_config = found_config or directory == config_dir
        found_git = witness.exists(os.path.join(directory, ".git")) or found_git
        parent = os.path.dirname(directory)
        if (found_config and found_git) or parent == directory:
            return
        directory = parent


def home(settings) -> str:
    """The cache directory: `.glacierc_cache` beside the configuration that applies to the working directory,
    else in the working directory."""
    source = settings.for_file(os.getcwd()).source
    return os.path.join(os.path.dirname(os.path.abspath(source)) if source else os.getcwd(), DIRECTORY)


def load(entry: str):
    """(diagnostics, texts, files) stored under `entry`, or None."""
    try:
        with open(entry + ".json", encoding="utf-8") as handle:
            stored = json.load(handle)
        return (tuple(_diagnostic(item) for item in stored["diagnostics"]), stored["texts"], stored["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(entry: str, diagnostics, texts: dict[str, str], files: dict[str, str]) -> None:
    """Write the entry atomically; a cache that cannot be written is no error (the next check compiles)."""
    used = {d.span.file for d in diagnostics}
    payload = {"diagnostics": [d.to_dict() for d in diagnostics],
               "texts": {name: text for name, text in texts.items() if name in used}, "files": files}
    home = os.path.dirname(entry)
    try:
        os.makedirs(home, exist_ok=True)
        ignore = os.path.join(home, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# Automatically created by glacierc.\n*\n")
        temporary = f"{entry}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8", errors="surrogatepass") as handle:
            json.dump(payload, handle, ensure_ascii=True)
        os.replace(temporary, entry + ".json")
    except OSError:
        return


def _span(item: dict) -> Span:
    return Span(item["file"], item["line"], item["column"], item["end_line"], item["end_column"])


def _diagnostic(item: dict) -> Diagnostic:
    fix = item.get("fix")
    if fix is not None:
        fix = Fix(fix["message"], tuple(Edit(_span(e), e["content"]) for e in fix["edits"]))
    return Diagnostic(item["code"], Severity(item["severity"]), item["message"], _span(item), item.get("help"), fix)
