"""Benchmark of a mapped task: peak memory and time of the local runner over N partition files of M MB.

    python bench/partitions_bench.py [--files N] [--mb M] [--max-parallel K] [--counts 10,100,1000]
                                     [--distinct D] [--dir DIR]

Defaults: 200 files of 50 MB (10 GB of Parquet: make sure the disk has room, or pass smaller sizes). Each
way of computing the same result (rows with a user per country) runs in a fresh child process, which
reports its own peak RSS (`resource.getrusage(RUSAGE_SELF).ru_maxrss`) and wall time:

- **one scan**: `pl.scan_parquet(<glob>)` filtered and grouped, written with `sink_parquet`: what Polars
  does with the whole dataset in one query, the reference.
- **mapped, lazy**: tests/fixtures/partitions/daily compiled by glacierc: `clean` returns a LazyFrame per
  object, `combine` concatenates them and writes the grouped result (one streaming query in the end).
- **mapped, per-object aggregate**: the same with `clean` collecting its object's counts (a small frame per
  object; at most --max-parallel objects are read at once).

Every result is checked equal to the one scan's. `--counts` instead runs the mapped lazy pipeline over each
count of files (of --mb MB) and prints time and peak RSS per count, to see how they grow with N.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "partitions" / "daily" / "pipeline.py"
COUNTRIES = ["BR", "DE", "FR", "IN", "JP", "MX", "US", "GB"]

AGGREGATE = FIXTURE.read_text(encoding="utf-8").replace(
    'return part.scan().filter(pl.col("user_id").is_not_null())',
    'return part.scan().filter(pl.col("user_id").is_not_null()).group_by("country").len().collect()',
).replace("def clean(part) -> pl.LazyFrame:", "def clean(part) -> pl.DataFrame:").replace(
    'daily.write(pl.concat(parts).group_by("country").len().sort("country"))',
    'daily.write(pl.concat(parts).group_by("country").agg(pl.col("len").sum()).sort("country"))',
)


def events(rows: int, seed: int) -> pl.DataFrame:
    return pl.DataFrame({
        "user_id": pl.int_range(0, rows, eager=True).shuffle(seed=seed),
        "country": pl.Series(COUNTRIES * (rows // len(COUNTRIES) + 1))[:rows].shuffle(seed=seed + 1),
        "value": pl.int_range(0, rows, eager=True).cast(pl.Float64).shuffle(seed=seed + 2) / 7.0,
    }).with_columns(user_id=pl.when(pl.col("user_id") % 10 == 0).then(None).otherwise(pl.col("user_id")))


def rows_for(megabytes: float, directory: Path) -> int:
    """Rows that make a file of about `megabytes` MB (calibrated on a sample file)."""
    sample, path = 200_000, directory / "sample.parquet"
    events(sample, 0).write_parquet(path)
    per_row = path.stat().st_size / sample
    path.unlink()
    return max(1, int(megabytes * 1024 * 1024 / per_row))


def generate(folder: Path, files: int, megabytes: float, distinct: int | None = None) -> int:
    """`files` Parquet files of about `megabytes` MB under folder/raw/events/2026/; their total size. With
    `distinct`, only that many are generated and the others are byte copies of them (file `i` copies file
    `i % distinct`): generating a 50 MB file takes about 15 s here, copying it well under one."""
    target = folder / "raw" / "events" / "2026"
    target.mkdir(parents=True, exist_ok=True)
    rows = rows_for(megabytes, folder)
    total = 0
    for index in range(files):
        path = target / f"part-{index:05}.parquet"
        if not path.exists():
            if distinct and index >= distinct:
                shutil.copyfile(target / f"part-{index % distinct:05}.parquet", path)
            else:
                events(rows, index).write_parquet(path)
        total += path.stat().st_size
    return total


def build_runner(source: str, directory: Path) -> Path:
    project = directory / "pipeline"
    project.mkdir(parents=True, exist_ok=True)
    (project / "pipeline.py").write_text(source, encoding="utf-8")
    out = directory / "out"
    command = [sys.executable, "-m", "glacierc", "build", str(project / "pipeline.py"), "-o", str(out)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return out / "runners" / "daily.py"


CHILD_SCAN = """
import sys, polars as pl
data, target = sys.argv[1], sys.argv[2]
(pl.scan_parquet(data + "/raw/events/2026/*.parquet").filter(pl.col("user_id").is_not_null())
   .group_by("country").len().sort("country").sink_parquet(target))
