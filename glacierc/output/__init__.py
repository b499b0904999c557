"""Build output: glacierc owns only the files it wrote, and replaces them all or none.

OUT holds a manifest (`.glacierc-manifest.json`: every file glacierc wrote, with its SHA-256, and the
directories it created). A build writes new and changed files, removes the files of the old manifest it no
longer produces (unless the user changed them), and touches nothing else: Terraform's `.terraform/`, state,
lock file and the user's `*.tf` / `*.tfvars` stay. A file glacierc must write whose path holds a file it
did not write is refused (exit 2), unless it is byte-identical, or OUT is recognisably the output of a
glacierc from before manifests (`ir.json` of the IR schema), whose files are then adopted - never deleted.

Atomicity is one mechanism, a journal in a staging directory beside OUT (`.OUT.glacierc-tmp-PID`):
1. every new file is written under `new/`; nothing in OUT has changed yet (a failure just deletes staging);
2. `journal.json` lists the planned moves and is fsynced - from here on, an interrupted build is undone;
3. each move backs up the file it replaces under `old/`, then renames the new one in; the manifest last;
4. the journal is deleted (the commit point) and staging removed.
A failure in step 3 rolls the moves back at once; a build killed in step 3 leaves the journal, and the next
build (of a process that no longer runs) rolls it back before anything else, so OUT is again exactly what
it was before the killed build.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path

from glacierc.fileio import fsync_all, write_file
from glacierc.output.guard import OutputError, OutputRefused, refuse_unsafe_out
from glacierc.output.plan import MANIFEST, Plan, current, make_plan, manifest_for, read_manifest, sha_of as _sha_of

Files = Mapping[str, "str | bytes"]
_JOURNAL = "journal.json"

__all__ = ["MANIFEST", "OutputError", "OutputRefused", "is_up_to_date", "refuse_unsafe_out", "write_atomically"]


def is_up_to_date(out: Path, files: Files) -> bool:
    """Whether OUT holds exactly what a build would write; files glacierc did not write do not count."""
    if not out.is_dir() or _pending(out):
        return False
    recorded = read_manifest(out)
    expected = manifest_for(files, ()).files
    if recorded is None or recorded.files != expected:
        return False
    return all(_sha_of(current(out / name)) == sha for name, sha in expected.items())


def write_atomically(out: Path, files: Files) -> None:
    """Write `files` into OUT, all or none, touching only what glacierc owns (see the module docstring)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"`{out}` exists and is not a directory")
    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create `{parent}`: {error.strerror or error}") from None
    try:
        recover(out)
        plan = make_plan(out, files)
        if plan.writes or plan.removes:
            _run(out, plan)
    except OSError as error:
        raise OutputError(f"cannot write `{out}`: {error.strerror or error}") from None


def _staging(out: Path) -> Path:
    return out.parent / f".{out.name}.glacierc-tmp-{os.getpid()}"


def _run(out: Path, plan: Plan) -> None:
    staging = _staging(out)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _stage(staging / "new", plan.writes)
        _write_journal(staging, plan)
    except BaseException:  # OUT is not touched before the journal exists
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        _apply(out, staging, plan)
    except BaseException:
        _roll_back(out, staging)  # should this fail too, staging and its journal stay for the next build
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (staging / _JOURNAL).unlink()  # the commit point: from here on the new build stands
    shutil.rmtree(staging, ignore_errors=True)
    _prune(out, plan.prune)


def _stage(root: Path, writes: Mapping[str, bytes]) -> None:
    """Every new file under `root`, on disk (fsynced) before the journal is written."""
    root.mkdir(parents=True)
    for name in sorted(writes):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(writes[name])
    fsync_all([root / name for name in sorted(writes)])


def _write_journal(staging: Path, plan: Plan) -> None:
    body = {"writes": _ordered(plan.writes), "removes": list(plan.removes), "new_dirs": list(plan.new_dirs)}
    write_file(staging / _JOURNAL, json.dumps(body, indent=1).encode("utf-8"))


def _ordered(writes: Mapping[str, bytes]) -> list[str]:
    """The manifest moves in last, so that until the very end it describes the old build."""
    return sorted(writes, key=lambda name: (name == MANIFEST, name))


def _apply(out: Path, staging: Path, plan: Plan) -> None:
    for directory in plan.new_dirs:
        (out / directory).mkdir(exist_ok=True)
    for name in plan.removes:
        _back_up(out / name, staging / "old" / name)
    for name in _ordered(plan.writes):
        target = out / name
        if os.path.lexists(target):
            os.chmod(staging / "new" / name, stat.S_IMODE(os.lstat(target).st_mode))  # a mode the user set
            _back_up(target, staging / "old" / name)
        os.replace(staging / "new" / name, target)


def _back_up(path: Path, backup: Path) -> None:
    backup.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, backup)


def _roll_back(out: Path, staging: Path) -> None:
    """Undo the moves of an interrupted build: OUT becomes exactly what it was before it."""
    journal = json.loads((staging / _JOURNAL).read_bytes())
    writes = set(journal["writes"])
    for name in (*journal["writes"], *journal["removes"]):
        backup, target = staging / "old" / name, out / name
        if os.path.lexists(backup):
            os.replace(backup, target)
        elif name in writes and not os.path.lexists(staging / "new" / name):
            Path(target).unlink(missing_ok=True)  # moved in by the interrupted build, new there
    for directory in sorted(journal["new_dirs"], key=lambda d: d.count("/"), reverse=True):
        _rmdir_if_empty(out / directory)
    (staging / _JOURNAL).unlink()


def _prune(out: Path, directories: tuple[str, ...]) -> None:
    for directory in sorted(directories, key=lambda d: d.count("/"), reverse=True):
        _rmdir_if_empty(out / directory)


def _rmdir_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:  # not empty (a user's file is in it) or already gone: keep it
        pass


def recover(out: Path) -> None:
    """Before anything else: roll back the journal of a build of OUT killed mid-commit, remove the staging
    directories of killed builds, and put back an OUT that a glacierc from before journals had moved aside.
    Leftovers of builds still running (their process id is alive) are not touched."""
    prefix = f".{out.name}.glacierc-"
    for path in sorted(out.parent.glob(f"{glob.escape(prefix)}*")):
        kind, _, pid = path.name[len(prefix):].partition("-")
        if kind not in ("tmp", "old") or not pid.isdigit() or _running(int(pid)):
            continue  # (this process has not started its own staging yet: one with its id is a dead one's)
        if kind == "old" and not out.exists():
            path.rename(out)
            continue
        if (path / _JOURNAL).is_file():
            _roll_back(out, path)
        shutil.rmtree(path, ignore_errors=True)


def _pending(out: Path) -> bool:
    prefix = glob.escape(f".{out.name}.glacierc-tmp-")
    return any((path / _JOURNAL).is_file() for path in out.parent.glob(f"{prefix}*"))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else, or the platform cannot tell: keep its files
        return True
    return True

