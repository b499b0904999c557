"""Every example runs in-process on (a copy of) its sample data and produces the right numbers.

Expected values are computed here with plain Polars, straight from the sample files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from polars.testing import assert_frame_equal

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = ("quickstart", "aws_etl", "gcp_analytics")


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fingerprint(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def sample_files(name: str) -> list[str]:
    """The committed input files of one example, relative to its data directory."""
    generator = load(EXAMPLES / "make_sample_data.py", "make_sample_data")
    prefix = f"{name}/data/"
    return [relative.removeprefix(prefix) for relative in generator.SAMPLES if relative.startswith(prefix)]


@pytest.fixture
def example(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ModuleType, Path]]:
    """The example module and a private copy of its sample inputs; the repo stays untouched."""
    name: str = request.param
    before = fingerprint(EXAMPLES / name)
    data = tmp_path / "data"
    for relative in sample_files(name):
        (data / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLES / name / "data" / relative, data / relative)
    yield load(EXAMPLES / name / "pipeline.py", f"example_{name}"), data
    assert fingerprint(EXAMPLES / name) == before


def run_example(example: tuple[ModuleType, Path], pipeline_name: str) -> tuple[object, Path, list[str]]:
    module, data = example
    before = set(fingerprint(data))
    result = getattr(module, pipeline_name).run(mode="local", data_dir=data)
    created = sorted(set(fingerprint(data)) - before)
    return result, data, created


@pytest.mark.parametrize("example", ["quickstart"], indirect=True)
def test_quickstart(example: tuple[ModuleType, Path]) -> None:
    result, data, created = run_example(example, "quickstart")
    sales = pl.read_csv(data / "raw" / "sales.csv")
    kept = sales.filter(pl.col("quantity") > 0)
    expected = (
        kept.with_columns(line=pl.col("quantity") * pl.col("unit_price"))
        .group_by("region")
        .agg(
            pl.len().alias("orders"),
            pl.col("quantity").sum().alias("units"),
            pl.col("line").sum().alias("revenue"),
        )
        .with_columns(pl.col("revenue").round(2))
        .sort("region")
    )
    assert created == ["out/revenue_by_region.parquet"]
    assert_frame_equal(result, expected, check_dtypes=False)  # type: ignore[arg-type]
    assert_frame_equal(pl.read_parquet(data / created[0]), expected, check_dtypes=False)
    assert expected["orders"].sum() == kept.height > 0


@pytest.mark.parametrize("example", ["aws_etl"], indirect=True)
def test_aws_etl(example: tuple[ModuleType, Path]) -> None:
    result, data, created = run_example(example, "aws_etl")
    events = pl.read_parquet(data / "acme-raw" / "events" / "events.parquet")
    users = pl.read_csv(data / "acme-raw" / "users" / "users.csv")
    country = dict(zip(users["user_id"], users["country"], strict=True))

    seen: set[int] = set()
    totals: dict[tuple[str, object], list[float]] = {}
    for row in events.iter_rows(named=True):
        if row["user_id"] is None or row["event_type"] not in ("view", "click", "purchase"):
            continue
        if row["event_id"] in seen:
            continue
        seen.add(row["event_id"])
        key = (country[row["user_id"]], row["ts"].date())
        total = totals.setdefault(key, [0, 0, 0.0])
        total[0] += 1
        total[1] += row["event_type"] == "purchase"
        total[2] += row["amount"]
    expected = pl.DataFrame(
        [(c, d, n, p, round(r, 2)) for (c, d), (n, p, r) in sorted(totals.items())],
        schema=["country", "day", "events", "purchases", "revenue"],
        orient="row",
    )

    assert created == ["acme-curated/daily/country_activity.parquet"]
    written = pl.read_parquet(data / created[0])
    assert_frame_equal(written, expected, check_dtypes=False)
    summary = pl.DataFrame(
        {
            "rows": [expected.height],
            "countries": [expected["country"].n_unique()],
            "events": [expected["events"].sum()],
            "revenue": [round(expected["revenue"].sum(), 2)],
        }
    )
    assert_frame_equal(result, summary, check_dtypes=False)  # type: ignore[arg-type]
    assert 0 < len(seen) < events.height


@pytest.mark.parametrize("example", ["gcp_analytics"], indirect=True)
def test_gcp_analytics(example: tuple[ModuleType, Path]) -> None:
    result, data, created = run_example(example, "gcp_analytics")
    raw = data / "glacier-demo-raw"
    orders = pl.read_csv(raw / "orders" / "orders.csv")
    customers = pl.read_parquet(raw / "customers" / "customers.parquet")
    products = pl.read_ndjson(raw / "products" / "products.ndjson")
    lines = (
        orders.filter(pl.col("status") == "completed", pl.col("quantity") >= 1)
        .join(customers, on="customer_id")
        .join(products, on="product_id")
    )
    expected = (
        lines.group_by(["country", "category"])
        .agg(
            pl.col("order_id").count().alias("orders"),
            pl.col("customer_id").unique().len().alias("customers"),
            pl.col("quantity").sum().alias("units"),
            (pl.col("quantity") * pl.col("price")).sum().round(2).alias("revenue"),
        )
        .sort(["country", "category"])
    )

    assert created == ["glacier-demo-reports/revenue/by_country_category.parquet"]
    assert_frame_equal(result, expected, check_dtypes=False)  # type: ignore[arg-type]
    assert_frame_equal(pl.read_parquet(data / created[0]), expected, check_dtypes=False)
    assert expected["orders"].sum() == lines.height > 0


def test_every_example_is_tested() -> None:
    found = {path.parent.name for path in EXAMPLES.glob("*/pipeline.py")}
    assert found == set(NAMES)


def test_sample_data_matches_its_generator() -> None:
    generator = load(EXAMPLES / "make_sample_data.py", "make_sample_data")
    readers = {".csv": pl.read_csv, ".parquet": pl.read_parquet, ".ndjson": pl.read_ndjson}
    for relative, build in generator.SAMPLES.items():
        path = EXAMPLES / relative
        frame = build()
        assert_frame_equal(readers[path.suffix](path), frame, check_dtypes=False)
        assert_frame_equal(build(), frame)  # deterministic
