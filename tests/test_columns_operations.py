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


ORDERS = "`id`, `customer`, `amount`, `qty`, `small`, `weight`, `at`, `day`, `tags`, `paid`"
CUSTOMERS = "`customer`, `id`, `country`, `score`"
_MISSING = "column `{}` does not exist here; the frame has {}"
_KEY = "join key `{}` is not a column of the {} frame; it has {}"
#: task, the edit that breaks it (old -> new text, in that task), the code, the exact text of the reported span
#: (in the new text) and the message.
BROKEN = [
    ("scan", "o.scan()", 'o.scan().sort("ordered")', "GLC601", '"ordered"', _MISSING.format("ordered", ORDERS)),
    ("read", 'pl.col("qty")', 'pl.col("quantity")', "GLC601", '"quantity"', _MISSING.format("quantity", ORDERS)),
    ("select", 'pl.col("amount"),', 'pl.col("amont"),', "GLC601", '"amont"', _MISSING.format("amont", ORDERS)),
    ("with_columns", 'pl.col("amount") - 1', 'pl.col("net") - 1', "GLC601", '"net"',
     _MISSING.format("net", ORDERS)),
    ("filter_rows", 'customer="ann"', 'client="ann"', "GLC601", "client", _MISSING.format("client", ORDERS)),
    ("rename", '"id": "order_id"', '"ident": "order_id"', "GLC601", '"ident"', _MISSING.format("ident", ORDERS)),
    ("drop", '["at", "day"]', '["at", "date"]', "GLC601", '"date"', _MISSING.format("date", ORDERS)),
    ("join_inner", 'on="customer"', 'on="country"', "GLC602", '"country"', _KEY.format("country", "left", ORDERS)),
    ("join_keys", 'right_on="name"', 'right_on="customer"', "GLC602", '"customer"',
     _KEY.format("customer", "right", "`name`, `id`, `country`, `score`")),
    ("join_left", '["customer", "id"]', '["customer", "score"]', "GLC602", '"score"',
     _KEY.format("score", "left", ORDERS)),
    ("join_full", 'how="full")', 'how="full").select("country_right")', "GLC601", '"country_right"',
     _MISSING.format("country_right", f"{ORDERS}, `customer_right`, `id_right`, `country`, `score`")),
    ("join_full_coalesced", "coalesce=True)", 'coalesce=True).select("customer_right")', "GLC601",
     '"customer_right"', _MISSING.format("customer_right", f"{ORDERS}, `id_right`, `country`, `score`")),
    ("join_not_coalesced", "coalesce=False)", 'coalesce=False).drop("country_right")', "GLC601",
     '"country_right"', _MISSING.format("country_right", f"{ORDERS}, `customer_right`, `id_right`, `country`, "
                                                         "`score`")),
    ("join_right", 'how="right")', 'how="right").select("customer_right")', "GLC601", '"customer_right"',
     _MISSING.format("customer_right", "`id`, `amount`, `qty`, `small`, `weight`, `at`, `day`, `tags`, `paid`, "
                                       "`customer`, `id_right`, `country`, `score`")),
    ("join_semi", 'how="semi")', 'how="semi").select("country")', "GLC601", '"country"',
     _MISSING.format("country", ORDERS)),
    ("join_anti", 'on="customer"', 'on="score"', "GLC602", '"score"', _KEY.format("score", "left", ORDERS)),
    ("join_cross", 'how="cross")', 'how="cross").filter(pl.col("amount") > 1)', "GLC601", '"amount"',
     _MISSING.format("amount", "`id`, `customer`, `customer_right`, `id_right`, `country`, `score`")),
    ("group_by", 'pl.col("weight")', 'pl.col("wieght")', "GLC601", '"wieght"', _MISSING.format("wieght", ORDERS)),
    ("unique", '["customer", "day"]', '["customer", "days"]', "GLC601", '"days"', _MISSING.format("days", ORDERS)),
    ("sort", 'pl.col("amount")', 'pl.col("total")', "GLC601", '"total"', _MISSING.format("total", ORDERS)),
    ("head", ".limit(1)", '.limit(1).sort("quantity")', "GLC601", '"quantity"', _MISSING.format("quantity", ORDERS)),
    ("explode", '.explode("tags")', '.explode("tag")', "GLC601", '"tag"', _MISSING.format("tag", "`id`, `tags`")),
    ("unpivot", '"qty", "small"', '"qty", "smal"', "GLC601", '"smal"', _MISSING.format("smal", ORDERS)),
    ("concat_vertical", "frame.tail(1)])", 'frame.tail(1)]).select("qty")', "GLC601", '"qty"',
     _MISSING.format("qty", "`id`, `amount`")),
    ("concat_relaxed", 'pl.col("weight")', 'pl.col("weigth")', "GLC601", '"weigth"',
     _MISSING.format("weigth", ORDERS)),
    ("concat_horizontal", 'select("country")', 'select("city")', "GLC601", '"city"',
     _MISSING.format("city", CUSTOMERS)),
    ("concat_diagonal", 'how="diagonal")', 'how="diagonal").filter(pl.col("score") > 0)', "GLC601", '"score"',
     _MISSING.format("score", "`id`, `customer`, `country`")),
    ("cast", '{"qty": pl.Int64', '{"quantity": pl.Int64', "GLC601", '"quantity"',
     _MISSING.format("quantity", ORDERS)),
    ("alias", '(pl.col("qty") * 2)', '(pl.col("a") * 2)', "GLC601", '"a"', _MISSING.format("a", ORDERS)),
    ("arithmetic", 'pl.col("qty") + 1', 'pl.col("qtty") + 1', "GLC601", '"qtty"', _MISSING.format("qtty", ORDERS)),
    ("comparison", 'pl.col("customer") == "ann"', 'pl.col("customer") == 1', "GLC604", 'pl.col("customer") == 1',
     "comparing String with an integer literal: Polars cannot compare these dtypes"),
    ("strings", 'pl.col("customer").str.len_chars()', 'pl.col("name").str.len_chars()', "GLC601", '"name"',
     _MISSING.format("name", ORDERS)),
    ("temporal", 'pl.col("day").dt.weekday()', 'pl.col("date").dt.weekday()', "GLC601", '"date"',
     _MISSING.format("date", ORDERS)),
    ("window", '.over("customer").alias("rank")', '.over("client").alias("rank")', "GLC601", '"client"',
     _MISSING.format("client", ORDERS)),
    ("when_then", '.then("customer")', '.then("customr")', "GLC601", '"customr"',
     _MISSING.format("customr", ORDERS)),
]


