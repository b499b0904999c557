"""A mapped Lambda task on AWS: the Distributed Map state (accepted by moto's parser and asl-validator), the
state machine's grants, and the real Lambda packages of a build run as the map runs them: one invocation per
listed object with the ItemSelector's payload, then the combining node reading the staged items, which
gives what the local runner gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacierc.backends.terraform.aws_states import canonical_json, definition
from glacierc.driver import build, compile_project
from tests.asl_tools import assert_moto_and_asl_validator_accept
from tests.terraform_tools import extract, load_module
from tests.test_partitions_library import write_events
from tests.test_runner_support import run, write_runner

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "partitions" / "aws_daily" / "pipeline.py"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:glacier-"


def asl() -> dict:
    result = compile_project([FIXTURE])
    pipeline = result.project.pipelines[0]
    return definition(result.project, pipeline, lambda g: ARN + g.id)


def test_the_mapped_node_is_a_distributed_map_over_the_dataset_prefix():
    states = asl()["States"]
    assert list(states) == ["map clean", "failed clean", "run combine", "failed combine"]
    mapped = states["map clean"]
    assert mapped["ItemReader"] == {"Resource": "arn:aws:states:::s3:listObjectsV2",
                                    "Parameters": {"Bucket": "glacier-maps-raw", "Prefix": "events/2026/"}}
    assert mapped["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert mapped["ItemSelector"]["item.$"] == "$$.Map.Item.Value.Key"
    assert (mapped["MaxConcurrency"], mapped["ToleratedFailureCount"], mapped["Next"]) == (40, 0, "run combine")
    item = mapped["ItemProcessor"]["States"]["run item clean"]
    assert item["Parameters"] == {"FunctionName": ARN + "clean", "Payload.$": "$"}
    assert item["Retry"][0]["MaxAttempts"] == 1 and item["TimeoutSeconds"] == 30  # the task's, per object
    assert mapped["Catch"][0]["Next"] == "failed clean" and "ItemBatcher" not in mapped


def test_max_concurrency_is_the_functions_reserved_concurrency(tmp_path):
    source = FIXTURE.read_text().replace("LambdaConfig(memory=512, timeout=60)",
                                         "LambdaConfig(memory=512, timeout=60, reserved_concurrency=7)")
    (tmp_path / "pipeline.py").write_text(source)
    result = compile_project([tmp_path / "pipeline.py"])
    found = definition(result.project, result.project.pipelines[0], lambda g: ARN + g.id)
    assert found["States"]["map clean"]["MaxConcurrency"] == 7


def test_the_limits_of_partitions_are_max_concurrency_and_tolerated_failure_count(tmp_path):
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    source = FIXTURE.read_text().replace("LambdaConfig(memory=512, timeout=60)",
                                         "LambdaConfig(memory=512, timeout=60, reserved_concurrency=7)")
    source = source.replace("events.partitions()", "events.partitions(max_parallel=5, tolerated_failures=2)")
    (tmp_path / "pipeline.py").write_text(source)
    result = compile_project([tmp_path / "pipeline.py"])
    found = definition(result.project, result.project.pipelines[0], lambda g: ARN + g.id)
    mapped = found["States"]["map clean"]
    assert (mapped["MaxConcurrency"], mapped["ToleratedFailureCount"]) == (5, 2)  # the map's, over the function's
    AmazonStateLanguageParser.parse(canonical_json(found).decode())


def test_moto_and_asl_validator_accept_the_definition(tmp_path):
    assert_moto_and_asl_validator_accept(canonical_json(asl()), tmp_path)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build") / "out"
    assert build([str(FIXTURE)], out, {}).written
    return out


def statements(iam: str, document: str) -> str:
    block = iam[iam.index(f'data "aws_iam_policy_document" "{document}"'):]
    return block[: block.index("\n}\n")]


def test_the_machine_starts_its_own_child_executions_and_lists_only_the_prefix(built):
    machine = statements((built / "terraform" / "iam.tf").read_text(), "daily_states_access")
    assert '"arn:aws:states:*:${data.aws_caller_identity.current.account_id}:stateMachine:${var.name_prefix}-daily"' \
        in machine
    assert ":execution:${var.name_prefix}-daily/*" in machine
    listing = machine[machine.index('sid       = "ListMappedGlacierMapsRaw"'):]
    assert 'resources = ["arn:aws:s3:::glacier-maps-raw"]' in listing and 'values   = ["events/2026/*"]' in listing
    assert "s3:GetObject" not in machine


def test_items_are_staged_per_object_and_read_back_by_listing_them(built):
    iam = (built / "terraform" / "iam.tf").read_text()
    fn, local = statements(iam, "fn_access"), statements(iam, "local_exec_access")
    assert '"${aws_s3_bucket.daily_staging.arn}/*/clean/*"' in fn and "clean.*" not in fn
    assert '"${aws_s3_bucket.daily_staging.arn}/*/clean/*"' in local
    assert 'values   = ["*/clean/*"]' in local


@pytest.fixture(scope="module")
def handlers(built, tmp_path_factory):
    root = tmp_path_factory.mktemp("packages")
    lambdas = built / "terraform" / "lambda"
    return {name: load_module(extract((lambdas / f"{name}.zip").read_bytes(), root / name) / "handler.py",
                              f"handler_partitions_{name}") for name in ("fn", "local_exec")}


def listed(data: Path, bucket: str, prefix: str) -> list[str]:
    """What listObjectsV2 gives for `prefix`: every key below it, in key order."""
    base = data / bucket
    return sorted(p.relative_to(base).as_posix() for p in (base / prefix).rglob("*") if p.is_file())


def item_payload(selector: dict, key: str, index: int, execution: str) -> dict:
    values = {"$$.Execution.Name": execution, "$$.Map.Item.Value.Key": key,
              "States.Format('{}', $$.Map.Item.Index)": str(index)}
    return {name.removesuffix(".$"): values[value] if name.endswith(".$") else value
            for name, value in selector.items()}


def test_the_packages_run_the_map_item_by_item_and_combine_as_the_local_runner(handlers, tmp_path, monkeypatch):
    data = tmp_path / "data"
    write_events(data / "glacier-maps-raw" / "x", count=5)  # events under raw/events/2026/, see below
    shutil.move(data / "glacier-maps-raw" / "x" / "raw" / "events", data / "glacier-maps-raw" / "events")
    monkeypatch.setenv("GLACIER_DATA_DIR", str(data))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "staging"))
    mapped = asl()["States"]["map clean"]
    keys = listed(data, "glacier-maps-raw", mapped["ItemReader"]["Parameters"]["Prefix"])
    assert "events/2026/notes.txt" in keys and len(keys) == 7  # listing takes what the glob does not
    statuses = [handlers["fn"].task_clean(item_payload(mapped["ItemSelector"], key, index, "exec-1"), None)
                for index, key in enumerate(keys)]
    assert [s["status"] for s in statuses] == ["skipped", "ok", "ok", "ok", "ok", "ok", "skipped"]
    staged = sorted(p.name for p in (tmp_path / "staging" / "exec-1" / "clean").iterdir())
    assert staged == [f"{i}.{suffix}" for i in range(1, 6) for suffix in ("json", "parquet")]
    done = handlers["local_exec"].task_combine({"pipeline": "daily", "group": "combine", "run_id": "exec-1"}, None)
    assert done["status"] == "ok"
    in_the_cloud = pl.read_parquet(data / "glacier-maps-curated" / "daily" / "countries.parquet")
    runner = write_runner(tmp_path / "local", FIXTURE)
    local = tmp_path / "local" / "data"
    shutil.copytree(data / "glacier-maps-raw", local / "glacier-maps-raw")
    assert run(runner, "--data-dir", "data", cwd=tmp_path / "local").returncode == 0
    assert_frame_equal(in_the_cloud, pl.read_parquet(local / "glacier-maps-curated" / "daily" / "countries.parquet"))


def test_a_map_that_listed_nothing_gives_the_combining_node_an_empty_list(handlers, tmp_path, monkeypatch):
    monkeypatch.setenv("GLACIER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "staging"))
    with pytest.raises(Exception, match="node `combine` failed: ValueError: cannot concat empty list"):
        handlers["local_exec"].task_combine({"pipeline": "daily", "group": "combine", "run_id": "exec-2"}, None)


@pytest.mark.parametrize(("event", "refused"), [
    ({"item": "secrets/key.parquet", "index": "0"}, "`item` must be an object key below `events/2026/`"),
    ({"item": "events/2026/../../secrets/a.parquet", "index": "0"}, "must be an object key below"),
    ({"item": "events/2026/a.parquet", "index": "-1"}, "`index` its position"),
    ({"item": "events/2026/a.parquet"}, "`index` its position"),
    ({"item": "events/2026/a.parquet", "index": 3}, "`index` must be a string"),
])
def test_hostile_item_events_are_refused(handlers, event, refused):
    with pytest.raises((RuntimeError, ValueError), match=refused):
        handlers["fn"].task_clean({"pipeline": "daily", "group": "clean", "run_id": "r", **event}, None)


def test_an_item_for_a_node_that_is_not_mapped_is_refused(handlers):
    with pytest.raises(ValueError, match="node `combine` is not mapped"):
        handlers["local_exec"].task_combine({"pipeline": "daily", "group": "combine", "run_id": "r",
                                             "item": "events/2026/a.parquet", "index": "0"}, None)


def test_a_failing_object_fails_its_invocation_and_stages_nothing(handlers, tmp_path, monkeypatch):
    data = tmp_path / "data" / "glacier-maps-raw" / "events" / "2026"
    data.mkdir(parents=True)
    pl.DataFrame({"country": ["fr"]}).write_parquet(data / "bad.parquet")  # no user_id: clean's filter fails
    monkeypatch.setenv("GLACIER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "staging"))
    event = {"pipeline": "daily", "group": "clean", "run_id": "exec-3", "item": "events/2026/bad.parquet",
             "index": "0"}
    with pytest.raises(Exception, match="node `clean` failed: ColumnNotFoundError"):
        handlers["fn"].task_clean(event, None)
    assert not list((tmp_path / "staging").rglob("*.json"))
