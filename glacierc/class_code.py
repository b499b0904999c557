"""Compiled methods of dataclasses, kept between runs of the command line.

`@dataclass` writes each class's `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` and `__delattr__`
as source text and compiles it when the class is defined. A command defines about 330 dataclasses (LibCST's
syntax nodes, the IR, the configuration catalogue, the targets' models), and compiling their ~1,800 methods
took about half of a cold `check` of a small file (docs/benchmarks.md). The code a text compiles to depends on
the text alone, so the command line keeps each text's code object in a per-user file and hands `dataclasses`
the compiled code instead of compiling again; the classes are the same as without it.

The file holds code that runs, so it is read only when it is a regular file owned by the user running the
command and writable by no one else, in the user's cache directory (`$XDG_CACHE_HOME/glacierc`, else
`~/.cache/glacierc`). It is written atomically, only when a run compiled a text it did not hold; anything
unexpected (no home, a read-only disk, a damaged file) means compiling as usual. `GLACIERC_NO_CLASS_CACHE=1`
turns it off.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import marshal
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from types import CodeType

#: Past this many texts the file is rewritten with only the current run's (a cache that grows with upgrades).
MAX_ENTRIES = 5_000


def cache_file(environ: Mapping[str, str] = os.environ) -> Path | None:
    """Where this Python's compiled texts are kept, or None when there is no cache directory."""
    base = environ.get("XDG_CACHE_HOME") or (str(Path(environ["HOME"]) / ".cache") if environ.get("HOME") else "")
    if not base or not os.path.isabs(base):
        return None
    return Path(base) / "glacierc" / f"dataclass-code.{sys.implementation.cache_tag}.marshal"


def trusted(info: os.stat_result) -> bool:
    """A regular file of the current user that only that user may write."""
    return (stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read_trusted(path: Path) -> bytes | None:
    """The bytes of `path` if the file opened (never through a symbolic link) is trusted: the checks apply to
    the very file read, so swapping it after a check changes nothing."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a FIFO must not block
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        if not trusted(os.fstat(descriptor)):
            return None
        return stream.read()


def load(path: Path) -> dict[str, bytes]:
    """The texts in `path` and their code objects, each still marshalled (a run unmarshals only the ones its
    classes use); empty unless the file is trusted and well formed."""
    try:
        content = _read_trusted(path)
        found = marshal.loads(content) if content is not None else None
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, bytes)}


def save(path: Path, entries: Mapping[str, bytes]) -> None:
    """Write `entries` to `path` atomically, readable and writable by the user alone."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(marshal.dumps(dict(entries)))
        os.replace(temporary, path)
    except OSError:  # no cache this time: the next run compiles again
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


class CompiledTexts:
    """`exec` for the dataclasses module: a text compiled before runs its kept code object."""

    def __init__(self, path: Path, known: dict[str, bytes]) -> None:
        self.path = path
        self.known = known
        self.new: dict[str, bytes] = {}  # compiled by this run

    @property
    def compiled(self) -> int:
        return len(self.new)

    def __call__(self, source, globals=None, locals=None):  # noqa: A002 (the signature of `exec`)
        if isinstance(source, str):
            source = self._code(source)
        return builtins.exec(source, globals, locals)

    def _code(self, text: str) -> CodeType:
        kept = self.known.get(text)
        if kept is not None:
            try:
                code = marshal.loads(kept)
            except (EOFError, ValueError, TypeError):
                code = None
            if isinstance(code, CodeType):
                return code
        code = compile(text, "<string>", "exec", dont_inherit=True)  # as `exec` of the text
        self.new[text] = marshal.dumps(code)
        return code

    def keep(self) -> None:
        """Write the file if this run compiled anything new."""
        if not self.new:
            return
        merged = {**self.known, **self.new}
        save(self.path, merged if len(merged) <= MAX_ENTRIES else self.new)


def install(environ: Mapping[str, str] = os.environ) -> CompiledTexts | None:
    """Serve `dataclasses`' compiles from the cache file for the rest of this process (before classes are
    defined); None when turned off or there is no cache directory."""
    if environ.get("GLACIERC_NO_CLASS_CACHE") == "1":
        return None
    path = cache_file(environ)
    if path is None:
        return None
    import dataclasses

    texts = CompiledTexts(path, load(path))
    # `dataclasses` calls the name `exec`: a module global of that name comes before the builtin
    setattr(dataclasses, "exec", texts)
    atexit.register(texts.keep)
    return texts
