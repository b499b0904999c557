"""The commit journal with folders: a prefix storage's staging folder (from get_uri() in a node that only
writes it) is merged file by file below the prefix, all or nothing, and a run killed between two of its
renames is finished or undone by the next start. The runtime runs as a runner lays it out (load_runtime)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.runtime.conftest import load_runtime, node_spec, storage_spec
from tests.test_runner_support import ROOT

TOKEN = "e" * 12


def tree(root: Path) -> dict[str, str]:
    """Every file below `root` (hidden ones too) -> its text."""
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def staged_folder(rt, root: Path) -> list[tuple[str, str]]:
    """A prefix `scratch/` holding keep.txt and same.txt, and a staging folder beside it holding a new same.txt
    and a new sub/new.txt: the sorted (target, staging) pairs a run commits."""
    scratch = root / "scratch"
    (scratch).mkdir(parents=True)
    (scratch / "keep.txt").write_text("old keep")
    (scratch / "same.txt").write_text("old same")
    staging = root / rt.staging_name("scratch", TOKEN, 0)
    (staging / "sub").mkdir(parents=True)
    (staging / "same.txt").write_text("new same")
    (staging / "sub" / "new.txt").write_text("new sub")
    return [(str(scratch) + os.sep, str(staging))]


MERGED = {"scratch/keep.txt": "old keep", "scratch/same.txt": "new same", "scratch/sub/new.txt": "new sub"}
BEFORE = {"scratch/keep.txt": "old keep", "scratch/same.txt": "old same"}


def test_a_staged_folder_is_merged_below_the_prefix_keeping_its_other_files(tmp_path):
    rt = load_runtime()
    staged = staged_folder(rt, tmp_path)
    committed = rt.commit_moves(str(tmp_path), TOKEN, staged)
    assert [Path(p).relative_to(tmp_path).as_posix() for p in committed] == ["scratch/same.txt", "scratch/sub/new.txt"]
    rt.remove_path(staged[0][1])  # the emptied staging folder: the run removes it with its other temporaries
    assert tree(tmp_path) == MERGED and sorted(os.listdir(tmp_path)) == ["scratch"]


def test_a_rename_failing_half_way_through_a_folder_puts_everything_back(tmp_path, monkeypatch):
    rt = load_runtime()
    staged = staged_folder(rt, tmp_path)
    replace = os.replace

    def full_disk(source, target):
        if str(target).endswith("new.txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        replace(source, target)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(rt.CommitFailed) as failed:
        rt.commit_moves(str(tmp_path), TOKEN, staged)
    monkeypatch.undo()
    assert failed.value.undone and failed.value.committed == []
    assert {k: v for k, v in tree(tmp_path).items() if k.startswith("scratch/")} == BEFORE
    assert not list(tmp_path.glob(".glacier-journal-*"))


def test_a_file_staged_for_a_prefix_is_refused_before_anything_moves(tmp_path):
    rt = load_runtime()
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "keep.txt").write_text("old keep")
    staging = tmp_path / rt.staging_name("scratch", TOKEN, 0)
    staging.write_text("one file")
    with pytest.raises(rt.CommitFailed) as failed:
        rt.commit_moves(str(tmp_path), TOKEN, [(str(tmp_path / "scratch") + os.sep, str(staging))])
    assert failed.value.undone and "is a prefix storage, a folder of objects" in failed.value.describe()
    assert tree(tmp_path / "scratch") == {"keep.txt": "old keep"} and staging.read_text() == "one file"


STAGE_AND_KILL = """
import os, signal, sys
sys.path[:0] = [{root!r}]
from pathlib import Path
from tests.runtime.conftest import load_runtime
from tests.test_runtime_prefix_commit import staged_folder
rt = load_runtime()
staged = staged_folder(rt, Path({root_dir!r}))
calls = []
replace = os.replace

def killed_at_a_rename(source, target):
    calls.append(target)
    if len(calls) == {kill_at}:
        os.kill(os.getpid(), signal.SIGKILL)
    replace(source, target)

