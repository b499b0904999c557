"""The one I/O layer for every file glacierc writes, and for the sources it reads.

- `write_file`: replace one file atomically (temporary file in the same directory, fsync, `os.replace`),
  keeping the mode of the file it replaces; a failure never leaves half a file or a stray temporary.
- `read_source` / `rewrite_source`: a Python source is read as Python reads it (PEP 263 coding declaration,
  UTF-8 byte-order mark, default UTF-8) and written back the same way: same encoding, same BOM, same line
  ends, same mode. Text the declared encoding cannot hold is an error, never mojibake.
With `glacierc.output` (the build-output writer: it stages a whole build beside OUT and commits it through
a journal, with the same temporary-in-the-same-directory, fsync and rename steps) this is the only code that
writes files.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path


class SourceError(Exception):
    """A source file cannot be read or written back faithfully; the message is for the user."""


def default_mode() -> int:
    """The mode a new file gets from `open()`: 0o666 less the umask (mkstemp would give 0o600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_file(path: Path, data: bytes, mode: int | None = None, *, follow_symlink: bool = True) -> None:
    """Replace `path` with `data` atomically. `mode` defaults to the replaced file's (or a new file's)
    mode. A symbolic link at `path` is written through (its target is replaced), as a shell redirection
    would, unless `follow_symlink` is False."""
    if follow_symlink and path.is_symlink():
        path = Path(os.path.realpath(path))
    if mode is None:
        mode = _existing_mode(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".glacierc-tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


#: At most this many files are fsynced at once by `fsync_all`.
FSYNC_THREADS = 8


def fsync_all(paths: list[Path]) -> None:
    """Flush every file of `paths` to disk, several at once: fsync releases the GIL and the file system
    commits concurrent flushes together (one after another, 18 small files took ~45 ms here; 8 at a time,
    ~5 ms). The first error is raised once all have finished."""
    import threading  # only a build's output writer needs it

    errors: list[BaseException] = []

    def flush(batch: list[Path]) -> None:
        for path in batch:
            try:
                descriptor = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
            except OSError as error:
                errors.append(error)

    threads = [threading.Thread(target=flush, args=(paths[i::FSYNC_THREADS],)) for i in range(FSYNC_THREADS)
               if paths[i::FSYNC_THREADS]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _existing_mode(path: Path) -> int:
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return default_mode()
    return stat.S_IMODE(status.st_mode) if stat.S_ISREG(status.st_mode) else default_mode()


@dataclass(frozen=True, slots=True)
class Source:
    """A Python file as read: `text` has `\\n` line ends; the rest says how to write it back."""

    path: Path
    text: str
    encoding: str  # the codec Python uses for it ("utf-8-sig" when it starts with a byte-order mark)
    newline: str  # the file's line end ("\r\n", "\r" or "\n"), from its first line
    mode: int


def read_source(path: Path) -> Source:
    """Read `path` as Python would; OSError if it cannot be read, SourceError if it is not valid text in
    the encoding it declares."""
    data = path.read_bytes()
    mode = stat.S_IMODE(path.stat().st_mode)
    encoding = _encoding(path, data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        shown = "UTF-8" if encoding.startswith("utf-8") else encoding
        raise SourceError(f"{path}: the file is not {shown} ({error.reason} at byte {error.start})") from None
    return Source(path, text.replace("\r\n", "\n").replace("\r", "\n"), encoding, _newline(data), mode)


def _encoding(path: Path, data: bytes) -> str:
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:  # the first lines are not UTF-8 and declare nothing: decoding says where
        return "utf-8"
    except LookupError as error:  # `# coding: no-such-codec`
        raise SourceError(f"{path}: {error}") from None


def _newline(data: bytes) -> str:
    end = data.find(b"\n")
    carriage = data.find(b"\r")
    if carriage != -1 and (end == -1 or carriage < end):
        return "\r\n" if data[carriage + 1:carriage + 2] == b"\n" else "\r"
    return "\n"


def encode_source(source: Source, text: str) -> bytes:
    """`text` (with `\\n` line ends) as `source`'s file would hold it; SourceError if its encoding cannot."""
    try:
        return text.replace("\n", source.newline).encode(source.encoding)
    except UnicodeEncodeError as error:
        line = text.count("\n", 0, error.start) + 1
        raise SourceError(f"{source.path}:{line}: {text[error.start]!r} cannot be written in the file's "
                          f"encoding ({source.encoding}); the file was left unchanged") from None


def rewrite_source(source: Source, text: str) -> None:
    """Replace the file `source` was read from with `text`, in its encoding, BOM, line ends and mode
    (SourceError if the encoding cannot hold `text`, OSError if the file cannot be written)."""
    write_file(source.path, encode_source(source, text), source.mode)