"""

CHILD_RUNNER = """
import runpy, sys
runner, data, parallel = sys.argv[1], sys.argv[2], sys.argv[3]
sys.argv = [runner, "--data-dir", data, "--max-parallel", parallel, "-q"]
try:
    runpy.run_path(runner, run_name="__main__")
except SystemExit as stop:
    if stop.code:
        raise
"""

# The peak is the process's own high-water mark (Linux VmHWM): ru_maxrss would carry the RSS of the parent it
# was forked from across execve.
MEASURE = """
import resource, sys, time
start = time.perf_counter()
sys.argv = sys.argv[1:]
exec(compile(open(sys.argv[0]).read(), sys.argv[0], "exec"), {"__name__": "__main__"})
seconds = time.perf_counter() - start
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(seconds, peak)
"""


def measure(script: str, *args: str, directory: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of `script` run with `args` in a child process of its own."""
    path = directory / f"child-{abs(hash(script))}.py"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path), *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr}")
    seconds, peak_kb = done.stdout.split()[-2:]
    return float(seconds), int(peak_kb) / 1024


def result_of(data: Path) -> pl.DataFrame:
    return pl.read_parquet(data / "curated" / "daily" / "countries.parquet")


def compare(directory: Path, files: int, megabytes: float, parallel: int, distinct: int | None) -> list[str]:
    data = directory / "data"
    size = generate(data, files, megabytes, distinct)
    reference = directory / "scan.parquet"
    rows = [("one scan", *measure(CHILD_SCAN, str(data), str(reference), directory=directory))]
    expected = pl.read_parquet(reference)
    for label, source in (("mapped, lazy", FIXTURE.read_text(encoding="utf-8")),
                          ("mapped, per-object aggregate", AGGREGATE)):
        runner = build_runner(source, directory / label.replace(", ", "-").replace(" ", "-"))
        rows.append((label, *measure(CHILD_RUNNER, str(runner), str(data), str(parallel), directory=directory)))
        found = result_of(data)
        assert found.equals(expected.cast(found.schema)), (label, found, expected)
    contents = f", {distinct} distinct contents" if distinct and distinct < files else ""
    head = (f"{files} files{contents}, {size / files / 1024 / 1024:.1f} MB each ({size / 1024 ** 3:.2f} GB), "
            f"--max-parallel {parallel}, {os.cpu_count()} CPUs, polars {pl.__version__}")
    lines = [head, "", "| way | seconds | peak RSS (MB) |", "| --- | ---: | ---: |"]
    lines += [f"| {label} | {seconds:.1f} | {peak:,.0f} |" for label, seconds, peak in rows]
    return lines


def scaling(directory: Path, counts: list[int], megabytes: float, parallel: int) -> list[str]:
    lines = [f"mapped, lazy over N files of {megabytes} MB, --max-parallel {parallel}", "",
             "| N | seconds | peak RSS (MB) |", "| ---: | ---: | ---: |"]
    runner = build_runner(FIXTURE.read_text(encoding="utf-8"), directory / "scaling")
    for count in counts:
        data = directory / f"data-{count}"
        generate(data, count, megabytes)
        seconds, peak = measure(CHILD_RUNNER, str(runner), str(data), str(parallel), directory=directory)
        lines.append(f"| {count:,} | {seconds:.2f} | {peak:,.0f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--max-parallel", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--counts", help="comma-separated file counts: time and RSS per count instead")
    parser.add_argument("--distinct", type=int, help="generate only this many files; the others copy them")
    parser.add_argument("--dir", help="work directory (default: a temporary one, removed after)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glacier-partitions-", dir=args.dir) as temporary:
        directory = Path(temporary)
        if args.counts:
            lines = scaling(directory, [int(c) for c in args.counts.split(",")], args.mb, args.max_parallel)
        else:
            lines = compare(directory, args.files, args.mb, args.max_parallel, args.distinct)
    print("\n".join(lines))
    print(f"\n(benchmark took {time.perf_counter() - start:.0f} s; peak RSS of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