def _task_source(task: str, old: str, new: str) -> str:
    """The fixture's declarations, the task with the edit, and a pipeline calling it alone."""
    head, _, rest = SOURCE.partition("\n\n@local_exec.task()\n")
    start = SOURCE.index(f"@local_exec.task()\ndef {task}(")
    body = SOURCE[start:SOURCE.index("\n\n\n", start)]
    assert body.count(old) == 1, (task, old)
    arguments = "orders, customers" if f"def {task}(o, c)" in body else "orders"
    return f'{head}\n\n\n{body.replace(old, new)}\n\n\n@pipeline(name="p")\ndef p():\n    return {task}({arguments})\n'


def test_every_operation_has_a_broken_variant() -> None:
    assert sorted(task for task, *_ in BROKEN) == sorted(TASKS)


@pytest.mark.parametrize(("task", "old", "new", "code", "text", "message"), BROKEN, ids=[row[0] for row in BROKEN])
def test_broken_operation_reports_the_rule_at_the_expression(task: str, old: str, new: str, code: str, text: str,
                                                              message: str, tmp_path: Path) -> None:
    source = _task_source(task, old, new)
    path = tmp_path / "pipeline.py"
    path.write_text(source)
    found = [d for d in compile_project([path]).diagnostics if d.code.startswith("GLC6")]
    assert [(d.code, d.message) for d in found] == [(code, message)]
    span = found[0].span
    lines = source.splitlines()
    assert span.line == span.end_line
    assert lines[span.line - 1][span.column - 1:span.end_column - 1] == text
    offset = sum(len(line) + 1 for line in lines[:span.line - 1]) + span.column - 1
    assert offset == source.index(new) + new.index(text), "the span is on the edited expression"