os.replace = killed_at_a_rename
rt.commit_moves({root_dir!r}, {token!r}, staged)
"""


def killed_while_committing(tmp_path: Path, kill_at: int) -> None:
    """A process stages staged_folder() and commits it, killed (SIGKILL) before its rename number `kill_at`:
    1 puts the journal in place, 2 same.txt aside, 3 the new same.txt in, 4 sub/new.txt in."""
    code = STAGE_AND_KILL.format(root=str(ROOT), root_dir=str(tmp_path), token=TOKEN, kill_at=kill_at)
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr


@pytest.mark.parametrize("kill_at", [3, 4])
def test_the_next_start_finishes_a_folder_commit_killed_between_two_renames(tmp_path, kill_at):
    killed_while_committing(tmp_path, kill_at)
    journals = list(tmp_path.glob(".glacier-journal-*.json"))
    assert len(journals) == 1  # the killed run left its journal, and files half moved
    half = {k: v for k, v in tree(tmp_path).items() if k.startswith("scratch/")}
    assert half == {3: {"scratch/keep.txt": "old keep"}, 4: {**BEFORE, "scratch/same.txt": "new same"}}[kill_at]
    rt = load_runtime()
    notes = rt.recover(str(tmp_path), [str(tmp_path), str(tmp_path / "scratch")])
    assert notes == ["note: finished the commit of an interrupted run (2 files)"]
    assert tree(tmp_path) == MERGED and sorted(os.listdir(tmp_path)) == ["scratch"]


def test_the_next_start_undoes_a_folder_commit_whose_staged_file_is_gone(tmp_path):
    killed_while_committing(tmp_path, 3)
    journal, = tmp_path.glob(".glacier-journal-*.json")
    moves = json.loads(journal.read_text())["moves"]
    os.remove(moves[1][0])  # sub/new.txt's staged file vanished: the commit cannot be finished
    notes = load_runtime().recover(str(tmp_path), [str(tmp_path), str(tmp_path / "scratch")])
    assert notes == ["note: undid the commit of an interrupted run (2 files)"]
    assert tree(tmp_path) == BEFORE and sorted(os.listdir(tmp_path)) == ["scratch"]




# ---- nodes writing a prefix and reading it back -------------------------------------------------------

def run_below(rt, data_dir: Path) -> dict:
    """Run the plan of `rt` with --data-dir `data_dir`, as the runner's command line does; the nodes' values."""
    run = rt.Run(str(data_dir))
    rt.ACTIVE["run"] = run
    try:
        return rt.execute(run, rt.select(), None, {}, {})
    finally:
        rt.ACTIVE["run"] = None


def test_objects_written_into_get_uri_land_below_the_prefix_and_the_next_node_reads_them(tmp_path):
    frames = {"north": pl.DataFrame({"n": [1, 2]}), "south": pl.DataFrame({"n": [3]})}

    def write_parts():
        folder = BUCKETS["parts"].get_uri()
        assert folder.endswith(os.sep) and os.path.isdir(folder)
        for name, frame in frames.items():
            frame.write_parquet(folder + f"{name}.parquet")

    def read_parts():
        return BUCKETS["parts"].read().sort("n")

    nodes = {"write_parts": node_spec("write_parts", writes=("parts",)),
             "read_parts": node_spec("read_parts", reads=("parts",))}
    rt = load_runtime(STORAGE={"parts": storage_spec("lake", "parts/")}, NODES=nodes,
                      LEVELS=(("write_parts",), ("read_parts",)), OUTPUTS=("read_parts",),
                      TASKS={"write_parts": write_parts, "read_parts": read_parts})
    BUCKETS = rt.BUCKETS
    (tmp_path / "lake" / "parts").mkdir(parents=True)
    pl.DataFrame({"n": [0]}).write_parquet(tmp_path / "lake" / "parts" / "older.parquet")
    values = run_below(rt, tmp_path)
    assert values["read_parts"]["n"].to_list() == [0, 1, 2, 3]  # the staged folder's objects and the older one
    assert sorted(os.listdir(tmp_path / "lake")) == ["parts"]  # no staging folder, backup or journal left
    assert sorted(os.listdir(tmp_path / "lake" / "parts")) == ["north.parquet", "older.parquet", "south.parquet"]
    assert_frame_equal(pl.read_parquet(tmp_path / "lake" / "parts" / "south.parquet"), frames["south"])


def test_a_node_reading_a_prefix_it_wrote_sees_its_write_among_the_older_objects(tmp_path):
    def write_then_read():
        BUCKETS["parts"].write(pl.DataFrame({"n": [1, 2]}))
        return BUCKETS["parts"].read().sort("n")

    rt = load_runtime(STORAGE={"parts": storage_spec("lake", "parts/")},
                      NODES={"both": node_spec("both", reads=("parts",), writes=("parts",))},
                      LEVELS=(("both",),), OUTPUTS=("both",), TASKS={"both": write_then_read})
    BUCKETS = rt.BUCKETS
    (tmp_path / "lake" / "parts").mkdir(parents=True)
    pl.DataFrame({"n": [0]}).write_parquet(tmp_path / "lake" / "parts" / "older.parquet")
    values = run_below(rt, tmp_path)
    assert values["both"]["n"].to_list() == [0, 1, 2]
    assert sorted(os.listdir(tmp_path / "lake" / "parts")) == ["00000000.parquet", "older.parquet"]
