"""`glacierc run --cloud` reports a mapped node's items, end to end on an emulated AWS account: `terraform apply`
of tests/fixtures/partitions/aws_items (a Lambda task mapped over `events/*.parquet` with
`partitions(tolerated_failures=1)`, combined by a local node) against moto (tests/aws_emulator.py), event
objects in moto's S3, some of them without the `user_id` column the task filters on so that their Lambda
invocations raise; then `glacierc run --cloud` as a user runs it (a subprocess, boto3 pointed at the emulator).
moto's interpreter lists the objects (ItemReader), runs each as an item invoking the deployed package and
counts them in the Map Run (DescribeMapRun); tests/aws_map_children.py adds what moto lacks: the child
executions (ListExecutions by Map Run, DescribeExecution) and ToleratedFailureCount. One apply for the module.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import urllib.request

import jsonschema
import polars as pl
import pytest
from terraform_tools import Terraform, mirror_missing

from glacierc.driver import build
from tests.helpers import FIXTURES, ROOT

PIPELINE = FIXTURES / "partitions" / "aws_items" / "pipeline.py"
PREFIX = "items"
RAW, CURATED = "glacier-items-raw", "glacier-items-curated"
REPORT_SCHEMA = json.loads((ROOT / "docs" / "run-report.schema.json").read_text(encoding="utf-8"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(mirror_missing("hashicorp/aws") is not None,
                       reason=f"terraform apply needs the AWS provider offline: {mirror_missing('hashicorp/aws')}"),
]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    pytest.importorskip("moto.server")
    from tests.aws_emulator import running
    from tests.aws_map_children import map_children

    root = tmp_path_factory.mktemp("map_items")
    out = root / "out"
    assert not build([str(PIPELINE)], out, {}).has_errors
    module = out / "terraform"
    with running(root) as emulator, map_children():
        (module / "zz_emulator_override.tf").write_text(emulator.override(), encoding="utf-8")
        terraform = Terraform.create(root / "tf-home")
        init = terraform.run(module, "init", "-input=false", "-no-color")
        assert init.returncode == 0, init.stdout + init.stderr
        apply = subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color",
                                f"-var=name_prefix={PREFIX}"], cwd=module, env=terraform.env(), capture_output=True,
                               text=True, timeout=900)
        assert apply.returncode == 0, apply.stdout[-4000:] + apply.stderr[-4000:]
        emulator.allow_plain_http()
        yield emulator, out, terraform
        # moto's backends belong to the process, not to one server: leave nothing for the next e2e module
        urllib.request.urlopen(urllib.request.Request(f"{emulator.endpoint}/moto-api/reset", method="POST"),
                               timeout=60).close()
    (module / "zz_emulator_override.tf").unlink()


def good(index: int) -> pl.DataFrame:
    return pl.DataFrame({"user_id": [index, None], "country": [["fr", "de"][index % 2], "it"]})


def bad(index: int) -> pl.DataFrame:
    return pl.DataFrame({"country": ["jp"] * (index + 1)})  # no `user_id`: the task's filter raises


def upload(emulator, objects: dict[str, pl.DataFrame]) -> None:
    """Exactly `objects` below events/ in the raw bucket."""
    s3 = emulator.client("s3")
    for found in s3.list_objects_v2(Bucket=RAW, Prefix="events/").get("Contents", []):
        s3.delete_object(Bucket=RAW, Key=found["Key"])
    for key, frame in objects.items():
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        s3.put_object(Bucket=RAW, Key=key, Body=buffer.getvalue())


def glacierc_cloud(deployed, *args: str) -> subprocess.CompletedProcess:
    emulator, out, terraform = deployed
    env = {**terraform.env(), **emulator.storage_env()}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "glacierc", "run", str(PIPELINE), "--cloud", "-o", str(out), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


MAP_RUN = r"arn:aws:states:us-east-1:\d{12}:mapRun:items-items/[\w-]+:[\w-]+"


def test_a_tolerated_failing_item_is_counted_and_named_and_the_execution_succeeds(deployed, tmp_path):
    emulator, _, _ = deployed
    # listed in key order: item 2 is day-2
    objects = {f"events/day-{i}.parquet": (bad(i) if i == 2 else good(i)) for i in range(4)}
    upload(emulator, objects)
    report = tmp_path / "cloud.json"
    done = glacierc_cloud(deployed, "--report", str(report))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "[start] clean (serverless, fn) ..." in lines
    at = next(i for i, line in enumerate(lines) if line.startswith("[1/2] clean (serverless, fn) ... ok "))
    assert lines[at].endswith(", 4 items"), lines[at]
    assert lines[at + 1] == "  4 items: 3 succeeded, 1 failed (at most 1 tolerated)"
    assert re.fullmatch(r"  item 2 `events/day-2\.parquet` failed: \S+: .*unable to find column \"user_id\".*",
                        lines[at + 2]), lines[at + 2]
    assert re.fullmatch(rf"  every item: aws stepfunctions list-executions --map-run-arn {MAP_RUN}", lines[at + 3])
    # the next level starts once the map ended and its items were described
    assert lines[at + 4:at + 6] == ["[start] combine (local, local_exec) ...", lines[at + 5]]
    assert lines[at + 5].startswith("[2/2] combine (local, local_exec) ... ok ")
    data = json.loads(report.read_text())
    jsonschema.validate(data, REPORT_SCHEMA)
    clean = next(n for n in data["nodes"] if n["id"] == "clean")
    assert (clean["status"], clean["map"], clean["items"]) == ("ok", "events", 4)
    assert clean["note"].startswith("1 of 4 items failed: item 2 `events/day-2.parquet` failed: ")
    assert data["status"] == "ok" and data["totals"]["ok"] == 2
    # the combining node read the three items that succeeded
    body = emulator.client("s3").get_object(Bucket=CURATED, Key="counts/countries.parquet")["Body"].read()
    expected = pl.concat([good(i) for i in (0, 1, 3)]).drop_nulls("user_id").group_by("country").len().sort("country")
    assert pl.read_parquet(io.BytesIO(body)).equals(expected)


def test_more_failing_items_than_tolerated_fail_the_node_naming_the_first_five(deployed, tmp_path):
    emulator, _, _ = deployed
    hostile = "events/z-\u202e-.parquet"  # U+202E reverses the text after it on a terminal
    objects = {"events/a-ok.parquet": good(0), **{f"events/day-{i}.parquet": bad(i) for i in range(6)},
               hostile: bad(9)}
    upload(emulator, objects)
    report = tmp_path / "cloud.json"
    done = glacierc_cloud(deployed, "--report", str(report))
    assert done.returncode == 1, done.stderr
    assert "\u202e" not in done.stderr
    lines = done.stderr.splitlines()
    assert re.fullmatch(r"  the state machine ended with glacier\.NodeFailed: node `clean` \(task `clean`, "
                        r"pipeline\.py:\d+\) failed \(mapped over events\)", lines[-1]), lines[-1]
    # the error names the node, the map's error, then its items: five described, the rest counted
    at = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    assert re.fullmatch(r"error: node `clean` \(task `clean`, pipeline\.py:\d+, called at pipeline\.py:\d+\) failed in "
                        r"execution `glacierc-[\w-]+`", lines[at]), lines[at]
    assert lines[at + 1:at + 3] == [
        "  States.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded",
        "    8 items: 1 succeeded, 7 failed (at most 1 tolerated)"]
    described = lines[at + 3:at + 8]
    # the first five failed child executions ListExecutions gives, in index order
    indexes = [int(re.match(r"    item (\d+) `", line).group(1)) for line in described]
    assert indexes == sorted(indexes) and set(indexes) <= set(range(1, 8)), described
    for line in described:
        key = re.match(r"    item \d+ `([^`]*)` failed: NodeFailed: node `clean` failed: ColumnNotFoundError: ", line)
        assert key and key.group(1) in {f"events/day-{i}.parquet" for i in range(6)} | {"events/z-\\u202e-.parquet"}
    assert lines[at + 8] == "    ... and 2 more failed items"
    assert re.fullmatch(rf"    every item: aws stepfunctions list-executions --map-run-arn {MAP_RUN}", lines[at + 9])
    # said once, with the error: not also as progress
    assert sum(1 for line in lines if "8 items: 1 succeeded" in line) == 1
    data = json.loads(report.read_text())
    jsonschema.validate(data, REPORT_SCHEMA)
    statuses = {n["id"]: (n["status"], n.get("items")) for n in data["nodes"]}
    assert statuses == {"clean": ("failed", 8), "combine": ("not run", None)}
    assert data["error"].startswith("error: node `clean`") and "... and 2 more failed items" in data["error"]
