"""Writing build output atomically, and telling whether an existing output is up to date."""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

Files = Mapping[str, "str | bytes"]


class OutputError(Exception):
    """The output directory cannot be written (a file is in the way, no permission...)."""


def _bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def is_up_to_date(out: Path, files: Files) -> bool:
    if not out.is_dir():
        return False
    existing = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    if existing != set(files):
        return False
    return all((out / name).read_bytes() == _bytes(content) for name, content in files.items())


def write_atomically(out: Path, files: Files) -> None:
    """Write `files` into a sibling temporary directory, then swap it in; on failure OUT is untouched."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"`{out}` exists and is not a directory")
    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create `{parent}`: {error.strerror or error}") from None
    _remove_leftovers(parent, out.name)
    staging = parent / f".{out.name}.glacierc-tmp-{os.getpid()}"
    try:
        _write_tree(staging, files)
        _swap(staging, out)
    except OSError as error:
        raise OutputError(f"cannot write `{out}`: {error.strerror or error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_leftovers(parent: Path, name: str) -> None:
    """The staging (`-tmp-`) and swapped-out (`-old-`) directories of earlier builds of OUT that were
    killed before they could clean up, recognised by a process id that no longer runs. A build killed
    in the middle of its swap left OUT only as `-old-`: that is put back first, so that OUT is again
    what it was before that build, whatever this one does."""
    prefix = f".{name}.glacierc-"
    for path in sorted(parent.glob(f"{glob.escape(prefix)}*")):
        kind, _, pid = path.name[len(prefix):].partition("-")
        if kind not in ("tmp", "old") or not pid.isdigit() or _running(int(pid)):
            continue
        if kind == "old" and not (parent / name).exists():
            path.rename(parent / name)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else, or the platform cannot tell: keep its files
        return True
    return True


def _write_tree(root: Path, files: Files) -> None:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for name in sorted(files):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_bytes(files[name]))


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    old = out.parent / f".{out.name}.glacierc-old-{os.getpid()}"
    out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
