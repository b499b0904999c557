"""`make bench`: whole-process timings of the compiler against the cost of parsing with LibCST alone.

Figures go to docs/benchmarks.md. Each figure is the minimum of several runs (the least disturbed one);
run on a quiet machine. Budgets (issue 3): analysing a 2,000-task pipeline costs at most 2x a process that
only imports libcst and parses the file; 10x the tasks cost at most ~10x the time; checking one small file
costs at most 1.5x importing libcst and parsing it, a cached check 0.3x, a build 1.5x; a cached check of the
2,000-task file at most 0.1x its cold check; declared column contracts add at most 20% to that check. The
backends are timed in-process over the analysed IR,
as `glacierc build` runs them (issue 4: Terraform for 2,000 tasks "well under a second beyond analysis";
the bar used here is half a second).
"""

from __future__ import annotations

import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

PARSE_ONLY = "import libcst, sys; libcst.parse_module(open(sys.argv[1], encoding='utf-8').read())"
GLACIERC = [str(Path(sys.executable).with_name("glacierc"))]
ANALYZE = ["analyze", "--format", "json"]
COLD_CHECK = ["check", "--no-cache"]
TERRAFORM_BAR = 0.5  # seconds beyond analysis for 2,000 tasks

APPROACH = [
    "## How the compiler keeps to these figures",
    "",
    "- A repeated `check` of an unchanged project is replayed before the command table, the settings or any "
    "parser is loaded (glacierc/replay.py: the recorded report, after checking the directory times and file "
    "contents it depended on).",
    "- Every command but `run` is parsed by argparse (glacierc/fast_parser.py) from the one command table; typer "
    "(the CLI of `run`, `--help` and usage errors) is not imported. typer is pinned below 0.29, which made pydantic a hard dependency "
    "(+0.15 s per command).",
    "- One LibCST parse per file; no metadata provider runs over a whole tree.",
    "- Top-level statements get their lines from CPython's `ast.parse` (0.13 s on 12,000 lines, where LibCST's",
    "  code generation takes 0.44 s); pipeline calls are paired with the calls CPython found; exact positions",
    "  of other nested nodes come from `PositionProvider` run over one statement, only for a diagnostic.",
    "- Child nodes are read from the nodes' fields (glacierc/frontend/children.py), never through LibCST's",
    "  `children`, which runs a visitor per call.",
    "- Task bodies are walked only when their text mentions a bucket or a storage method",
    "  (a regular-expression pre-filter); there is no full-tree visitor pass.",
    "- Module-level names are evaluated lazily and memoised; every pass is linear in the input.",
    "- The cyclic garbage collector is paused while trees and artifacts are built, and is off in the CLI",
    "  process: it re-scans the live syntax trees (millions of acyclic objects) on every allocation burst,",
    "  which made time grow faster than the input (3x the tasks cost 3.9x with it, 3.0x without).",
    "- The CLI imports Polars and the TOML parser only where needed; no command imports a template engine: "
    "generated code is laid out in Python (runners, cloud entry modules, the HCL block printer).",
    "- Defining classes was most of what a cold check of a small file cost beyond the parse: `@dataclass` "
    "compiles the methods it writes for each class, about 1,800 over the ~330 classes a command defines "
    "(LibCST's syntax nodes among them), 0.5-1 ms per class on CPython 3.11. The CLI keeps their code objects "
    "per user and Python version in `~/.cache/glacierc/` (glacierc/class_code.py) and hands `dataclasses` the "
    "kept code instead of compiling its texts again: on examples/aws_etl, 130 ms of a 290 ms build before, "
    "27 ms after. The parse-only baseline does not get this for LibCST's own classes, so the small-file "
    "ratios above are what a user sees from the second run on; the first run of a new version compiles as "
    "before. Classes without a docstring also had their signature computed; values made by the hundred "
    "thousand (the HCL printer's lines) are named tuples.",
    "- A package's requirement set reads a runner's imports from its copied task code and the runtime's known "
    "imports (glacierc/backends/runner/imports.py), not from a parse of the whole runner.", ""
]


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def side_by_side(path: Path, glacierc_args: list[str], repeats: int) -> tuple[float, float]:
    """Best of `repeats` for the parse-only process and for glacierc, run alternately so that both see the
    same machine (its speed drifts by tens of percent over seconds here)."""
    parse, ours = [], []
    for _ in range(repeats):
        parse.append(_seconds([sys.executable, "-c", PARSE_ONLY, str(path)]))
        ours.append(_seconds([*GLACIERC, *glacierc_args, str(path)]))
    return min(parse), min(ours)


def backend_seconds(path: Path) -> dict[str, float]:
    """In-process time of each backend over the analysed IR (analysis itself excluded)."""
    from glacierc.backends import BACKENDS, BuildOptions
    from glacierc.driver import collector_paused, compile_project

    result = compile_project([str(path)])
    timings, files = {}, {}
    with collector_paused():  # as in `glacierc build`
        for name, emit in BACKENDS.items():
            start = time.perf_counter()
            produced, _ = emit(result.project, result.sources, files, BuildOptions())
            timings[name] = time.perf_counter() - start
            files.update(produced)
    return timings


def _compile_bytecode() -> None:
    """pip compiles an installed package's bytecode; an editable checkout (and PYTHONDONTWRITEBYTECODE, set on
    some machines) would otherwise make every timed process compile glacierc's sources anew."""
    import compileall

    for package in (ROOT / "glacierc", ROOT / "stdlib" / "glacier"):
        compileall.compile_dir(str(package), quiet=1)


