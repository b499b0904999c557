"""Atomic output: a build that fails - the input has errors, a write fails half-way, the process is killed
mid-write, a rename of the commit fails or the process is killed between two renames - leaves the previous
OUT exactly as it was (after a kill: once the next build has rolled the journal back)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from glacierc.driver import build
from glacierc.output import OutputError, write_atomically
from tests.helpers import EXAMPLES, ROOT, glacierc

EXAMPLE = EXAMPLES / "aws_etl" / "pipeline.py"


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture()
def previous(tmp_path) -> tuple[Path, dict[str, bytes]]:
    """An OUT from an earlier build (of another example, so a new build would change every file)."""
    out = tmp_path / "build" / "out"  # alone in its parent, so leftovers beside it show
    assert build([EXAMPLES / "quickstart" / "pipeline.py"], out).written
    (out / "user-note.txt").write_text("a file the user put there")
    return out, tree(out)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


@pytest.mark.parametrize("after", [0, 1, 5])
def test_a_write_failing_half_way_leaves_out_intact(previous, monkeypatch, after):
    out, before = previous
    real = Path.write_bytes
    written = []

    def failing(self, data):
        if len(written) >= after:
            raise OSError(28, "No space left on device")
        written.append(self)
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OutputError, match="No space left on device"):
        build([EXAMPLE], out)
    monkeypatch.undo()
    assert tree(out) == before
    assert _leftovers(out) == []


@pytest.mark.parametrize("failing", [1, 2, 6])
def test_a_rename_failing_mid_commit_rolls_every_move_back(previous, monkeypatch, failing):
    out, before = previous
    real, moved = os.replace, []

    def replace(source, target):
        if f"{os.sep}new{os.sep}" in str(source):  # a staged file moving into OUT
            moved.append(source)
            if len(moved) == failing:
                raise OSError(18, "Invalid cross-device link")
        return real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match="cross-device"):
        build([EXAMPLE], out)
    monkeypatch.undo()
    assert tree(out) == before
    assert _leftovers(out) == []


KILLER = """
import os, signal, sys
from pathlib import Path
from glacierc.driver import build

real, count = Path.write_bytes, [0]

def write_then_die(self, data):
    count[0] += 1
    if count[0] > int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, data)

Path.write_bytes = write_then_die
build([sys.argv[1]], Path(sys.argv[2]))
"""


@pytest.mark.parametrize("after", [0, 3])
def test_a_build_killed_mid_write_leaves_out_intact(previous, tmp_path, after):
    out, before = previous
    killed = subprocess.run([sys.executable, "-c", KILLER, str(EXAMPLE), str(out), str(after)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert tree(out) == before
    stale = _leftovers(out)  # the killed process could not clean its staging directory ...
    assert all(name.startswith(".out.glacierc-tmp-") for name in stale), stale
    assert build([EXAMPLE], out).written  # ... the next build is not in its way, and removes it
    assert "ir.json" in tree(out) and tree(out)["user-note.txt"] == before["user-note.txt"]
    assert _leftovers(out) == []


RENAME_KILLER = """
import os, signal, sys
from pathlib import Path
from glacierc.driver import build

real, moved = os.replace, [0]

def replace_then_die(source, target):
    if os.sep + "new" + os.sep in str(source):
        moved[0] += 1
        if moved[0] > int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)
    return real(source, target)

