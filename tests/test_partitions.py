"""A task mapped over a dataset's partitions: the compiler's one mapped node (IR, graph, analyze, IAM) and the
local runner running it per object with a bound, through real builds and real runner processes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier.datasets import matches, prefix
from glacierc.backends.graph.dot import to_dot
from glacierc.backends.graph.mermaid import to_mermaid
from glacierc.backends.graph.view import build_view
from glacierc.driver import compile_project
from glacierc.ir.access import executor_access
from glacierc.ir.nodes import MapLimits, NodeInput, PartitionInput
from tests.helpers import glacierc
from tests.runtime.conftest import load_runtime
from tests.test_partitions_library import write_events
from tests.test_runner_support import run, write_runner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "partitions"
REPORT_SCHEMA = json.loads((ROOT / "docs" / "run-report.schema.json").read_text(encoding="utf-8"))


def pipeline_of(name: str):
    result = compile_project([FIXTURES / name / "pipeline.py"])
    assert not [d for d in result.diagnostics if d.severity.value == "error"], result.diagnostics
    return result.project, result.project.pipelines[0]


# ---- the compiler ---------------------------------------------------------------------------------

def test_the_comprehension_is_one_mapped_node_whose_list_the_next_node_takes():
    project, pipeline = pipeline_of("daily")
    clean, combine = pipeline.node("clean"), pipeline.node("combine")
    assert [n.id for n in pipeline.nodes] == ["clean", "combine"]
    assert clean.map == "events" and combine.map is None
    assert clean.inputs == (PartitionInput("part", "events"),)
    assert clean.reads == ("events",)
    assert combine.inputs == (NodeInput("parts", "clean"),)
    assert [(e.source, e.target, e.kind) for e in pipeline.edges] == [("clean", "combine", "data")]
    assert pipeline.levels == (("clean",), ("combine",))


def test_ir_json_says_map_only_for_mapped_nodes():
    out = glacierc("analyze", str(FIXTURES / "daily" / "pipeline.py"), "--format", "json")
    assert out.returncode == 0, out.stderr
    nodes = {n["id"]: n for n in json.loads(out.stdout)["pipelines"][0]["nodes"]}
    assert nodes["clean"]["map"] == "events" and "map" not in nodes["combine"]


def test_analyze_table_shows_the_mapped_node():
    out = glacierc("analyze", str(FIXTURES / "daily" / "pipeline.py"), "--format", "table",
                   env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    assert "clean [*] per object of events" in out.stdout


def test_graph_draws_the_mapped_node_stacked_in_dot_and_mermaid(tmp_path):
    project, pipeline = pipeline_of("daily")
    view = build_view(project, pipeline)
    dot = to_dot(view)
    clean = next(line for line in dot.splitlines() if line.strip().startswith('"task:clean"'))
    assert "peripheries=2" in clean and "clean [*]" in clean and "per object of events" in clean
    combine = next(line for line in dot.splitlines() if line.strip().startswith('"task:combine"'))
    assert "peripheries" not in combine and "[*]" not in combine
    mermaid = to_mermaid(view)
    assert "<b>clean [*]</b>" in mermaid and "class t_clean mapped" in mermaid
    if shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True).stdout
        assert "clean [*]" in svg


def test_the_mapped_lambda_may_read_only_below_the_dataset_prefix():
    from glacierc.backends import terraform

    project, _ = pipeline_of("aws_daily")
    assert executor_access(project)["fn"].reads == ("events",)
    files, _ = terraform.emit(project)
    iam = files["terraform/iam.tf"]
    assert isinstance(iam, str)
    block = iam[iam.index('data "aws_iam_policy_document" "fn_access"'):]
    block = block[: block.index("\n}\n")]
    objects = [line.strip() for line in block.splitlines() if "arn:aws:s3:::glacier-maps-raw/" in line]
    assert objects == ['resources = ["arn:aws:s3:::glacier-maps-raw/events/2026/*"]']
    assert "glacier-maps-curated" not in block


# ---- one definition of which objects are partitions ---------------------------------------------

CASES = [("events/2026/*.parquet", k) for k in ("events/2026/a.parquet", "events/2026/x/a.parquet",
                                               "events/2026/.a.parquet", "events/2027/a.parquet")]
CASES += [("events/", k) for k in ("events/a", "events/x/y.csv", "events/", "events/.x/y.csv", "other/a")]
CASES += [("e/**/*.csv", k) for k in ("e/a.csv", "e/1/2/a.csv", "e/a.parquet")]
CASES += [("e/[ab]?.csv", k) for k in ("e/a1.csv", "e/c1.csv", "e/a12.csv")] + [("e/[!a]*", "e/b"), ("e/[!a]*", "e/a")]


@pytest.mark.parametrize(("path", "key"), CASES)
def test_the_runtime_and_the_library_agree_on_partitions(path, key):
    runtime = load_runtime(STORAGE={}, NODES={}, LEVELS=(), TASKS={})
    assert runtime.is_partition(path, key) is matches(path, key)
    assert runtime.dataset_prefix(path) == prefix(path)


# ---- the local runner ----------------------------------------------------------------------------

def test_a_recursive_glob_with_classes_is_checked_and_mapped(tmp_path):
    """`events/**/day-[0-9]?.csv`: the glob the docs and the runtime match as pathlib does, which GLC307 refused
    (only `*` in the final segment); every depth below `events/` is mapped, names the class refuses are not."""
    fixture = FIXTURES / "recursive_glob" / "pipeline.py"
    assert not compile_project([fixture]).diagnostics
    keys = {"events/day-01.csv": 1, "events/2026/day-02.csv": 2, "events/2026/01/day-03.csv": 3,
            "events/2026/day-x1.csv": 9, "events/2026/day-1.csv": 9, "events/2026/.day-04.csv": 9}
    for key, rows in keys.items():
        (tmp_path / "data" / "raw" / key).parent.mkdir(parents=True, exist_ok=True)
        pl.DataFrame({"n": list(range(rows))}).write_csv(tmp_path / "data" / "raw" / key)
    runner = write_runner(tmp_path, fixture)
    done = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pl.read_parquet(tmp_path / "data" / "curated" / "counts.parquet")["rows"].to_list() == [3, 2, 1]


def test_the_runner_maps_per_file_and_equals_one_scan_of_the_glob(tmp_path):
    every = write_events(tmp_path / "data", count=6)
    runner = write_runner(tmp_path, FIXTURES / "daily" / "pipeline.py")
    done = run(runner, "--data-dir", "data", "--report", "report.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "clean (local, local_exec) ... ok" in done.stderr and "6 items" in done.stderr
    written = pl.read_parquet(tmp_path / "data" / "curated" / "daily" / "countries.parquet")
    folder = tmp_path / "data" / "raw" / "events" / "2026"
    (folder / ".day-99.parquet.tmp.parquet").unlink()  # hidden: never a partition, but Polars' glob takes it
    single = pl.scan_parquet(folder / "*.parquet")
    expected = single.filter(pl.col("user_id").is_not_null()).group_by("country").len().sort("country").collect()
    assert_frame_equal(written, expected)
    assert_frame_equal(written, every.filter(pl.col("user_id").is_not_null()).group_by("country").len()
                       .sort("country"))
    report = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    nodes = {n["id"]: n for n in report["nodes"]}
    assert (nodes["clean"]["map"], nodes["clean"]["items"], nodes["clean"]["status"]) == ("events", 6, "ok")
    assert "items" not in nodes["combine"] and "map" not in nodes["combine"]


def test_an_empty_dataset_maps_to_an_empty_list(tmp_path):
    runner = write_runner(tmp_path, FIXTURES / "bounded" / "pipeline.py")
    (tmp_path / "data" / "raw" / "parts").mkdir(parents=True)
    done = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "0 items" in done.stderr
    assert pl.read_csv(tmp_path / "data" / "out" / "peaks.csv")["runs"].to_list() == [0]


def test_an_object_whose_name_holds_glob_characters_is_read_as_named(tmp_path):
    every = write_events(tmp_path / "data", count=2)
    folder = tmp_path / "data" / "raw" / "events" / "2026"
    named = pl.DataFrame({"user_id": [1, 2, 3], "country": ["pt", "pt", "pt"]})
    decoy = pl.DataFrame({"user_id": [4], "country": ["es"]})  # what a glob of the name `a[1]*` matches
    named.write_parquet(folder / "a[1]*.parquet")
    decoy.write_parquet(folder / "a1b.parquet")
    runner = write_runner(tmp_path, FIXTURES / "daily" / "pipeline.py")
    done = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "4 items" in done.stderr
    written = pl.read_parquet(tmp_path / "data" / "curated" / "daily" / "countries.parquet")
    objects = pl.concat([every, named, decoy])
    assert_frame_equal(written, objects.filter(pl.col("user_id").is_not_null()).group_by("country").len()
                       .sort("country"))


def write_parts(data: Path, count: int, negative: int | None = None) -> None:
    folder = data / "raw" / "parts"
    (folder / "sub").mkdir(parents=True)
    for index in range(count):
        where = folder / "sub" if index % 3 == 0 else folder
        value = -1 if index == negative else index
        pl.DataFrame({"name": [f"p{index:02}"], "value": [value]}).write_csv(where / f"p{index:02}.csv")


@pytest.mark.parametrize("bound", [1, 3])
def test_max_parallel_bounds_the_runs_at_once(tmp_path, bound):
    write_parts(tmp_path / "data", 9)
    runner = write_runner(tmp_path, FIXTURES / "bounded" / "pipeline.py")
    done = run(runner, "--data-dir", "data", "--max-parallel", str(bound), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    peaks = pl.read_csv(tmp_path / "data" / "out" / "peaks.csv")
    assert peaks["runs"].to_list() == [9]
    assert 1 <= peaks["peak"][0] <= bound and (bound == 1 or peaks["peak"][0] > 1)
    keys = ["sub/p00", "p01", "p02", "sub/p03", "p04", "p05", "sub/p06", "p07", "p08"]
    ordered = sorted(keys)  # key order: the list the next node gets follows the objects' keys
    assert peaks["names"][0].split(",") == [k.rsplit("/", 1)[-1] for k in ordered]


def test_max_parallel_must_be_positive(tmp_path):
    runner = write_runner(tmp_path, FIXTURES / "bounded" / "pipeline.py")
    done = run(runner, "--max-parallel", "0", cwd=tmp_path)
    assert done.returncode == 2 and "--max-parallel" in done.stderr


def test_a_failing_object_fails_the_mapped_node_after_its_retries_and_writes_nothing(tmp_path):
    write_parts(tmp_path / "data", 5, negative=2)
    runner = write_runner(tmp_path, FIXTURES / "bounded" / "pipeline.py")
    done = run(runner, "--data-dir", "data", "--report", "report.json", cwd=tmp_path)
    assert done.returncode == 1
    assert "node `measure`" in done.stderr and "negative value in p02" in done.stderr
    assert not (tmp_path / "data" / "out").exists()
    nodes = {n["id"]: n for n in json.loads((tmp_path / "report.json").read_text())["nodes"]}
    assert (nodes["measure"]["status"], nodes["measure"]["attempts"], nodes["measure"]["items"]) == ("failed", 2, 5)
    assert nodes["report"]["status"] == "not run"


def test_glacierc_run_passes_max_parallel_and_the_library_run_gives_the_same_file(tmp_path):
    write_events(tmp_path / "data", count=3)
    done = glacierc("run", str(FIXTURES / "daily" / "pipeline.py"), "--data-dir", str(tmp_path / "data"),
                    "--max-parallel", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "data" / "curated" / "daily" / "countries.parquet"
    by_runner = pl.read_parquet(target)
    target.unlink()
    import importlib.util

    spec = importlib.util.spec_from_file_location("partitions_daily_again", FIXTURES / "daily" / "pipeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.daily_pipeline.run(mode="local", data_dir=tmp_path / "data")
    assert_frame_equal(pl.read_parquet(target), by_runner)


def test_a_mapped_node_is_a_group_of_its_own_and_groups_stay_a_dag():
    from glacierc.ir.fusion import fused_groups, group_levels

    _, pipeline = pipeline_of("fused")
    groups = fused_groups(pipeline)
    assert [g.nodes for g in groups] == [("ref",), ("clean",), ("combine",)]
    assert group_levels(pipeline, groups) == (("ref",), ("clean",), ("combine",))


# ---- limits the pipeline gives: partitions(max_parallel=..., tolerated_failures=...) ------------------

def test_the_limits_of_partitions_are_the_mapped_nodes_in_ir_json():
    project, pipeline = pipeline_of("limited")
    assert pipeline.node("measure").map_limits == MapLimits(max_parallel=2, tolerated_failures=1)
    out = glacierc("analyze", str(FIXTURES / "limited" / "pipeline.py"), "--format", "json")
    nodes = {n["id"]: n for n in json.loads(out.stdout)["pipelines"][0]["nodes"]}
    assert nodes["measure"]["map_limits"] == {"max_parallel": 2, "tolerated_failures": 1}
    assert "map_limits" not in nodes["report"]
    _, daily = pipeline_of("daily")
    assert daily.node("clean").map_limits == MapLimits()


@pytest.mark.parametrize(("flag", "peak"), [((), 2), (("--max-parallel", "1"), 1)])
def test_max_parallel_of_partitions_bounds_the_runs_unless_the_flag_says(tmp_path, flag, peak):
    write_parts(tmp_path / "data", 9)
    runner = write_runner(tmp_path, FIXTURES / "limited" / "pipeline.py")
    done = run(runner, "--data-dir", "data", *flag, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    peaks = pl.read_csv(tmp_path / "data" / "out" / "peaks.csv")
    assert (peaks["runs"][0], peaks["peak"][0]) == (9, peak)


def test_tolerated_failures_leave_the_failed_objects_out_and_one_more_fails_the_node(tmp_path):
    write_parts(tmp_path / "data", 5, negative=2)
    runner = write_runner(tmp_path, FIXTURES / "limited" / "pipeline.py")
    done = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    peaks = pl.read_csv(tmp_path / "data" / "out" / "peaks.csv")
    assert (peaks["runs"][0], peaks["names"][0]) == (4, "p01,p04,sub/p00,sub/p03".replace("sub/", ""))
    pl.DataFrame({"name": ["p04"], "value": [-4]}).write_csv(tmp_path / "data" / "raw" / "parts" / "p04.csv")
    (tmp_path / "data" / "out" / "peaks.csv").unlink()
    done = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert done.returncode == 1 and "node `measure`" in done.stderr
    assert not (tmp_path / "data" / "out" / "peaks.csv").exists()
