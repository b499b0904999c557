"""The runner trusts nothing it reads: checkpoints are data (no pickle), buckets stay inside --data-dir,
a run's writes commit all or nothing (also when a rename fails half way or the runner is killed while
committing), glob inputs never see staging files, and a stopped `glacierc run` leaves no runner behind."""

from __future__ import annotations

import base64
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tests.test_runner_support import FIXTURES, files_under, load_module, run, write_runner

PIPELINE = FIXTURES / "commit" / "pipeline.py"

#: Runs a runner with os.replace failing (FAIL_HOW=raise) or the process killed (FAIL_HOW=kill) when a
#: staging file is about to be renamed over a target whose name ends with FAIL_TARGET.
INJECT = """
import os, runpy, signal, sys
real = os.replace
def replace(src, dst, *args, **kwargs):
    if str(src).endswith(".tmp") and ".glacier-" in str(src) and str(dst).endswith(os.environ["FAIL_TARGET"]):
        if os.environ["FAIL_HOW"] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise OSError(28, "No space left on device (injected)")
    return real(src, dst, *args, **kwargs)
os.replace = replace
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.fixture
def project(tmp_path):
    """(runner, working directory) with two input parts and previous outputs holding n = 100."""
    parts = tmp_path / "data" / "in" / "parts"
    parts.mkdir(parents=True)
    pl.DataFrame({"n": [1]}).write_parquet(parts / "x.parquet")
    pl.DataFrame({"n": [2]}).write_parquet(parts / "y.parquet")
    (tmp_path / "data" / "out").mkdir()
    for name in ("a", "b"):
        pl.DataFrame({"n": [100]}).write_parquet(tmp_path / "data" / "out" / f"{name}.parquet")
    return write_runner(tmp_path, PIPELINE), tmp_path


def injected(runner: Path, cwd: Path, how: str, target: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FAIL_HOW": how, "FAIL_TARGET": target}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-c", INJECT, str(runner), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def outputs(cwd: Path) -> tuple[list, list]:
    return tuple(pl.read_parquet(cwd / "data" / "out" / f"{n}.parquet")["n"].to_list() for n in ("a", "b"))


def leftovers(cwd: Path) -> list[str]:
    return [f for f in files_under(cwd) if ".glacier-" in f and "runners" not in f]


# ---- commit: all or nothing ---------------------------------------------------------------------

def test_a_rename_failing_half_way_commits_nothing_and_says_so(project):
    runner, cwd = project
    result = injected(runner, cwd, "raise", "b.parquet", "--data-dir", "data", "--report", "report.json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "error: committing the run's writes failed: OSError: [Errno 28] No space left" in result.stderr
    assert "  committed: nothing" in result.stderr
    assert "  not committed: data/out/a.parquet, data/out/b.parquet" in result.stderr
    assert outputs(cwd) == ([100], [100])  # a.parquet, renamed first, was put back
    assert leftovers(cwd) == []
    report = json.loads((cwd / "report.json").read_text())
    assert report["status"] == "failed" and "not committed" in report["error"]


def test_a_run_killed_while_committing_is_finished_at_the_next_start(project):
    runner, cwd = project
    killed = injected(runner, cwd, "kill", "b.parquet", "--data-dir", "data")
    assert killed.returncode == -signal.SIGKILL
    out = cwd / "data" / "out"
    assert pl.read_parquet(out / "a.parquet")["n"].to_list() == [1]  # half committed: b.parquet put aside
    assert not (out / "b.parquet").exists()
    assert [f for f in files_under(cwd / "data") if f.startswith(".glacier-journal-")]
    again = run(runner, "--data-dir", "data", "--select", "load", cwd=cwd)
    assert again.returncode == 0, again.stderr
    assert "note: finished the commit of an interrupted run (2 files)" in again.stderr
    assert outputs(cwd) == ([1], [2])
    assert leftovers(cwd) == []


def test_glob_inputs_never_match_staging_files_and_dead_runs_are_cleaned(project):
    runner, cwd = project
    parts = cwd / "data" / "in" / "parts"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    live_file = parts / f".z.parquet.glacier-{os.getpid()}-{'a' * 12}-0.tmp"  # this test process is alive
    dead_file = parts / f".w.parquet.glacier-{dead}-{'b' * 12}-0.tmp"
    for path in (live_file, dead_file):
        pl.DataFrame({"n": [99]}).write_parquet(path)
    result = run(runner, "--data-dir", "data", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "load (local, local_exec) ... ok" in result.stderr and ", 2 rows" in result.stderr
    assert outputs(cwd) == ([1], [2])
    assert live_file.exists() and not dead_file.exists()


# ---- --data-dir containment ---------------------------------------------------------------------

def test_a_bucket_linked_out_of_the_data_dir_is_refused_before_anything_runs(project, tmp_path_factory):
    runner, cwd = project
    outside = tmp_path_factory.mktemp("outside")
    (cwd / "data" / "out").rename(cwd / "moved")
    (cwd / "data" / "out").symlink_to(outside, target_is_directory=True)
    result = run(runner, "--data-dir", "data", cwd=cwd)
    assert result.returncode == 2
    assert f"bucket `out` with path `a.parquet` resolves to {outside / 'a.parquet'}, outside --data-dir" \
        in result.stderr
    assert "Traceback" not in result.stderr and list(outside.iterdir()) == []


def test_locations_with_dot_dot_or_absolute_buckets_are_refused(project):
    runner, cwd = project
    module = load_module(runner)
    for bucket, path in (("..", "etc/passwd"), ("/etc", "passwd"), ("out", "../../x.parquet")):
        module.STORAGE["out_a"] = {**module.STORAGE["first"], "bucket": bucket, "path": path}
        with pytest.raises(module.LocationRefused, match="outside --data-dir"):
            module.locate(module.STORAGE["out_a"], str(cwd / "data"), {})


# ---- checkpoints and values between nodes: data, never pickle -----------------------------------

def test_values_between_nodes_round_trip_as_parquet_and_json(project, monkeypatch):
    runner, cwd = project
    assert "pickle" not in runner.read_text()
    module = load_module(runner)
    monkeypatch.setenv("GLACIER_DATA_DIR", str(cwd / "data"))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(cwd / "staging"))
    for node in ("load", "split", "describe", "save"):
        assert module.run_node(node, {"pipeline": "commit", "run_id": "run-1"})["status"] == "ok"
    saved = sorted(p.name for p in (cwd / "staging" / "run-1").iterdir())
    assert saved == ["describe.json", "load.json", "load.parquet", "save.json", "split.0.parquet",
                     "split.1.parquet", "split.json"]
    record = json.loads((cwd / "staging" / "run-1" / "describe.json").read_text())
    assert json.loads(record["value"]) == {"dict": {"gap": {"float": "nan"}, "names": {"tuple": ["a", "b"]},
                                                    "nested": [1, None, True], "rows": 2}}
    checkpoints = module.Checkpoints(str(cwd / "staging" / "run-1"), {})
    info = checkpoints.load("save")
    assert info["names"] == ("a", "b") and math.isnan(info["gap"]) and info["nested"] == [1, None, True]
    head, tail = checkpoints.load("split")
    assert isinstance(head, pl.DataFrame) and isinstance(tail, pl.LazyFrame)
    assert outputs(cwd) == ([1], [2])


def test_a_pickled_checkpoint_is_never_unpickled(project, tmp_path):
    runner, cwd = project
    module = load_module(runner)
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    record = {"pipeline": "commit", "plan": module.PLAN_ID, "node": "describe", "status": "ok", "kind": "value",
              "rows": None, "value": base64.b64encode(pickle.dumps(Exploit())).decode()}
    (cwd / "ckpt").mkdir()
    (cwd / "ckpt" / "describe.json").write_text(json.dumps(record))
    with pytest.raises(ValueError):
        module.Checkpoints(str(cwd / "ckpt"), {}).load("describe")
    assert not marker.exists()


def test_an_unstorable_value_is_refused_when_another_function_needs_it(project, monkeypatch):
    runner, cwd = project
    module = load_module(runner)
    checkpoints = module.Checkpoints(str(cwd / "ckpt"), {}, strict=True)
    (cwd / "ckpt").mkdir()
    with pytest.raises(module.UnstorableValue, match="node `describe` cannot be stored between nodes: "
                                                     "a value of type builtins.set"):
        checkpoints.save(module.Run(), "describe", {"a": {1, 2}}, None)
    with pytest.raises(module.UnstorableValue, match="keys that are not str"):
        module.encode_value({1: "x"}, [])


# ---- glacierc run: signals reach the runner ------------------------------------------------------

def test_sigterm_to_glacierc_run_stops_the_runner_and_commits_nothing(project):
    _, cwd = project
    command = [sys.executable, "-m", "glacierc", "run", str(PIPELINE), "--data-dir", "data", "-e", "DELAY=60"]
    parent = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "loaded"
        children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
        assert len(children) == 1
        started = time.monotonic()
        parent.send_signal(signal.SIGTERM)
        status = parent.wait(timeout=30)
    finally:
        parent.kill()
    stderr = parent.stderr.read()
    assert status == 128 + signal.SIGTERM, stderr
    assert time.monotonic() - started < 20  # the runner stopped; it did not sleep on
    assert not Path(f"/proc/{children[0]}").exists()
    assert "interrupted: nothing of this run was committed" in stderr
    assert outputs(cwd) == ([100], [100]) and leftovers(cwd) == []
