"""Retries, timeouts and levels, run by the runtime itself (no runner generated)."""

from __future__ import annotations

import time

import polars as pl

from tests.runtime.conftest import load_runtime, node_spec


def flaky(failures):
    calls = []

    def task():
        calls.append(time.monotonic())
        if len(calls) <= failures:
            raise ConnectionError(f"attempt {len(calls)} failed")
        return pl.DataFrame({"n": [len(calls)]})

    return task, calls


def run_all(rt):
    run = rt.Run()
    results, outputs = {}, {}
    rt.ACTIVE["run"] = run
    try:
        values = rt.execute(run, rt.select(), None, results, outputs)
    finally:
        rt.ACTIVE["run"] = None
    return values, results


def test_a_task_is_retried_until_it_succeeds():
    task, calls = flaky(2)
    rt = load_runtime(NODES={"a": node_spec("a", retries=2)}, LEVELS=(("a",),), OUTPUTS=("a",), TASKS={"a": task})
    values, results = run_all(rt)
    assert len(calls) == 3 and results["a"].attempts == 3 and results["a"].status == "ok"
    assert values["a"]["n"].to_list() == [3]


def test_a_task_out_of_retries_fails_its_node_and_cancels_nothing_else():
    task, calls = flaky(5)
    rt = load_runtime(NODES={"a": node_spec("a", retries=1), "b": node_spec("b", needs=("a",))},
                      LEVELS=(("a",), ("b",)), OUTPUTS=("b",), TASKS={"a": task, "b": lambda a: a})
    try:
        run_all(rt)
    except rt.NodeFailed as failed:
        assert failed.nodes == ["a"] and isinstance(failed.error, ConnectionError)
    else:
        raise AssertionError("the node did not fail")
    assert len(calls) == 2


def test_a_task_over_its_timeout_fails_without_a_retry():
    calls = []

    def slow():
        calls.append(1)
        time.sleep(3)

    rt = load_runtime(NODES={"a": node_spec("a", retries=3, timeout=1)}, LEVELS=(("a",),), OUTPUTS=(),
                      TASKS={"a": slow})
    start = time.monotonic()
    try:
        run_all(rt)
    except rt.NodeFailed as failed:
        assert isinstance(failed.error, rt.TaskTimeout)
        assert "within its timeout of 1 s" in str(failed.error)
    else:
        raise AssertionError("the node did not time out")
    assert time.monotonic() - start < 2.5 and calls == [1]


def test_results_flow_between_levels_and_eager_tasks_of_a_level_overlap():
    def wait(frame):
        time.sleep(0.5)
        return frame.with_columns(m=pl.col("n") * 2)

    nodes = {"src": node_spec("src", lazy=True), "x": node_spec("x", needs=("src",)),
             "y": node_spec("y", needs=("src",))}
    rt = load_runtime(NODES=nodes, LEVELS=(("src",), ("x", "y")), OUTPUTS=("x", "y"),
                      TASKS={"src": lambda: pl.LazyFrame({"n": [1, 2]}), "x": wait, "y": wait})
    start = time.monotonic()
    values, results = run_all(rt)
    assert time.monotonic() - start < 0.95  # the two eager tasks of level 1 ran in threads
    assert values["x"].collect()["m"].to_list() == [2, 4] and results["src"].output == "lazy"
