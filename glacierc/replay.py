"""The replay index in front of the check cache: a repeated `glacierc check` (same command line, same working
directory, same colour decision, same tool) over an unchanged project writes what the previous one wrote,
without loading the command table, the settings, the walk or the diagnostics model.

A check whose result came from or went into the cache (glacierc/cache.py) and that wrote only its report to
standard output records, besides the report and the exit status, a *witness* of everything the result
depends on (collected by `cache.key`): the modification time of every directory walked (adding, removing or
renaming any entry of a directory changes it), the SHA-256 of every file read (the project's Python files,
the `pyproject.toml` and `.gitignore` of every directory walked and of every directory above the paths and
the working directory, up to the configuration and the git root that apply, and the `--config` file), and
for those directories above, which of these files and `.git` are absent. The next identical command
finds the record in `.glacierc_cache/` of the working directory or a directory above it, checks every hash
and every time, and replays; anything else falls through to the full check, which records afresh.

A directory modified less than a second before the check started is not trusted (file systems stamp times
from a coarse clock, some to the second: a change in that second could keep the recorded time), so such a
check records nothing — the rule git uses for "racily clean" index entries.

Imports only os, sys and marshal, and the standard library's SHA-256 (hashlib would load OpenSSL).
"""

from __future__ import annotations

import marshal
import os
import sys

try:
    from _sha256 import sha256  # type: ignore[import-not-found]  # CPython's own: no OpenSSL start-up
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import sha256

import glacierc

DIRECTORY = ".glacierc_cache"
_FORMAT = 1
_RACY_NS = 1_000_000_000


class Witness:
    """What a check's result depends on: the modification time of each directory listed, and for each other
    path looked at, its content (a SHA-256), or that it is absent, or that it exists (`.git`). `started` is
    when the check began (time.time_ns), for the racy rule."""

    def __init__(self, started: int) -> None:
        self.started = started
        self.directories: dict[str, int] = {}
        self.files: dict[str, str | None] = {}  # None: must not exist
        self.present: dict[str, bool] = {}
        self.trusted = True

    def directory(self, path: str) -> None:
        """A directory listed: any entry added, removed or renamed in it changes the result."""
        path = os.path.abspath(path)
        if path in self.directories:
            return
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            self.trusted = False
            return
        if mtime >= self.started - _RACY_NS:
            self.trusted = False
        self.directories[path] = mtime

    def content(self, path: str, data: bytes) -> None:
        self.files[os.path.abspath(path)] = sha256(data).hexdigest()

    def file(self, path: str) -> None:
        """A file whose content, or presence, may change the result."""
        try:
            with open(path, "rb") as handle:
                self.content(path, handle.read())
        except FileNotFoundError:
            self.files[os.path.abspath(path)] = None
        except OSError:
            self.trusted = False

    def exists(self, path: str) -> bool:
        """A path whose existence (whatever it is) may change the result."""
        found = os.path.lexists(path)
        self.present[os.path.abspath(path)] = found
        return found


_pending: str | None = None  # the index key of this process's check, set by `replayed`


def replayed(argv: list[str]) -> int | None:
    """Replay the recorded result of `glacierc check ARGV...` if its witness still holds: the exit status, or
    None (then the full check runs and `record` may store its result under the same key)."""
    global _pending
    if os.environ.get("GLACIERC_NO_CACHE"):
        return None
    try:
        _pending = _key(argv)
    except (OSError, ValueError):
        return None
    found = _read(_pending)
    if found is None or not _holds(*found[:3]):
        return None
    sys.stdout.write(found[3])
    sys.stdout.flush()
    return found[4]


def record(home: str, witness: Witness | None, output: str, status: int) -> None:
    """Store the result of this process's check for `replayed` (nothing when no key was taken, e.g. from the
    Python API, or when the witness is incomplete or racy). A record that cannot be written is no error."""
    if _pending is None or witness is None or not witness.trusted:
        return
    payload = marshal.dumps((_FORMAT, tuple(sorted(witness.directories.items())),
                             tuple(sorted(witness.files.items())), tuple(sorted(witness.present.items())),
                             output, status))
    path = os.path.join(home, f"replay-{_pending}")
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(home, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, path)
    except OSError:
        return


def _key(argv: list[str]) -> str:
    colour = (bool(os.environ.get("FORCE_COLOR")), bool(os.environ.get("NO_COLOR")), os.isatty(1))
    head = (_FORMAT, tool(), tuple(argv), os.getcwd(), colour)
    return sha256(marshal.dumps(head)).hexdigest()


def _read(key: str):
    directory = os.getcwd()
    while True:
        try:
            with open(os.path.join(directory, DIRECTORY, f"replay-{key}"), "rb") as handle:
                found = marshal.loads(handle.read())
        except (OSError, ValueError, EOFError, TypeError):
            found = None
        if isinstance(found, tuple) and len(found) == 6 and found[0] == _FORMAT:
            return found[1:]
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _holds(directories, files, present) -> bool:
    try:
        for path, mtime in directories:
            if os.stat(path).st_mtime_ns != mtime:
                return False
        for path, found in present:
            if os.path.lexists(path) != found:
                return False
        for path, digest in files:
            if digest is None:
                if os.path.lexists(path):
                    return False
                continue
            with open(path, "rb") as handle:
                if sha256(handle.read()).hexdigest() != digest:
                    return False
    except OSError:
        return False
    return True


_stamp: str | None = None


def tool() -> str:
    """The compiler and library as they are on disk: the version, and the size and modification time of each
    of their modules (an edited checkout never reads an entry of another version of itself)."""
    global _stamp
    if _stamp is None:
        here = os.path.dirname(os.path.abspath(glacierc.__file__))
        library = os.path.join(os.path.dirname(here), "stdlib", "glacier")
        stamp = [glacierc.__version__]
        for top in (here, library):
            for directory, _, names in sorted(os.walk(top)):
                for name in sorted(n for n in names if n.endswith((".py", ".json"))):
                    status = os.stat(os.path.join(directory, name))
                    stamp.append(f"{directory}/{name}:{status.st_size}:{status.st_mtime_ns}")
        _stamp = sha256("\n".join(stamp).encode("utf-8", "surrogatepass")).hexdigest()
    return _stamp