def main() -> None:
    _compile_bytecode()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        small = ROOT / "examples" / "aws_etl" / "pipeline.py"
        rows.append(_row("check one small file (examples/aws_etl)", *side_by_side(small, COLD_CHECK, 20), 1.5))
        _seconds([*GLACIERC, "check", str(small)])  # fills the cache
        rows.append(_row("check one small file, cached", *side_by_side(small, ["check"], 20), 0.3))
        out = Path(tmp, "build-out")
        rows.append(_row("build one small file (examples/aws_etl)",
                         *side_by_side(small, ["build", "-o", str(out)], 12), 1.5))
        files = {}
        for tasks in (2_000, 20_000):  # each file its own project: `check FILE` checks FILE's whole directory
            files[tasks] = Path(tmp, f"project_{tasks}", f"bench_{tasks}.py")
            files[tasks].parent.mkdir()
            files[tasks].write_text(generate(tasks), encoding="utf-8")
        big_parse, big_analyse = side_by_side(files[2_000], ANALYZE, 3)
        lines = files[2_000].read_text().count("\n")
        rows.append(_row(f"analyze 2,000 tasks ({lines:,} lines)", big_parse, big_analyse, 2.0))
        rows += _cache_and_columns_rows(files[2_000], Path(tmp))
        huge_parse, huge_analyse = side_by_side(files[20_000], ANALYZE, 1)
        lines = files[20_000].read_text().count("\n")
        rows.append(_row(f"analyze 20,000 tasks ({lines:,} lines)", huge_parse, huge_analyse, 2.0))
        scaling = (huge_analyse / big_analyse, huge_parse / big_parse)
        backends = min((backend_seconds(files[2_000]) for _ in range(3)), key=lambda t: t["terraform"])
    _write(rows, scaling, backends)


def _cache_and_columns_rows(file: Path, tmp: Path) -> list[tuple]:
    """A cached check of the 2,000-task file against its cold check (budget 0.1x), and the column analysis:
    the same file with declared schemas against without (budget 1.2x: at most 20% more)."""
    cold = min(_seconds([*GLACIERC, *COLD_CHECK, str(file)]) for _ in range(3))
    _seconds([*GLACIERC, "check", str(file)])
    cached = min(_seconds([*GLACIERC, "check", str(file)]) for _ in range(3))
    rows = [_row("check 2,000 tasks cached, against its cold check", cold, cached, 0.1)]
    with_schema = tmp / "project_2000_schema" / "bench_2000_schema.py"
    with_schema.parent.mkdir()
    with_schema.write_text(generate(2_000, schema=True), encoding="utf-8")
    columns = min(_seconds([*GLACIERC, *COLD_CHECK, str(with_schema)]) for _ in range(3))
    rows.append(_row("check 2,000 tasks with column contracts, against without", cold, columns, 1.2))
    return rows


def _row(what: str, baseline: float, ours: float, budget: float) -> tuple:
    ratio = ours / baseline
    verdict = "ok" if ratio <= budget else "OVER BUDGET"
    print(f"{what}: parse-only {baseline:.3f} s, glacierc {ours:.3f} s, {ratio:.2f}x (budget {budget}x) {verdict}")
    return what, baseline, ours, ratio, budget, verdict


def _write(rows: list[tuple], scaling: tuple[float, float], backends: dict[str, float]) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (bench/run.py); whole processes, the best of several runs.",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{_cores()} cores. Re-run `make bench` to refresh this page.",
        "",
        "| what | import libcst + parse | glacierc | ratio | budget | |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    lines += [f"| {w} | {b:.3f} s | {o:.3f} s | {r:.2f}x | {bud}x | {v} |" for w, b, o, r, bud, v in rows]
    linear = scaling[0] <= scaling[1] * 1.1
    verdict = ("so the compiler's own passes add no superlinear cost" if linear else
               "so the compiler's own passes grow faster than the input: a pass is superlinear (OVER BUDGET)")
    lines += ["", f"Scaling: 20,000 tasks take {scaling[0]:.1f}x the time of 2,000 tasks (budget ~10x); LibCST's "
              f"parse alone takes {scaling[1]:.1f}x, {verdict}. The parse-only baseline runs with Python's default cyclic "
              "garbage collector, which glacierc turns off in its own process (see below): on large inputs that "
              "alone can make the whole analysis take about as long as the bare parse.", "", "## Backends (in-process, over the IR of the 2,000-task pipeline)", "",
              "| backend | seconds |", "| --- | ---: |"]
    terraform_verdict = "ok" if backends["terraform"] <= TERRAFORM_BAR else "OVER BUDGET"
    lines += [f"| {name} | {seconds:.3f} |" for name, seconds in sorted(backends.items())]
    lines += ["", f"Terraform for 2,000 tasks: {backends['terraform']:.3f} s beyond analysis (budget: well under a "
              f"second; bar {TERRAFORM_BAR} s): {terraform_verdict}. Each serverless executor has one package "
              "shared by its functions, so the runner is zipped once per executor, not once per task.",
              "", "The generated runner's speed against a hand-fused Polars query and task-by-task eager execution is "
              "measured by bench/runner_bench.py: see [benchmarks_runner.md](benchmarks_runner.md).",
              "", "Measurements on this shared 2-core machine vary by up to +-40% between runs; each figure is the "
              "least disturbed of several.",
              ""] + APPROACH
    print(f"scaling 2,000 -> 20,000 tasks: glacierc {scaling[0]:.1f}x, parse-only {scaling[1]:.1f}x")
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines), encoding="utf-8")


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
