"""SIGINT and SIGTERM stop a run through its rollback: nothing of the interrupted level is committed."""

from __future__ import annotations

import os
import signal

import polars as pl
import pytest

from tests.runtime.conftest import load_runtime, node_spec, storage_spec


def pipeline(signum):
    def first():
        out.write(pl.DataFrame({"n": [1]}))

    def second():
        out_b.write(pl.DataFrame({"n": [2]}))
        os.kill(os.getpid(), signum)  # the signal arrives while the node runs

    rt = load_runtime(
        STORAGE={"out": storage_spec("data", "a.parquet"), "out_b": storage_spec("data", "b.parquet")},
        NODES={"first": node_spec("first", writes=("out",)), "second": node_spec("second", writes=("out_b",))},
        LEVELS=(("first",), ("second",)), OUTPUTS=(), TASKS={"first": first, "second": second})
    out, out_b = rt.BUCKETS["out"], rt.BUCKETS["out_b"]
    return rt


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_rolls_the_run_back_and_exits_128_plus_it(signum, tmp_path, capsys):
    rt = pipeline(signum)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    status = rt.main(["--data-dir", str(tmp_path), "--quiet"])
    assert status == 128 + signum
    assert "interrupted: nothing of this run was committed" in capsys.readouterr().err
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == []  # no output, no staging
    assert {s: signal.getsignal(s) for s in before} == before  # the runner's handlers are taken back


def test_with_checkpoints_earlier_levels_stay_committed(tmp_path, capsys):
    rt = pipeline(signal.SIGTERM)
    status = rt.main(["--data-dir", str(tmp_path / "d"), "--checkpoint", str(tmp_path / "c"), "--quiet"])
    assert status == 128 + signal.SIGTERM
    assert "interrupted: only " in capsys.readouterr().err
    data = tmp_path / "d" / "data"
    assert sorted(p.name for p in data.iterdir()) == ["a.parquet"]
    assert pl.read_parquet(data / "a.parquet")["n"].to_list() == [1]
