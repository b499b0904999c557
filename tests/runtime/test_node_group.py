"""A cloud function runs a fused group of nodes in one call: results stay in memory inside the group,
only what leaves it is staged under <staging>/<run_id>/, and a state machine's task does not retry."""

from __future__ import annotations

import polars as pl
import pytest

from tests.runtime.conftest import load_runtime, node_spec


def plan(calls):
    def source():
        calls.append("source")
        return pl.LazyFrame({"x": [1, -2, 3]})

    def positive(frame):
        calls.append("positive")
        return frame.filter(pl.col("x") > 0)

    def total(frame):
        calls.append("total")
        return frame.select(pl.col("x").sum())

    def flaky():
        calls.append("flaky")
        raise RuntimeError("down")

    nodes = {"source": node_spec("source", lazy=True), "positive": node_spec("positive", needs=("source",), lazy=True),
             "total": node_spec("total", needs=("positive",), lazy=True), "flaky": node_spec("flaky", retries=3)}
    return load_runtime(NODES=nodes, LEVELS=(("flaky", "source"), ("positive",), ("total",)), OUTPUTS=("total",),
                        TASKS={"source": source, "positive": positive, "total": total, "flaky": flaky})


def test_a_group_stages_only_what_leaves_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path))
    monkeypatch.delenv("GLACIER_DATA_DIR", raising=False)
    calls = []
    rt = plan(calls)
    assert rt.run_node("source", {"run_id": "exec-1", "group": "source"})["status"] == "ok"
    report = rt.run_group(("positive", "total"), {"pipeline": "test", "group": "positive", "run_id": "exec-1"},
                          retry_in_process=False)
    assert [r["status"] for r in report["nodes"]] == ["ok", "ok"] and report["group"] == "positive"
    # positive's frame flowed in memory to total: only total (a pipeline output) and source are staged
    assert sorted(p.name for p in (tmp_path / "exec-1").iterdir()) == [
        "source.json", "source.parquet", "total.json", "total.parquet"]
    assert pl.read_parquet(tmp_path / "exec-1" / "total.parquet")["x"].to_list() == [4]


def test_an_event_naming_another_group_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path))
    rt = plan([])
    with pytest.raises(rt.RefusedEvent, match="group `total` is not the group led by node `positive`"):
        rt.run_group(("positive", "total"), {"group": "total", "run_id": "r"})


def test_a_state_machine_task_is_not_retried_in_the_function(tmp_path, monkeypatch):
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path))
    calls = []
    rt = plan(calls)
    with pytest.raises(rt.NodeFailed):
        rt.run_group(("flaky",), {"run_id": "r"}, retry_in_process=False)
    assert calls == ["flaky"]
    with pytest.raises(rt.NodeFailed):
        rt.run_node("flaky", {"run_id": "r2"})  # other clouds' entry points still retry in the function
    assert calls == ["flaky"] * 5
