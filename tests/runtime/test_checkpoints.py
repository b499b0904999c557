"""Checkpoints store results as Parquet and JSON, never as Python objects."""

from __future__ import annotations

import json
import math

import polars as pl
import pytest

from tests.runtime.conftest import load_runtime, node_spec


@pytest.fixture
def rt():
    return load_runtime(NODES={"a": node_spec("a"), "b": node_spec("b", needs=("a",))}, LEVELS=(("a",), ("b",)),
                        OUTPUTS=("b",), TASKS={})


def test_plain_values_and_nested_frames_round_trip(rt):
    frame = pl.DataFrame({"n": [1, 2]})
    value = {"count": 3, "ratio": math.inf, "pair": (1, "x"), "rows": [frame, None], "flag": True}
    frames = []
    encoded = rt.encode_value(value, frames)
    assert json.loads(json.dumps(encoded)) == encoded and frames == [frame]
    decoded = rt.decode_value(encoded, lambda index, lazy: frames[index])
    assert decoded["pair"] == (1, "x") and decoded["ratio"] == math.inf and decoded["rows"][0] is frame


@pytest.mark.parametrize("value", [{1: "a"}, {"s": {1, 2}}, b"bytes", pl.Series([1])])
def test_values_that_are_not_data_are_refused(rt, value):
    with pytest.raises(rt.UnstorableValue):
        rt.encode_value(value, [])


def test_a_saved_result_is_json_and_parquet_and_loads_back(rt, tmp_path):
    run = rt.Run(checkpoint=str(tmp_path))
    checkpoints = run.checkpoints
    checkpoints.save(run, "a", {"total": 5, "frame": pl.DataFrame({"n": [7]})}, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.0.parquet", "a.json"]
    record = json.loads((tmp_path / "a.json").read_text())
    assert record["plan"] == rt.PLAN_ID and record["kind"] == "value" and checkpoints.valid("a")
    loaded = checkpoints.load("a")
    assert loaded["total"] == 5 and loaded["frame"]["n"].to_list() == [7]


def test_a_record_of_another_build_is_foreign_and_not_valid(rt, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"plan": "another", "status": "ok", "kind": "none"}))
    checkpoints = rt.Checkpoints(str(tmp_path), {})
    assert checkpoints.foreign(["a", "b"]) == ["a"] and not checkpoints.valid("a")
    with pytest.raises(rt.UsageError, match="holds results of another build"):
        rt.select(resume=True, checkpoints=checkpoints)


def test_strict_checkpoints_refuse_an_unstorable_result_another_node_needs(tmp_path):
    rt = load_runtime(NODES={"a": node_spec("a"), "b": node_spec("b", needs=("a",))}, LEVELS=(("a",), ("b",)))
    run = rt.Run(checkpoint=str(tmp_path), strict=True)
    with pytest.raises(rt.UnstorableValue, match="the result of node `a` cannot be stored"):
        run.checkpoints.save(run, "a", {1, 2}, None)
    relaxed = rt.Run(checkpoint=str(tmp_path / "relaxed"))
    relaxed.checkpoints.save(relaxed, "a", {1, 2}, None)  # not saved: --resume runs it again
    assert not relaxed.checkpoints.valid("a")


def test_item_indexes_are_the_ascii_numbered_items_only(rt, tmp_path):
    """A mapped node's staged items are `<index>.json`; a name of other digits (`²`, which str.isdigit
    accepts and int() refuses) or anything else in the folder is not an item, and never crashes the reader."""
    for name in ("0.json", "2.json", "10.json", "².json", "x.json", "3.parquet", "-1.json"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert rt.item_indexes(str(tmp_path), None) == [0, 2, 10]
