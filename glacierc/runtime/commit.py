"""committing: all of a run's local writes, or none

Staged files are named `.<name>.glacier-<pid>-<run>-<n>.tmp` next to their targets: hidden, and never
ending like the target, so a glob input (`*.parquet`) does not match them. Before the first rename a
journal listing every (staging, target, backup) move is written and synced in the journal directory
(--data-dir, else the working directory). A move puts an existing target aside as its backup, then
renames the staging file over it. A staged folder (a prefix storage's, written through get_uri()) is
merged as an object store takes uploads: one move per file below it, to the same key below the target,
its backup in a folder beside the staging folder; the target's other files stay. When a rename fails
half way, the moves done are undone (backups put back, new files removed). A run killed while
committing leaves its journal: the next start finishes the commit when every staging file not yet
moved is still there, else undoes it, then removes the staging files of runs that are no longer alive.
"""

import json
import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.plan import PIPELINE
    from glacierc.runtime.storage import remove_path

    LIVE_RUNS: set[str]  # declared here so that the runner's copy of the assignment below stays as it is


STAGING_NAME = re.compile(r"^\..+\.glacier-(\d+)-([0-9a-f]{12})-\d+\.(tmp|old)$")
JOURNAL_NAME = re.compile(r"^\.glacier-journal-(\d+)-([0-9a-f]{12})\.json$")
LIVE_RUNS = set()  # tokens of the runs of this process


class CommitFailed(Exception):
    """Committing the staged writes failed; says which targets hold this run's data and which not."""

    def __init__(self, error, committed, not_committed, undone):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error, self.committed, self.not_committed, self.undone = error, committed, not_committed, undone

    def describe(self):
        lines = [f"error: committing the run's writes failed: {self}",
                 "  committed: " + (", ".join(self.committed) or "nothing"),
                 "  not committed: " + (", ".join(self.not_committed) or "nothing")]
        if not self.undone:
            lines.append("  the journal was kept: the next run of this runner completes or undoes the commit")
        return "\n".join(lines)


def staging_name(target_name, token, index, suffix="tmp"):
    return f".{target_name}.glacier-{os.getpid()}-{token}-{index}.{suffix}"


def backup_of(staging):
    return staging[:-len(".tmp")] + ".old"


def commit_moves(journal_dir, token, staged):
    """Move each staged file over its target, all or nothing; returns the targets committed.
    `staged`: sorted (target, staging) pairs."""
    try:
        moves = [move for final, staging in staged for move in moves_of(final, staging)]
    except NotADirectoryError as error:
        raise CommitFailed(error, [], [final for final, _ in staged], True) from None
    if not moves:
        return []
    journal = os.path.join(journal_dir, f".glacier-journal-{os.getpid()}-{token}.json")
    write_journal(journal, moves)
    try:
        for move in moves:
            apply_move(move)
    except BaseException as error:
        left = undo_moves(moves)
        if not left:
            remove_path(journal)
        if not isinstance(error, Exception):
            raise
        done = [final for final in left]
        raise CommitFailed(error, done, [f for _, f, _ in moves if f not in done], not left) from None
    for _, staging in staged:
        remove_path(backup_of(staging))
    remove_path(journal)
    return [final for _, final, _ in moves]


def moves_of(final, staging):
    """The (staging, target, backup) moves that put one staged file or folder in place."""
    if os.path.isdir(staging) and not os.path.islink(staging):
        backups = backup_of(staging)
        return [(os.path.join(staging, key), os.path.join(final, key), os.path.join(backups, key))
                for key in sorted(files_of(staging))]
    if final.endswith((os.sep, "/")):
        raise NotADirectoryError(f"{final} is a prefix storage, a folder of objects, but the file {staging} was "
                                 "staged for it: write objects below the folder get_uri() gives, or use write()")
    return [(staging, final, backup_of(staging))]


def files_of(folder):
    """Every file (or link, to a folder too: moved as it is) below `folder`, relative to it; folders are made
    as their files are moved."""
    for directory, folders, names in os.walk(folder):
        names += [f for f in folders if os.path.islink(os.path.join(directory, f))]
        folders[:] = sorted(f for f in folders if f not in names)
        for name in names:
            yield os.path.relpath(os.path.join(directory, name), folder)


def write_journal(path, moves):
    os.makedirs(os.path.dirname(path) or os.curdir, exist_ok=True)
    staging = path + ".tmp"
    with open(staging, "w", encoding="utf-8") as file:
        json.dump({"pipeline": PIPELINE, "moves": [list(move) for move in moves]}, file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(staging, path)
    sync_directory(os.path.dirname(path))


def sync_directory(directory):
    try:
        descriptor = os.open(directory or os.curdir, os.O_RDONLY)
    except OSError:  # not possible on every platform; the rename is then as durable as the system makes it
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def apply_move(move):
    staging, final, backup = move
    if not os.path.lexists(staging):
        return  # moved already (finishing the journal of an interrupted run)
    if os.path.lexists(final):
        os.makedirs(os.path.dirname(backup), exist_ok=True)  # a staged folder's backups: a folder of their own
        os.replace(final, backup)
    else:
        os.makedirs(os.path.dirname(final), exist_ok=True)  # a new subfolder of a prefix
    os.replace(staging, final)


def undo_moves(moves):
    """Undo the moves done, last first; returns the targets that could not be put back."""
    left = []
    for staging, final, backup in reversed(moves):
        try:
            if not os.path.lexists(staging):  # moved: the target holds this run's data
                remove_path(final)
            if os.path.lexists(backup):
                os.replace(backup, final)
            remove_path(staging)
        except OSError:
            left.append(final)
    return sorted(left)


def recover(journal_dir, directories):
    """Finish or undo the commits of killed runs, then remove their staging files. Returns notes."""
    notes = []
    for name in sorted(os.listdir(journal_dir)) if os.path.isdir(journal_dir) else ():
        match = JOURNAL_NAME.match(name)
        if match and not alive(int(match.group(1)), match.group(2)):
            notes.append(finish_journal(os.path.join(journal_dir, name)))
    for directory in sorted(set(directories)):
        for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else ():
            match = STAGING_NAME.match(name)
            if match and not alive(int(match.group(1)), match.group(2)):
                remove_path(os.path.join(directory, name))
    return notes


def finish_journal(path):
    try:
        with open(path, encoding="utf-8") as file:
            moves = [tuple(move) for move in json.load(file)["moves"]]
    except (OSError, ValueError, KeyError, TypeError):
        remove_path(path)
        return f"note: removed the unreadable commit journal {path}"
    if all(os.path.lexists(staging) or os.path.lexists(final) for staging, final, _ in moves):
        for move in moves:
            apply_move(move)
        for _, _, backup in moves:
            remove_path(backup)
        verb = "finished"
    else:
        undo_moves(moves)
        verb = "undid"
    remove_path(path)
    return f"note: {verb} the commit of an interrupted run ({len(moves)} file{'s' * (len(moves) != 1)})"


def alive(pid, token):
    """Whether run `token` of process `pid` may still be going (unknown counts as alive)."""
    if pid == os.getpid():
        return token in LIVE_RUNS
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
