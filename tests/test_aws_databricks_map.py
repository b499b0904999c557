"""A mapped node on a Databricks executor of an AWS pipeline: its Distributed Map runs one Databricks run per
object, which stages the object's result under `<staging>/<execution>/<node>/<index>.*` like a Lambda item.

As in tests/test_aws_executors_databricks.py (whose `databricks_cloud` this reuses: its workspace server's
`runs/submit` runs the submitted workspace file in a subprocess, `runs/get` reports it), the built function
runs in a subprocess with the environment its Terraform gives it, against moto's S3 and Secrets Manager. The map is driven with the built
definition's own parts: its `ItemReader` lists the bucket, its `ItemSelector` makes each item's input, the
item branch's submit payload is resolved from that input, then the run is polled until it ends; the
combining node's group runs after it as its own Databricks run.
"""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
from asl_tools import assert_moto_and_asl_validator_accept
from terraform_tools import REPO
from test_aws_executors_databricks import _invoke, databricks_cloud, run_to_end

FIXTURE = REPO / "tests" / "fixtures" / "terraform_aws" / "databricks_map" / "pipeline.py"
EXECUTION = "run-map"
#: What the map's ItemSelector takes from the context object, for the item at `index` with object `key`.
CONTEXT = {"$$.Execution.Name": lambda key, index: EXECUTION, "$$.Map.Item.Value.Key": lambda key, index: key,
           "States.Format('{}', $$.Map.Item.Index)": lambda key, index: str(index)}


def frame(index: int) -> pl.DataFrame:
    return pl.DataFrame({"user_id": [index, None, index + 100], "country": ["fr", "de", ["fr", "it", "jp"][index % 3]]})


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with databricks_cloud(FIXTURE, tmp_path_factory.mktemp("databricks_map"),
                          ("dbx-maps-raw", "dbx-maps-curated", "dbx-maps-staging"),
                          {"daily": "s3://dbx-maps-staging"}) as found:
        yield found


def _resolved(template: dict, values: dict) -> dict:
    """A state's `Parameters`/`ItemSelector` with each `key.$` path taken from `values` (by its path text)."""
    return {k.removesuffix(".$"): values[v] if k.endswith(".$") else v for k, v in template.items()}


def _map(cloud) -> list[dict]:
    """Each listed object through the item branch of the built map: the states the runs ended in."""
    emulator, module = cloud[0], cloud[4]
    states = json.loads((module / "states" / "daily.asl.json").read_text())["States"]
    state = states["map clean"]
    listed = emulator.client("s3").list_objects_v2(**state["ItemReader"]["Parameters"])["Contents"]
    (item,) = state["ItemProcessor"]["States"].values()
    (branch,) = item["Branches"]
    submit = branch["States"][branch["StartAt"]]["Parameters"]["Payload"]
    ended = []
    for index, found in enumerate(listed):
        selected = _resolved(state["ItemSelector"], {p: f(found["Key"], index) for p, f in CONTEXT.items()})
        ended.append(run_to_end(cloud, _resolved(submit, {f"$.{k}": v for k, v in selected.items()})))
    return ended


def _put(emulator, key: str, data: bytes) -> None:
    emulator.client("s3").put_object(Bucket="dbx-maps-raw", Key=key, Body=data)


def _parquet(frame_: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame_.write_parquet(buffer)
    return buffer.getvalue()


def test_each_object_is_a_databricks_run_staged_as_its_item_and_combined(cloud):
    emulator, workspace = cloud[0], cloud[1]
    for day in (1, 2):
        _put(emulator, f"events/2026/day-{day}.parquet", _parquet(frame(day)))
    _put(emulator, "events/2026/notes.txt", b"not a partition")  # under the prefix, not matching the path
    first = len(workspace.submitted)
    assert [s["state"] for s in _map(cloud)] == ["SUCCESS"] * 3
    items = [body["tasks"][0]["spark_python_task"]["parameters"] for body in workspace.submitted[first:]]
    assert items == [["daily", "clean", EXECUTION, "s3://dbx-maps-staging", f"events/2026/{name}", str(index)]
                     for index, name in enumerate(("day-1.parquet", "day-2.parquet", "notes.txt"))]
    assert [b["run_name"] for b in workspace.submitted[first:]] == [f"glacier daily clean {EXECUTION} item {i}"
                                                                    for i in range(3)]
    staged = emulator.client("s3").list_objects_v2(Bucket="dbx-maps-staging", Prefix=f"{EXECUTION}/clean/")
    assert sorted(o["Key"] for o in staged["Contents"] if o["Key"].endswith(".parquet")) == [
        f"{EXECUTION}/clean/0.parquet", f"{EXECUTION}/clean/1.parquet"]  # the text file was skipped
    states = json.loads((cloud[4] / "states" / "daily.asl.json").read_text())["States"]
    (combine,) = states["run combine"]["Branches"]
    payload = combine["States"][combine["StartAt"]]["Parameters"]["Payload"]
    assert run_to_end(cloud, _resolved(payload, {"$$.Execution.Name": EXECUTION}))["state"] == "SUCCESS"
    body = emulator.client("s3").get_object(Bucket="dbx-maps-curated", Key="daily/countries.parquet")["Body"].read()
    expected = pl.concat([frame(1), frame(2)]).filter(pl.col("user_id").is_not_null()).group_by("country").len()
    assert pl.read_parquet(io.BytesIO(body)).sort("country").equals(expected.sort("country"))


def test_a_failing_object_fails_its_run_naming_the_node(cloud):
    emulator = cloud[0]
    for key in [o["Key"] for o in emulator.client("s3").list_objects_v2(Bucket="dbx-maps-raw").get("Contents", [])]:
        emulator.client("s3").delete_object(Bucket="dbx-maps-raw", Key=key)
    _put(emulator, "events/2026/day-9.parquet", _parquet(frame(9).rename({"user_id": "user"})))
    (state,) = _map(cloud)
    assert state["state"] == "FAILED" and "node `clean` failed" in state["message"]


def test_the_function_refuses_an_item_for_a_group_that_is_not_mapped_or_a_bad_index(cloud):
    event = {"action": "submit", "executor": "jobs", "pipeline": "daily", "group": "combine", "run_id": "r",
             "item": "events/2026/day-1.parquet", "index": "0"}
    done = _invoke(cloud, event)
    assert done.returncode != 0 and "refused event: group 'combine' is not mapped" in done.stderr
    done = _invoke(cloud, {**event, "group": "clean", "index": "0; rm -rf /"})
    assert done.returncode != 0 and "refused event: `item` must be an object key" in done.stderr


def test_moto_and_asl_validator_accept_the_definition(cloud, tmp_path):
    text = (cloud[4] / "states" / "daily.asl.json").read_text().replace("${function_glacier_databricks}",
                                                                       "arn:aws:lambda:us-east-1:1:function:f")
    assert_moto_and_asl_validator_accept(text, tmp_path)
