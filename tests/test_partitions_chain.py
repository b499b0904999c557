"""A chain of mapped tasks (`[b(a(p)) for p in dataset.partitions()]`): one mapped node per task, the later
ones taking the one before's result per object (`map_after`), fused into one group, run whole per object by
the local runner (in one thread) and by one Lambda invocation per object on AWS."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacierc.driver import build, compile_project
from glacierc.ir.fusion import fused_groups
from glacierc.ir.nodes import NodeInput, PartitionInput
from tests.helpers import glacierc
from tests.terraform_tools import extract, load_module
from tests.test_partitions import write_parts
from tests.test_partitions_aws import item_payload, listed
from tests.test_partitions_library import write_events
from tests.test_runner_support import run, write_runner

ROOT = Path(__file__).resolve().parent.parent
CHAINED = ROOT / "tests" / "fixtures" / "partitions" / "chained" / "pipeline.py"
AWS = ROOT / "tests" / "fixtures" / "partitions" / "aws_daily" / "pipeline.py"
SHRINK = '''

@fn.task(retries=2, timeout=20)
def shrink(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.select("country")
'''


def test_the_chain_is_one_mapped_node_per_task_fused_into_one_group():
    result = compile_project([CHAINED])
    pipeline = result.project.pipelines[0]
    measure, double = pipeline.node("measure"), pipeline.node("double")
    assert (measure.map, measure.map_after, double.map, double.map_after) == ("parts", None, "parts", "measure")
    assert measure.inputs == (PartitionInput("part", "parts"),) and double.inputs == (NodeInput("frame", "measure"),)
    assert double.map_limits == measure.map_limits and measure.map_limits.tolerated_failures == 1
    assert [(g.nodes, g.staged) for g in fused_groups(pipeline)] == [(("measure", "double"), ("double",)),
                                                                     (("report",), ())]
    out = glacierc("analyze", str(CHAINED), "--format", "json")
    nodes = {n["id"]: n for n in json.loads(out.stdout)["pipelines"][0]["nodes"]}
    assert nodes["double"]["map_after"] == "measure" and "map_after" not in nodes["measure"]


def test_the_local_runner_runs_the_chain_per_object_in_one_thread(tmp_path):
    write_parts(tmp_path / "data", 9)
    runner = write_runner(tmp_path, CHAINED)
    done = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = pl.read_csv(tmp_path / "data" / "out" / "doubled.csv")
    assert out["value"].to_list() == [2 * i for i in range(9)] and out["fused"].all()
    assert "[1/3] measure" in done.stderr and "9 items" in done.stderr


def test_a_chain_tolerates_its_failures_per_object_and_one_more_fails_naming_the_task(tmp_path):
    write_parts(tmp_path / "data", 5, negative=2)
    runner = write_runner(tmp_path, CHAINED)
    done = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pl.read_csv(tmp_path / "data" / "out" / "doubled.csv")["name"].to_list() == ["p00", "p01", "p03", "p04"]
    pl.DataFrame({"name": ["p04"], "value": [-4]}).write_csv(tmp_path / "data" / "raw" / "parts" / "p04.csv")
    (tmp_path / "data" / "out" / "doubled.csv").unlink()
    done = run(runner, "--data-dir", "data", cwd=tmp_path)
    assert done.returncode == 1
    assert "node `double` (after `measure` in the map over `parts`) failed on object" in done.stderr
    assert not (tmp_path / "data" / "out" / "doubled.csv").exists()


@pytest.fixture(scope="module")
def aws_chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("aws_chain")
    source = root / "pipeline.py"
    text = AWS.read_text(encoding="utf-8").replace("\n\n@local_exec.task()", SHRINK + "\n\n@local_exec.task()", 1)
    source.write_text(text.replace("[clean(p) for p", "[shrink(clean(p)) for p"), encoding="utf-8")
    out = root / "out"
    assert build([str(source)], out, {}).written
    lambdas = out / "terraform" / "lambda"
    handlers = {name: load_module(extract((lambdas / f"{name}.zip").read_bytes(), root / name) / "handler.py",
                                  f"handler_chain_{name}") for name in ("fn", "local_exec")}
    return source, out, handlers


def test_on_aws_the_chain_is_one_item_per_object_with_the_chains_retries_and_timeouts(aws_chain):
    source, out, _ = aws_chain
    result = compile_project([source])
    from glacierc.backends.terraform.aws_states import definition

    states = definition(result.project, result.project.pipelines[0], lambda g: "arn:fn:" + g.id)["States"]
    assert list(states) == ["map clean", "failed clean", "run combine", "failed combine"]
    item = states["map clean"]["ItemProcessor"]["States"]["run item clean"]
    assert item["TimeoutSeconds"] == 50 and item["Retry"][0]["MaxAttempts"] == 2  # 30 + 20 s; retries 1 and 2
    assert "shrink" in states["failed clean"]["Cause"]


def test_the_lambda_runs_the_chain_per_item_and_stages_only_its_last_result(aws_chain, tmp_path, monkeypatch):
    source, _, handlers = aws_chain
    data = tmp_path / "data"
    write_events(data / "glacier-maps-raw" / "x", count=4)
    shutil.move(data / "glacier-maps-raw" / "x" / "raw" / "events", data / "glacier-maps-raw" / "events")
    monkeypatch.setenv("GLACIER_DATA_DIR", str(data))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "staging"))
    result = compile_project([source])
    from glacierc.backends.terraform.aws_states import definition

    mapped = definition(result.project, result.project.pipelines[0], lambda g: "arn:fn:" + g.id)["States"]["map clean"]
    keys = listed(data, "glacier-maps-raw", "events/2026/")
    statuses = [handlers["fn"].task_clean(item_payload(mapped["ItemSelector"], key, index, "exec-1"), None)
                for index, key in enumerate(keys)]
    assert [s["status"] for s in statuses] == ["skipped", "ok", "ok", "ok", "ok", "skipped"]
    assert [n["node"] for n in statuses[1]["nodes"]] == ["clean", "shrink"]
    staged = sorted(p.relative_to(tmp_path / "staging" / "exec-1").as_posix()
                    for p in (tmp_path / "staging" / "exec-1").rglob("*.json"))
    assert staged == [f"shrink/{i}.json" for i in range(1, 5)]  # clean's results stayed in the invocation
    done = handlers["local_exec"].task_combine({"pipeline": "daily", "group": "combine", "run_id": "exec-1"}, None)
    assert done["status"] == "ok"
    runner = write_runner(tmp_path / "local", source)
    shutil.copytree(data / "glacier-maps-raw", tmp_path / "local" / "data" / "glacier-maps-raw")
    assert run(runner, "--data-dir", "data", cwd=tmp_path / "local").returncode == 0
    key = Path("glacier-maps-curated") / "daily" / "countries.parquet"
    assert_frame_equal(pl.read_parquet(data / key), pl.read_parquet(tmp_path / "local" / "data" / key))