os.replace = replace_then_die
build([sys.argv[1]], Path(sys.argv[2]))
"""


def _kill_between_renames(out: Path, after: int) -> None:
    killed = subprocess.run([sys.executable, "-c", RENAME_KILLER, str(EXAMPLE), str(out), str(after)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr


@pytest.mark.parametrize("after", [1, 4])
def test_a_build_killed_between_two_renames_is_rolled_back_first(previous, after):
    out, before = previous
    _kill_between_renames(out, after)
    assert tree(out) != before  # half of the killed build's moves are in OUT ...
    assert glacierc("build", "--check", str(EXAMPLE), "-o", str(out)).returncode == 1
    from glacierc.output import recover

    recover(out)  # ... what every build does first puts the previous build back exactly
    assert tree(out) == before and _leftovers(out) == []


def test_the_next_build_after_a_kill_between_renames_completes(previous, tmp_path):
    out, before = previous
    _kill_between_renames(out, 2)
    result = glacierc("build", str(EXAMPLE), "-o", str(out))
    assert result.returncode == 0, result.stderr
    clean = tmp_path / "clean"  # built the same way (a fresh process), so by the same code
    assert glacierc("build", str(EXAMPLE), "-o", str(clean)).returncode == 0
    assert tree(out) == {**tree(clean), "user-note.txt": before["user-note.txt"]}
    assert _leftovers(out) == []


def test_an_out_left_aside_by_a_build_killed_mid_swap_is_put_back_first(previous):
    out, before = previous
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    aside = out.parent / f".out.glacierc-old-{dead}"
    out.rename(aside)  # the state a build killed between its two renames leaves
    with pytest.raises(OutputError):  # this build fails too: OUT must be the one from before both
        write_atomically(out, {"a/b": "x", "a": "a file where a directory must be"})
    assert tree(out) == before and _leftovers(out) == []


def test_leftovers_of_running_builds_are_kept(previous):
    out, _ = previous
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as running:
        try:
            dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                                  text=True, check=True).stdout.strip()
            names = [f".out.glacierc-tmp-{dead}", f".out.glacierc-old-{dead}", f".out.glacierc-tmp-{running.pid}",
                     ".out.glacierc-tmp-notapid", ".other.glacierc-tmp-1"]
            for name in names:
                (out.parent / name).mkdir()
            assert build([EXAMPLE], out).written
            assert _leftovers(out) == sorted(names[2:])
        finally:
            running.kill()


def test_a_build_with_errors_leaves_out_untouched(previous, tmp_path):
    out, before = previous
    broken = tmp_path / "src" / "broken.py"
    broken.parent.mkdir()
    broken.write_text(EXAMPLE.read_text().replace('region="us-east-1"', "region=undefined_name"))
    result = glacierc("build", str(broken), "-o", str(out))
    assert result.returncode == 1 and "left untouched" in result.stderr
    assert tree(out) == before and _leftovers(out) == []


def test_check_mode_writes_nothing(previous):
    out, before = previous
    result = glacierc("build", str(EXAMPLE), "-o", str(out), "--check")
    assert result.returncode == 1 and "stale" in result.stderr
    assert tree(out) == before and _leftovers(out) == []


def test_a_successful_build_replaces_only_what_glacierc_wrote(previous):
    out, before = previous
    assert build([EXAMPLE], out).written
    after = tree(out)
    assert after["user-note.txt"] == before["user-note.txt"]  # the user's file stays ...
    assert "graphs/quickstart.dot" in before and "graphs/quickstart.dot" not in after  # ... the old build's goes
    assert _leftovers(out) == []
    assert os.access(out / "ir.json", os.R_OK)


RUNNER_PIPELINE = '''
import polars as pl
from glacier import Provider, pipeline
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig(base_path="./data"))
local_exec = provider.local()
raw = provider.bucket(bucket="raw", path="in.csv")
good = provider.bucket(bucket="out", path="good.parquet")
bad = provider.bucket(bucket="out", path="bad.parquet")


@local_exec.task()
def load(source):
    return source.scan()


@local_exec.task()
def keep(frame):
    good.write(frame.collect())
    return frame


@local_exec.task()
def explode(frame):
    bad.write(frame.with_columns(pl.col("b").cast(pl.Int64)))  # fails while the file is being written
    return frame


@pipeline(name="p")
def p():
    return explode(keep(load(raw)))
'''


def test_a_failed_run_of_the_runner_leaves_no_partial_files(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_text(RUNNER_PIPELINE)
    assert build([source], tmp_path / "out").written
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    (data / "raw" / "in.csv").write_text("a,b\n1,x\n2,y\n")
    run = subprocess.run([sys.executable, str(tmp_path / "out" / "runners" / "p.py"), "--data-dir", str(data)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode != 0 and "explode" in run.stderr
    assert sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()) == ["raw/in.csv"]
