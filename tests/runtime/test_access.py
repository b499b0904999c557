"""The Bucket shim allows a node exactly what its executor is granted (ACCESS): in a cloud function as in a
local run, reads, writes and get_uri() of other storage fail the node, and so does a bucket used from a
thread of the task's own (no node to charge it to)."""

from __future__ import annotations

import threading

import polars as pl
import pytest

from tests.runtime.conftest import load_runtime, node_spec, storage_spec

STORAGE = {"raw": storage_spec("raw", "in.parquet"), "out": storage_spec("out", "out.parquet")}


def _run(task, access):
    """The runtime over one node `only` on executor `fn`, whose task is `task(runtime)`."""
    nodes = {"only": {**node_spec("only"), "executor": "fn"}}
    rt = load_runtime(STORAGE=STORAGE, NODES=nodes, LEVELS=(("only",),), OUTPUTS=(), ACCESS=access, TASKS={})
    rt.TASKS["only"] = lambda: task(rt)
    return rt


@pytest.fixture
def data(tmp_path, monkeypatch):
    (tmp_path / "raw").mkdir()
    pl.DataFrame({"n": [1, 2]}).write_parquet(tmp_path / "raw" / "in.parquet")
    monkeypatch.setenv("GLACIER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GLACIER_STAGING_URI", raising=False)
    return tmp_path


@pytest.mark.parametrize(("use", "message"), [
    (lambda rt: rt.BUCKETS["out"].write(rt.BUCKETS["raw"].read()),
     "node `only` writes `out`, but its proven access (what the cloud grants executor `fn`) is: reads `raw`, "
     "writes none; missing grant: writes `out`"),
    (lambda rt: rt.BUCKETS["out"].scan(), "node `only` reads `out`"),
    (lambda rt: rt.BUCKETS["out"].get_uri(), "node `only` reads or writes `out`"),
])
def test_a_node_touching_storage_its_executor_is_not_granted_fails(data, use, message):
    rt = _run(use, {"fn": {"reads": ("raw",), "writes": ()}})
    with pytest.raises(rt.NodeFailed) as failed:
        rt.run_node("only")
    assert isinstance(failed.value.error, rt.AccessRefused)
    assert message in str(failed.value.error)
    assert not (data / "out").exists()


def test_what_the_executor_is_granted_is_allowed(data):
    rt = _run(lambda rt: rt.BUCKETS["out"].write(rt.BUCKETS["raw"].read()),
              {"fn": {"reads": ("raw",), "writes": ("out",)}})
    assert rt.run_node("only")["status"] == "ok"
    assert pl.read_parquet(data / "out" / "out.parquet")["n"].to_list() == [1, 2]


def test_a_bucket_used_from_a_thread_of_the_task_is_refused(data):
    def task(rt):
        seen = []
        worker = threading.Thread(target=lambda: seen.append(_attempt(rt)))
        worker.start()
        worker.join()
        raise seen[0]

    rt = _run(task, {"fn": {"reads": ("raw",), "writes": ()}})
    with pytest.raises(rt.NodeFailed, match="outside a task's own thread"):
        rt.run_node("only")


def _attempt(rt):
    try:
        rt.BUCKETS["raw"].scan()
    except Exception as error:
        return error
    return AssertionError("the thread's scan was allowed")


def test_outside_a_run_nothing_is_checked(data):
    rt = _run(lambda rt: None, {"fn": {"reads": (), "writes": ()}})
    rt.configure(str(data))
    assert rt.BUCKETS["raw"].read()["n"].to_list() == [1, 2]
