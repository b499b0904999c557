"""Every example and runner fixture runs through its generated runner on sample data, and what it
writes equals the same result computed independently here with plain Polars."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.test_runner_support import EXAMPLES, FIXTURES, copy_data, files_under, run, write_runner

CORE_FIXTURES = FIXTURES.parent / "core"

PROGRESS = re.compile(r"^\[(\d+|-)/\d+\] \S+ \((local|serverless|vm|cluster), \S+\) \.\.\. "
                      r"(ok \d+\.\d\d s(, [\d,]+ rows?|, lazy)?.*|skipped \(.+\)|FAILED after .*|CANCELLED after .*)$")


def run_example(name: str, tmp_path: Path, *args: str):
    data = copy_data(name, tmp_path)
    runner = write_runner(tmp_path, EXAMPLES / name / "pipeline.py")
    result = run(runner, "--data-dir", "data", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return data, result


def progress_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("[")]


def test_quickstart(tmp_path):
    data, result = run_example("quickstart", tmp_path)
    sales = pl.read_csv(EXAMPLES / "quickstart" / "data" / "raw" / "sales.csv")
    rows: dict[str, list[float]] = {}
    for region, quantity, price in sales.select("region", "quantity", "unit_price").iter_rows():
        if quantity > 0:  # returns have quantity <= 0
            totals = rows.setdefault(region, [0, 0, 0.0])
            totals[0] += 1
            totals[1] += quantity
            totals[2] += quantity * price
    expected = pl.DataFrame(
        [(region, n, units, round(revenue, 2)) for region, (n, units, revenue) in sorted(rows.items())],
        schema={"region": pl.String, "orders": pl.UInt32, "units": pl.Int64, "revenue": pl.Float64}, orient="row")
    written = pl.read_parquet(data / "out" / "revenue_by_region.parquet")
    assert_frame_equal(written, expected)
    assert "save:" in result.stdout and "north" in result.stdout
    lines = progress_lines(result.stderr)
    assert [line.split(" ")[1] for line in lines] == ["load", "transform", "save"]
    assert all(PROGRESS.match(line) for line in lines), lines
    assert lines[-1].endswith(", 4 rows")
    assert files_under(data) == ["out/revenue_by_region.parquet", "raw/sales.csv"]


def expected_aws() -> pl.DataFrame:
    raw = EXAMPLES / "aws_etl" / "data" / "acme-raw"
    events = pl.read_parquet(raw / "events" / "events.parquet")
    users = pl.read_csv(raw / "users" / "users.csv")
    valid = events.filter(pl.col("user_id").is_not_null() & pl.col("event_type").is_in(["view", "click", "purchase"]))
    first_delivery = valid.group_by("event_id", maintain_order=True).first()
    joined = first_delivery.join(users.select("user_id", "country"), on="user_id")
    return (
        joined.group_by("country", pl.col("ts").dt.date().alias("day"))
        .agg(events=pl.len(), purchases=(pl.col("event_type") == "purchase").sum(),
             revenue=pl.col("amount").sum().round(2))
        .sort("country", "day")
    )


def test_aws_etl(tmp_path):
    data, result = run_example("aws_etl", tmp_path)
    curated = pl.read_parquet(data / "acme-curated" / "daily" / "country_activity.parquet")
    expected = expected_aws()
    assert_frame_equal(curated, expected)
    assert f"│ {expected.height}" in result.stdout  # the audit output: rows of the curated table
    lines = progress_lines(result.stderr)
    assert [line.split(" ")[1] for line in lines] == ["extract", "load_users", "clean", "enrich", "save", "audit"]
    assert "[3/6] clean (serverless, lambda_exec) ... ok" in result.stderr
    assert lines[4].endswith(f", {expected.height} rows")
    assert "acme-curated/daily/country_activity.parquet" in files_under(data)[0]


def expected_gcp() -> pl.DataFrame:
    raw = EXAMPLES / "gcp_analytics" / "data" / "glacier-demo-raw"
    orders = pl.read_csv(raw / "orders" / "orders.csv")
    customers = pl.read_parquet(raw / "customers" / "customers.parquet")
    products = pl.read_ndjson(raw / "products" / "products.ndjson")
    completed = orders.filter((pl.col("status") == "completed") & (pl.col("quantity") > 0))
    joined = completed.join(customers.select("customer_id", "country"), on="customer_id").join(
        products.select("product_id", "category", "price"), on="product_id")
    return (
        joined.group_by("country", "category")
        .agg(orders=pl.len(), customers=pl.col("customer_id").n_unique(), units=pl.col("quantity").sum(),
             revenue=(pl.col("quantity") * pl.col("price")).sum().round(2))
        .sort("country", "category")
    )


def test_gcp_analytics(tmp_path):
    data, result = run_example("gcp_analytics", tmp_path)
    report = pl.read_parquet(data / "glacier-demo-reports" / "revenue" / "by_country_category.parquet")
    assert_frame_equal(report, expected_gcp())
    assert "[7/7] publish (local, local_exec) ... ok" in result.stderr
    assert f"wrote data/glacier-demo-reports/revenue/by_country_category.parquet ({report.height} rows)" \
        in result.stderr


@pytest.mark.parametrize("engine", ["streaming", "in-memory"])
def test_engines_give_the_same_result(tmp_path, engine):
    data, _ = run_example("aws_etl", tmp_path, "--engine", engine)
    curated = pl.read_parquet(data / "acme-curated" / "daily" / "country_activity.parquet")
    assert_frame_equal(curated, expected_aws())


# ---- fixtures -------------------------------------------------------------------------------------

def test_features_fixture(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    north = pl.DataFrame({"id": [1, 2, 3], "value": [10, 30, 5]})
    south = pl.DataFrame({"id": [4, 5], "value": [7, 50]})
    north.write_csv(raw / "north.csv")
    south.write_csv(raw / "south.csv")
    runner = write_runner(tmp_path, FIXTURES / "features" / "pipeline.py")
    result = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "data"
    combined = pl.concat([north.with_columns(origin=pl.lit("north")), south.with_columns(origin=pl.lit("south"))])
    assert_frame_equal(pl.read_parquet(out / "mid" / "combined.parquet"), combined)
    best = combined.sort("value", descending=True).head(3)
    assert_frame_equal(pl.read_csv(out / "out" / "top.csv"), best)
    stats = pl.read_ipc(out / "out" / "stats.ipc")
    assert stats.rows() == [(3, 90)]
    assert files_under(out) == ["mid/combined.parquet", "out/stats.ipc", "out/top.csv", "raw/north.csv",
                                "raw/south.csv"]


def test_concurrent_eager_tasks(tmp_path):
    """Two eager tasks of one level meet at a barrier: the run only succeeds if they run together."""
    runner = write_runner(tmp_path, FIXTURES / "concurrent" / "pipeline.py")
    result = run(runner, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "[1/3] left" in result.stderr and "[2/3] right" in result.stderr


def shaking_data(directory: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw = directory / "data" / "raw"
    raw.mkdir(parents=True)
    orders = pl.DataFrame({"order_id": list(range(1, 13)), "customer_id": [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3],
                           "quantity": [1, 2, 3, 25, 5, 6, 2, 0, 9, 3, 4, 19],
                           "price": [1.25, 2.5, 3.75, 1.0, 2.0, 3.0, 4.5, 5.0, 6.0, 7.25, 8.0, 9.5]})
    customers = pl.DataFrame({"customer_id": [1, 2, 3], "region": ["east", "west", "east"]})
    orders.write_csv(raw / "orders.csv")
    customers.write_parquet(raw / "customers.parquet")
    return orders, customers


def test_shaking_fixture(tmp_path):
    orders, customers = shaking_data(tmp_path)
    runner = write_runner(tmp_path, FIXTURES / "shaking")
    result = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    kept = orders.filter((pl.col("quantity") >= 2) & (pl.col("quantity") < 20))
    totals: dict[str, list] = {}
    for _, customer, quantity, price in kept.iter_rows():
        region = customers.filter(pl.col("customer_id") == customer)["region"].item()
        entry = totals.setdefault(region, [0.0, 0])
        entry[0] += round(quantity * price, 2)
        entry[1] += 1
    expected = pl.DataFrame([(r, round(t, 2), n) for r, (t, n) in sorted(totals.items())],
                            schema={"region": pl.String, "total": pl.Float64, "orders": pl.UInt32}, orient="row")
    assert_frame_equal(pl.read_parquet(tmp_path / "data" / "out" / "report.parquet"), expected)
    summary = json.loads(pl.read_ndjson(tmp_path / "data" / "out" / "meta.ndjson")["summary"].item())
    assert summary == {"columns": ["region", "total", "orders"]}
    assert '{"columns": ["region", "total", "orders"]}' in result.stdout  # publish's return value
    assert "[5/6] main (local, local_exec) ... ok" in result.stderr  # node id kept, function renamed


# ---- failures ---------------------------------------------------------------------------------------

def failing_run(tmp_path: Path, mode: str, with_input: bool = True):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    if with_input:
        (raw / "numbers.csv").write_text("n,label\n1,a\n2,b\n3,c\n")
    runner = write_runner(tmp_path, FIXTURES / "failing" / "pipeline.py", {"MODE": mode})
    return run(runner, "--data-dir", "data", "--report", "report.json", cwd=tmp_path)


def test_failing_fixture_succeeds_in_ok_mode(tmp_path):
    result = failing_run(tmp_path, "ok")
    assert result.returncode == 0, result.stderr
    assert files_under(tmp_path / "data") == ["out/final.parquet", "out/first.parquet", "raw/numbers.csv"]


def test_task_raising_fails_the_run_and_leaves_no_output(tmp_path):
    result = failing_run(tmp_path, "raise")
    assert result.returncode == 1
    source = (FIXTURES / "failing" / "pipeline.py").read_text().splitlines()
    assert "error: node `transform` (task `transform`, pipeline.py:" in result.stderr
    assert "ValueError: value 3 is too large" in result.stderr
    raised_at = re.search(r"at pipeline\.py:(\d+), in check", result.stderr)
    assert raised_at and "raise ValueError" in source[int(raised_at.group(1)) - 1]
    defined_at = int(re.search(r"task `transform`, pipeline\.py:(\d+)", result.stderr).group(1))
    assert source[defined_at - 1].startswith("def transform(")
    assert "[3/4] transform (local, local_exec) ... FAILED" in result.stderr
    # `first` was written by an earlier level: taken back with everything else
    assert files_under(tmp_path / "data") == ["raw/numbers.csv"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["status"] == "failed"
    assert {n["id"]: n["status"] for n in report["nodes"]} == {
        "load": "ok", "save_first": "ok", "transform": "failed", "save_final": "not run"}
    assert "transform" in report["error"]


def test_lazy_failure_names_the_writing_node_and_the_steps_behind_it(tmp_path):
    result = failing_run(tmp_path, "lazy")
    assert result.returncode == 1
    assert "error: node `save_final` (task `save_final`" in result.stderr
    assert "failed while its results were computed and written" in result.stderr
    assert "the query includes the lazy steps of: load, transform" in result.stderr
    assert files_under(tmp_path / "data") == ["raw/numbers.csv"]


def test_missing_input_names_bucket_and_path(tmp_path):
    result = failing_run(tmp_path, "ok", with_input=False)
    assert result.returncode == 1
    assert "error: node `load` (task `load`" in result.stderr
    assert "missing input data: storage `raw` (bucket `raw`, path `numbers.csv`) is not at data/raw/numbers.csv" \
        in result.stderr
    assert not (tmp_path / "data" / "out").exists()
    assert files_under(tmp_path / "data") == []


def test_shared_plan_is_computed_once(tmp_path):
    """Two writes of one level share the scan and a counted UDF: one `collect_all`, one computation."""
    from tests.test_runner_support import load_module

    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "numbers.csv").write_text("value\n1\n5\n12\n30\n")
    module = load_module(write_runner(tmp_path, FIXTURES / "shared" / "pipeline.py"), "shared_runner")
    assert module.main(["--data-dir", str(tmp_path / "data"), "--quiet"]) == 0
    assert module.CALLS == [4]  # all four rows, once
    assert pl.read_parquet(tmp_path / "data" / "out" / "high.parquet")["value"].to_list() == [12, 30]
    assert pl.read_csv(tmp_path / "data" / "out" / "low.csv")["value"].to_list() == [1, 5]


# ---- timeout= -------------------------------------------------------------------------------------------

def timeout_run(tmp_path: Path, mode: str):
    runner = write_runner(tmp_path, FIXTURES / "timeout" / "pipeline.py", {"MODE": mode})
    return run(runner, "--data-dir", "data", "--report", "report.json", cwd=tmp_path, timeout=50)


def test_tasks_within_their_timeout_run_and_their_writes_are_committed(tmp_path):
    result = timeout_run(tmp_path, "fast")
    assert result.returncode == 0, result.stderr
    assert files_under(tmp_path / "data") == ["out/early.parquet", "out/late.parquet"]


def test_a_task_over_its_timeout_fails_the_run_unretried_and_commits_nothing(tmp_path):
    result = timeout_run(tmp_path, "slow")  # the task sleeps 60 s; `run` gives up after 50 s
    assert result.returncode == 1, result.stderr
    assert "error: node `bounded` (task `bounded`" in result.stderr
    assert "did not finish within its timeout of 1 s" in result.stderr
    assert not (tmp_path / "data").exists() or files_under(tmp_path / "data") == []
    report = json.loads((tmp_path / "report.json").read_text())
    assert {n["id"]: (n["status"], n["attempts"]) for n in report["nodes"]} == {
        "start": ("ok", 1), "bounded": ("failed", 1)}


def test_names_from_star_imports_reach_the_runner(tmp_path):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "numbers.csv").write_text("n\n1\n2\n")
    runner = write_runner(tmp_path, CORE_FIXTURES / "star_imports")
    text = runner.read_text()
    assert "from math import *" in text and "FACTOR = 3" in text  # a library's star import; a helper's global
    result = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert pl.read_parquet(tmp_path / "data" / "out" / "scaled.parquet").to_dicts() == [
        {"n": 3, "floor": 2}, {"n": 6, "floor": 2}]


def test_comprehension_fixture_runs(tmp_path):
    raw = tmp_path / "data" / "raw" / "regions"
    raw.mkdir(parents=True)
    (raw / "eu.csv").write_text("n\n1\n2\n3\n")
    (raw / "us.csv").write_text("n\n4\n5\n6\n7\n8\n")
    runner = write_runner(tmp_path, CORE_FIXTURES / "comprehensions")
    result = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = pl.concat([pl.read_csv(raw / "eu.csv").head(2).with_columns(pl.lit(0).alias("position")),
                          pl.read_csv(raw / "us.csv").head(4).with_columns(pl.lit(1).alias("position"))])
    assert_frame_equal(pl.read_parquet(tmp_path / "data" / "out" / "report.parquet"), expected)


def test_elements_of_results_and_storage_defaults(tmp_path):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "numbers.csv").write_text("n\n1\n2\n3\n4\n")
    runner = write_runner(tmp_path, FIXTURES / "elements" / "pipeline.py")
    result = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert pl.read_parquet(tmp_path / "data" / "out" / "high.parquet")["n"].to_list() == [3, 4]
    assert pl.read_parquet(tmp_path / "data" / "out" / "low.parquet")["n"].to_list() == [1, 2]


def test_unpacked_elements_in_the_loops_fixture(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "a.csv").write_text("x\n1\n-1\n2\n")
    (raw / "b.csv").write_text("x\n-3\n4\n")
    runner = write_runner(tmp_path, CORE_FIXTURES / "loops_and_unpacking")
    result = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert pl.read_parquet(tmp_path / "data" / "stage" / "all.parquet")["x"].to_list() == [1, 2, 4]