#: Every dtype the supertype rules know, as `str(dtype)` prints it, and the Polars dtype behind it.
DTYPES = {"Int8": pl.Int8, "Int16": pl.Int16, "Int32": pl.Int32, "Int64": pl.Int64, "UInt8": pl.UInt8,
          "UInt16": pl.UInt16, "UInt32": pl.UInt32, "UInt64": pl.UInt64, "Float32": pl.Float32,
          "Float64": pl.Float64, "String": pl.String, "Boolean": pl.Boolean, "Date": pl.Date,
          "Datetime(time_unit='us', time_zone=None)": pl.Datetime("us"),
          "Datetime(time_unit='ms', time_zone=None)": pl.Datetime("ms")}
NUMERIC = [d for d in DTYPES if d.startswith(("Int", "UInt", "Float"))]
LITERALS = [0, 5, 127, -1, -128, 200, 255, 256, 300, 40000, 70000, -129, -40000, 2**31, 2**32 + 1, -2**31 - 1,
            2**63 + 5, 1.5, "x", None, True]
_OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
              "//": lambda a, b: a // b, "%": lambda a, b: a % b}


def _polars_dtype(frame: pl.LazyFrame, expression: pl.Expr) -> str | None:
    try:
        return str(frame.select(expression.alias("out")).collect_schema()["out"])
    except pl.exceptions.PolarsError:
        return None


def _when(a: pl.Expr | object, b: pl.Expr | object) -> pl.Expr:
    return pl.when(pl.col("flag")).then(a).otherwise(b)


@pytest.mark.parametrize("left", list(DTYPES))
def test_supertype_is_what_when_then_otherwise_gives(left: str) -> None:
    for right in DTYPES:
        frame = pl.LazyFrame(schema={"a": DTYPES[left], "b": DTYPES[right], "flag": pl.Boolean})
        ours, real = dtypes.supertype(left, right), _polars_dtype(frame, _when(pl.col("a"), pl.col("b")))
        assert ours in (None, real), (left, right)
        if left in NUMERIC and right in NUMERIC or left == right:
            assert ours == real, (left, right)  # certain wherever Polars is
        relaxed = pl.concat([frame.select(x=pl.col("a")), frame.select(x=pl.col("b"))], how="vertical_relaxed")
        assert ours in (None, _polars_dtype(relaxed, pl.col("x"))), (left, right)


@pytest.mark.parametrize("left", NUMERIC)
def test_arithmetic_dtypes_are_what_polars_gives(left: str) -> None:
    for right, (operator, apply) in itertools.product(DTYPES, _OPERATORS.items()):
        frame = pl.LazyFrame(schema={"a": DTYPES[left], "b": DTYPES[right]})
        ours, real = dtypes.arithmetic(left, right, operator), _polars_dtype(frame, apply(pl.col("a"), pl.col("b")))
        assert ours in (None, real), (left, operator, right)
        if right in NUMERIC:
            assert ours == real, (left, operator, right)


@pytest.mark.parametrize("column", [*NUMERIC, "String", "Date"])
def test_a_literal_takes_the_column_dtype_where_it_fits(column: str) -> None:
    frame = pl.LazyFrame(schema={"a": DTYPES[column], "flag": pl.Boolean})
    for value in LITERALS:
        literal = dtypes.literal(value)
        for ours, expression in ((dtypes.supertype(column, literal), _when(pl.col("a"), pl.lit(value))),
                                 (dtypes.supertype(literal, column), _when(pl.lit(value), pl.col("a"))),
                                 (dtypes.arithmetic(column, literal, "+"), pl.col("a") + pl.lit(value))):
            real = _polars_dtype(frame, expression)
            assert ours in (None, real), (column, value)
            if column in NUMERIC and not isinstance(value, (str, bool)):
                assert ours == real, (column, value)


