"""Benchmark of the generated runner: a six-task pipeline on a few million generated rows.

    python bench/runner_bench.py [--rows N] [--runs K] [--out docs/benchmarks_runner.md] [--no-check]

Three ways to compute the same result, each timed in-process (median of K runs after a warm-up):

- **runner**: the pipeline below compiled by glacierc; its runner's `main()` with `--data-dir`.
- **fused**: the same computation hand-written as one Polars query and `sink_parquet`.
- **eager**: the same six tasks run one by one with an eager `collect()` after each task, as most
  orchestrators do (each task's output is materialised before the next task starts).

Budgets (issue 6): runner <= 1.10 x fused, and eager >= 1.5 x runner. The figures are written to a
Markdown file; the exit status is 1 when a budget is missed (unless --no-check).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTRIES = ["BR", "DE", "FR", "JP", "US", "IN", "GB", "MX"]
FOCUS = ["DE", "FR", "JP"]

PIPELINE = '''"""Benchmark pipeline: events joined with users, daily purchase revenue per country and segment."""
import polars as pl

from glacier import Provider, pipeline
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig(base_path="./data"))
local_exec = provider.local()

events = provider.bucket(bucket="raw", path="events.parquet")
users = provider.bucket(bucket="raw", path="users.parquet")
daily = provider.bucket(bucket="out", path="daily.parquet")

FOCUS = ["DE", "FR", "JP"]


@local_exec.task()
def extract(source) -> pl.LazyFrame:
    return source.scan()


@local_exec.task()
def load_users(source) -> pl.LazyFrame:
    return source.scan()


@local_exec.task()
def clean(df: pl.LazyFrame) -> pl.LazyFrame:
    return df.filter(pl.col("user_id").is_not_null() & (pl.col("amount") >= 0)).with_columns(
        day=pl.col("ts").dt.date(), net=pl.col("amount") * (1 - pl.col("discount"))
    )


@local_exec.task()
def enrich(df: pl.LazyFrame, people: pl.LazyFrame) -> pl.LazyFrame:
    return df.join(people.select("user_id", "country", "segment"), on="user_id", how="inner")


@local_exec.task()
def summarise(df: pl.LazyFrame) -> pl.LazyFrame:
    purchases = df.filter(pl.col("country").is_in(FOCUS) & (pl.col("event_type") == "purchase"))
    return (
        purchases.group_by("country", "segment", "day")
        .agg(orders=pl.len(), revenue=pl.col("net").sum().round(2))
        .sort("country", "segment", "day")
    )


@local_exec.task()
def save(df: pl.LazyFrame) -> None:
    daily.write(df)


@pipeline(name="bench_runner")
def bench_runner():
    people = load_users(users)
    save(summarise(enrich(clean(extract(events)), people)))
'''


# ---- data ------------------------------------------------------------------------------------------

def generate(data_dir: Path, rows: int) -> None:
    """Deterministic events (wide: columns the query never needs) and users, as Parquet."""
    raw = data_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    users_count = max(1000, rows // 50)
    i = pl.int_range(0, rows, dtype=pl.Int64)
    h = (i * 2654435761) % 4294967291
    events = pl.select(
        event_id=i,
        user_id=pl.when(h % 97 == 0).then(None).otherwise(h % users_count),
        event_type=pl.lit(pl.Series(["view", "click", "purchase", "view", "refund"])).gather(h % 5),
        amount=((h % 20000) - 500) / 100,
        discount=(h % 30) / 100,
        ts=pl.datetime(2025, 1, 1) + pl.duration(seconds=h % (90 * 86400)),
        session=pl.format("s-{}-{}", h % 100000, i % 7),
        referrer=pl.format("https://example.com/{}/{}", h % 1000, h % 13),
        device=pl.lit(pl.Series(["ios", "android", "web", "tv"])).gather(h % 4),
        payload=pl.format("k={};v={}", h % 991, i),
    )
    events.write_parquet(raw / "events.parquet", row_group_size=256_000)
    u = pl.int_range(0, users_count, dtype=pl.Int64)
    people = pl.select(
        user_id=u,
        country=pl.lit(pl.Series(COUNTRIES)).gather((u * 7919) % len(COUNTRIES)),
        segment=pl.lit(pl.Series(["free", "plus", "pro"])).gather((u * 104729) % 3),
        name=pl.format("user-{}", u),
    )
    people.write_parquet(raw / "users.parquet")


# ---- the three ways ---------------------------------------------------------------------------------

def build_runner(work: Path) -> Path:
    from glacierc.backends.runner import emit
    from glacierc.driver import compile_project

    source = work / "bench_pipeline.py"
    source.write_text(PIPELINE, encoding="utf-8")
    result = compile_project([source])
    assert not result.has_errors, result.diagnostics
    runner = work / "bench_runner.py"
    runner.write_text(emit(result.project, result.sources)["runners/bench_runner.py"], encoding="utf-8")
    return runner


def load_runner(path: Path):
    spec = importlib.util.spec_from_file_location("bench_runner_module", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clean(df: pl.LazyFrame) -> pl.LazyFrame:
    return df.filter(pl.col("user_id").is_not_null() & (pl.col("amount") >= 0)).with_columns(
        day=pl.col("ts").dt.date(), net=pl.col("amount") * (1 - pl.col("discount")))


def enrich(df: pl.LazyFrame, people: pl.LazyFrame) -> pl.LazyFrame:
    return df.join(people.select("user_id", "country", "segment"), on="user_id", how="inner")


def summarise(df: pl.LazyFrame) -> pl.LazyFrame:
    purchases = df.filter(pl.col("country").is_in(FOCUS) & (pl.col("event_type") == "purchase"))
    return (purchases.group_by("country", "segment", "day")
            .agg(orders=pl.len(), revenue=pl.col("net").sum().round(2)).sort("country", "segment", "day"))


def fused(data_dir: Path, target: Path) -> None:
    """The whole computation written by hand as one query."""
    events = pl.scan_parquet(data_dir / "raw" / "events.parquet")
    people = pl.scan_parquet(data_dir / "raw" / "users.parquet").select("user_id", "country", "segment")
    (
        events.filter(pl.col("user_id").is_not_null() & (pl.col("amount") >= 0))
        .with_columns(day=pl.col("ts").dt.date(), net=pl.col("amount") * (1 - pl.col("discount")))
        .join(people, on="user_id", how="inner")
        .filter(pl.col("country").is_in(FOCUS) & (pl.col("event_type") == "purchase"))
        .group_by("country", "segment", "day")
        .agg(orders=pl.len(), revenue=pl.col("net").sum().round(2))
        .sort("country", "segment", "day")
        .sink_parquet(target)
    )


def eager(data_dir: Path, target: Path) -> None:
    """Task by task, each output collected before the next task runs."""
    events = pl.scan_parquet(data_dir / "raw" / "events.parquet").collect()
    people = pl.scan_parquet(data_dir / "raw" / "users.parquet").collect()
    cleaned = clean(events.lazy()).collect()
    enriched = enrich(cleaned.lazy(), people.lazy()).collect()
    summary = summarise(enriched.lazy()).collect()
    summary.write_parquet(target)


def timed(functions: dict[str, object], runs: int) -> dict[str, list[float]]:
    """Interleaved rounds (each way once per round, the order rotating), so that a machine whose
    load drifts during the benchmark disturbs all three ways alike; one warm-up round first."""
    timings: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for round_number in range(runs + 1):
        order = names[round_number % len(names):] + names[:round_number % len(names)]
        for name in order:
            start = time.perf_counter()
            functions[name]()
            if round_number:
                timings[name].append(time.perf_counter() - start)
    return timings


def measure(rows: int, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="glacier-runner-bench-") as scratch:
        work = Path(scratch)
        data_dir = work / "data"
        generate(data_dir, rows)
        runner = load_runner(build_runner(work))

        def run_runner() -> None:
            assert runner.main(["--data-dir", str(data_dir), "--quiet"]) == 0

        results = timed({
            "runner": run_runner,
            "fused": lambda: fused(data_dir, work / "fused.parquet"),
            "eager": lambda: eager(data_dir, work / "eager.parquet"),
        }, runs)
        from polars.testing import assert_frame_equal

        expected = pl.read_parquet(work / "fused.parquet")
        for produced in (data_dir / "out" / "daily.parquet", work / "eager.parquet"):
            # sums may differ in the last place between plans (another summation order)
            assert_frame_equal(pl.read_parquet(produced), expected, check_exact=False, abs_tol=0.011)
        size = (data_dir / "raw" / "events.parquet").stat().st_size
        return {"timings": results, "output_rows": expected.height, "input_bytes": size}


def report(rows: int, runs: int, measured: dict[str, object]) -> tuple[str, bool]:
    timings = measured["timings"]
    median = {name: statistics.median(values) for name, values in timings.items()}
    vs_fused = median["runner"] / median["fused"]
    eager_ratio = median["eager"] / median["runner"]
    ok = vs_fused <= 1.10 and eager_ratio >= 1.5
    lines = [
        "# Runner benchmark",
        "",
        "Written by `python bench/runner_bench.py` (`make bench`). A six-task pipeline (extract, load_users,",
        "clean, enrich, summarise, save) over generated click-stream events joined with users; the result is",
        "daily purchase revenue per country and segment for three countries. Each figure is the median of",
        f"{runs} in-process runs after a warm-up round; the three ways run interleaved, round by round.",
        "",
        (f"- events: {rows:,} rows, 10 columns ({measured['input_bytes'] / 1e6:.1f} MB of Parquet); "
         f"result: {measured['output_rows']:,} rows"),
        (f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, Polars {pl.__version__}, "
         f"{platform.system()} {platform.machine()}"),
        "",
        "| way | median s | runs (s) |",
        "| --- | ---: | --- |",
    ]
    for name, label in (("runner", "generated runner (LazyFrames across tasks, one collect)"),
                        ("fused", "one hand-written fused Polars query"),
                        ("eager", "task by task, eager `collect()` after each task")):
        values = ", ".join(f"{v:.3f}" for v in timings[name])
        lines.append(f"| {label} | {median[name]:.3f} | {values} |")
    lines += [
        "",
        "| budget | measured | |",
        "| --- | ---: | --- |",
        f"| runner / fused <= 1.10 | {vs_fused:.2f} | {'ok' if vs_fused <= 1.10 else 'MISSED'} |",
        f"| eager / runner >= 1.5 | {eager_ratio:.2f} | {'ok' if eager_ratio >= 1.5 else 'MISSED'} |",
        "",
        "Why the runner matches the fused query: task outputs stay LazyFrames, so Polars sees one plan",
        "from the scans to the write and pushes the country and event-type filters and the column",
        "selection down to the Parquet scans; the eager way reads and materialises every column of every",
        "row after each task.",
        "",
    ]
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_runner.md")
    parser.add_argument("--no-check", action="store_true", help="exit 0 even when a budget is missed")
    args = parser.parse_args(argv)
    text, ok = report(args.rows, args.runs, measure(args.rows, args.runs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0 if ok or args.no_check else 1


if __name__ == "__main__":
    sys.exit(main())
