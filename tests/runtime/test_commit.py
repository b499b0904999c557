"""The commit journal: all of a run's local writes or none, and recovery after a killed run."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.conftest import load_runtime


@pytest.fixture
def rt():
    return load_runtime()


def staged_pair(rt, tmp_path: Path, token: str) -> list[tuple[str, str]]:
    """Targets a (existing, old content) and b (new), each with a staged replacement."""
    (tmp_path / "a.txt").write_text("old a")
    staged = []
    for name in ("a.txt", "b.txt"):
        staging = tmp_path / rt.staging_name(name, token, len(staged))
        staging.write_text(f"new {name[0]}")
        staged.append((str(tmp_path / name), str(staging)))
    return sorted(staged)


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_commit_moves_every_staged_file_and_leaves_no_journal(rt, tmp_path):
    committed = rt.commit_moves(str(tmp_path), "a" * 12, staged_pair(rt, tmp_path, "a" * 12))
    assert [Path(p).name for p in committed] == ["a.txt", "b.txt"]
    assert names(tmp_path) == ["a.txt", "b.txt"]
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "b.txt").read_text() == "new b"


def test_a_rename_failing_half_way_puts_everything_back(rt, tmp_path, monkeypatch):
    staged = staged_pair(rt, tmp_path, "b" * 12)
    replace = os.replace

    def full_disk(source, target):
        if str(target).endswith("b.txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        replace(source, target)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(rt.CommitFailed) as failed:
        rt.commit_moves(str(tmp_path), "b" * 12, staged)
    monkeypatch.undo()
    assert failed.value.committed == [] and failed.value.undone
    assert [Path(p).name for p in failed.value.not_committed] == ["a.txt", "b.txt"]
    assert "No space left" in failed.value.describe()
    assert names(tmp_path) == ["a.txt"] and (tmp_path / "a.txt").read_text() == "old a"


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def journal_of_killed_run(rt, tmp_path: Path, moved_first: bool) -> Path:
    """The state a run killed while committing leaves: its journal, a.txt maybe moved already."""
    pid, token = dead_pid(), "c" * 12
    staged = staged_pair(rt, tmp_path, token)
    renamed = [(str(Path(s).with_name(Path(s).name.replace(f"-{os.getpid()}-", f"-{pid}-"))), t) for t, s in staged]
    for (new, _), (_, old) in zip(renamed, staged):
        os.replace(old, new)
    moves = [(staging, target, staging[:-4] + ".old") for staging, target in renamed]
    if moved_first:
        rt.apply_move(moves[0])
    journal = tmp_path / f".glacier-journal-{pid}-{token}.json"
    journal.write_text(json.dumps({"pipeline": "test", "moves": [list(m) for m in moves]}))
    return journal


def test_the_next_start_finishes_the_commit_of_a_killed_run(rt, tmp_path):
    journal_of_killed_run(rt, tmp_path, moved_first=True)
    notes = rt.recover(str(tmp_path), [str(tmp_path)])
    assert notes == ["note: finished the commit of an interrupted run (2 files)"]
    assert names(tmp_path) == ["a.txt", "b.txt"] and (tmp_path / "b.txt").read_text() == "new b"


def test_the_next_start_undoes_a_commit_whose_staged_file_is_gone(rt, tmp_path):
    journal = journal_of_killed_run(rt, tmp_path, moved_first=True)
    moves = json.loads(journal.read_text())["moves"]
    os.remove(moves[1][0])  # b's staged file vanished: the commit cannot be finished
    notes = rt.recover(str(tmp_path), [str(tmp_path)])
    assert notes == ["note: undid the commit of an interrupted run (2 files)"]
    assert names(tmp_path) == ["a.txt"] and (tmp_path / "a.txt").read_text() == "old a"


def test_staging_files_of_live_runs_are_kept(rt, tmp_path):
    live = tmp_path / rt.staging_name("x.txt", "d" * 12, 0)
    live.write_text("mine")
    rt.LIVE_RUNS.add("d" * 12)
    assert rt.recover(str(tmp_path), [str(tmp_path)]) == [] and live.exists()