def test_literals_alone_and_together() -> None:
    frame = pl.LazyFrame(schema={"flag": pl.Boolean})
    for value in LITERALS:
        assert dtypes.materialize(dtypes.literal(value)) == _polars_dtype(frame, pl.lit(value)), value
    for a, b in itertools.product([1, 300, -7, 2**40, 1.5, None], repeat=2):
        combined = dtypes.materialize(dtypes.supertype(dtypes.literal(a), dtypes.literal(b)))
        assert combined in (None, _polars_dtype(frame, _when(pl.lit(a), pl.lit(b)))), (a, b)


_ROW = {"Int8": 1, "Int16": 1, "Int32": 1, "Int64": 1, "UInt8": 1, "UInt16": 1, "UInt32": 1, "UInt64": 1,
        "Float32": 1.5, "Float64": 1.5, "String": "1", "Boolean": True, "Date": datetime.date(2026, 3, 1),
        "Datetime(time_unit='us', time_zone=None)": datetime.datetime(2026, 3, 1),
        "Datetime(time_unit='ms', time_zone=None)": datetime.datetime(2026, 3, 1)}
_LITERAL_ROWS = [1, 300, -1, 1.5, "1", True, None]


def _compares(left: pl.Expr, right: pl.Expr | object, frame: pl.LazyFrame) -> bool:
    try:
        frame.select(x=left < right).collect()
    except pl.exceptions.PolarsError:
        return False
    return True


@pytest.mark.parametrize("left", list(DTYPES))
def test_glc604_reports_only_comparisons_polars_refuses(left: str) -> None:
    """`comparable` is False only where Polars raises when it compares real values (no false GLC604); it is
    False for a String with a number and a String with a date or datetime."""
    frame = pl.DataFrame({"a": pl.Series([_ROW[left]], dtype=DTYPES[left]), **{
        f"b{i}": pl.Series([_ROW[d]], dtype=DTYPES[d]) for i, d in enumerate(DTYPES)}}).lazy()
    for index, right in enumerate(DTYPES):
        if not dtypes.comparable(left, right):
            assert not _compares(pl.col("a"), pl.col(f"b{index}"), frame), (left, right)
    for value in _LITERAL_ROWS:
        if not dtypes.comparable(left, dtypes.literal(value)):
            assert not _compares(pl.col("a"), value, frame), (left, value)
    refused = {"String": {"Int8", "Float64", "Date"}, "Int64": {"String"}, "Date": {"String"}}.get(left, set())
    assert all(not dtypes.comparable(left, right) for right in refused)


#: Valid Polars the analysis does not (fully) follow, or where Polars is lenient: no column rule may fire.
LENIENT = [
    'o.scan().drop("no_such_column", strict=False)',
    'o.scan().select(pl.col("^(amount|qty)$"), pl.col("id"))',
    'o.scan().select(pl.col("*"))',
    'o.scan().filter(pl.col("paid") == 1, pl.col("day") > 0, pl.col("customer") < pl.col("paid"))',
    'o.scan().fill_null("n/a").unique(keep="first", maintain_order=True).sort("id", nulls_last=True)',
    'o.scan().select(pl.col("tags").list.len(), pl.col("customer").str.to_lowercase().alias("x")).head(n=2)',
    'o.scan().with_columns(pl.all().exclude("id").name.suffix("_x"))',
    'o.scan().group_by("customer").agg(pl.col("amount").sum().over("customer").alias("t"))',
]


@pytest.mark.parametrize("body", LENIENT)
def test_valid_code_gets_no_column_diagnostic(body: str, tmp_path: Path) -> None:
    source = _task_source("scan", "o.scan()", body)
    path = tmp_path / "lenient.py"
    path.write_text(source)
    found = [d for d in compile_project([path]).diagnostics if d.code.startswith("GLC6")]
    assert found == []
    data = tmp_path / "data"
    _data(data)
    spec = importlib.util.spec_from_file_location("lenient_pipeline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.p.run(mode="local", data_dir=data).collect()  # Polars runs it
