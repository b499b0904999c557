"""End to end on an emulated AWS account (tests/aws_emulator.py): `terraform apply` of the mapped-Lambda
fixture, 50 event objects in moto's S3, then a Step Functions execution whose Distributed Map lists them
(ItemReader s3:listObjectsV2) and invokes the deployed package once per object; the combining node's output
equals the local runner's on the same files. One apply for the module (about two minutes)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import urllib.request

import polars as pl
import pytest
from terraform_tools import Terraform, mirror_missing

from glacierc.driver import build
from tests.helpers import FIXTURES

PIPELINE = FIXTURES / "partitions" / "aws_daily" / "pipeline.py"
PREFIX = "maps"
OBJECTS = 50

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(mirror_missing("hashicorp/aws") is not None,
                       reason=f"terraform apply needs the AWS provider offline: {mirror_missing('hashicorp/aws')}"),
]


def frame(index: int) -> pl.DataFrame:
    return pl.DataFrame({"user_id": [index, None, index + 100],
                         "country": ["fr", "de", ["fr", "it", "jp"][index % 3]]})


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    pytest.importorskip("moto.server")
    from tests.aws_emulator import running

    root = tmp_path_factory.mktemp("partitions_e2e")
    out = root / "out"
    assert not build([str(PIPELINE)], out, {}).has_errors
    module = out / "terraform"
    with running(root) as emulator:
        (module / "zz_emulator_override.tf").write_text(emulator.override(), encoding="utf-8")
        terraform = Terraform.create(root / "tf-home")
        init = terraform.run(module, "init", "-input=false", "-no-color")
        assert init.returncode == 0, init.stdout + init.stderr
        apply = subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color",
                                f"-var=name_prefix={PREFIX}"], cwd=module, env=terraform.env(), capture_output=True,
                               text=True, timeout=900)
        assert apply.returncode == 0, apply.stdout[-4000:] + apply.stderr[-4000:]
        outputs = json.loads(terraform.run(module, "output", "-json", "-no-color").stdout)
        emulator.allow_plain_http()
        yield emulator, out, outputs["pipelines"]["value"]["daily"]
        # moto's backends belong to the process, not to one server: leave nothing for the next e2e module
        urllib.request.urlopen(urllib.request.Request(f"{emulator.endpoint}/moto-api/reset", method="POST"),
                               timeout=60).close()
    (module / "zz_emulator_override.tf").unlink()


def execute(emulator, machine: str, name: str) -> dict:
    sfn = emulator.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, name=name, input="{}")["executionArn"]
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.5)
    raise AssertionError(f"execution {name} still running after 600 s")


def test_the_distributed_map_runs_the_function_per_object_and_equals_the_local_runner(deployed, tmp_path):
    emulator, out, pipeline = deployed
    s3 = emulator.client("s3")
    data = tmp_path / "data" / "glacier-maps-raw" / "events" / "2026"
    data.mkdir(parents=True)
    for index in range(OBJECTS):
        buffer = io.BytesIO()
        frame(index).write_parquet(buffer)
        s3.put_object(Bucket="glacier-maps-raw", Key=f"events/2026/day-{index:03}.parquet", Body=buffer.getvalue())
        frame(index).write_parquet(data / f"day-{index:03}.parquet")
    s3.put_object(Bucket="glacier-maps-raw", Key="events/2026/README.txt", Body=b"not a partition")
    emulator.invocations.clear()
    done = execute(emulator, pipeline["state_machine_arn"], "map-ok")
    assert done["status"] == "SUCCEEDED", done
    items = [i for i in emulator.invocations if i.payload.get("group") == "clean"]
    assert sorted(i.payload["item"] for i in items) == sorted(
        [f"events/2026/day-{i:03}.parquet" for i in range(OBJECTS)] + ["events/2026/README.txt"])
    assert not [i for i in emulator.invocations if i.error]
    staged = s3.list_objects_v2(Bucket=pipeline["staging_bucket"], Prefix="map-ok/clean/", MaxKeys=1000)
    assert len([o for o in staged.get("Contents", []) if o["Key"].endswith(".json")]) == OBJECTS
    local = subprocess.run([sys.executable, str(out / "runners" / "daily.py"), "--data-dir", str(tmp_path / "data")],
                           capture_output=True, text=True, timeout=300)
    assert local.returncode == 0, local.stderr
    expected = pl.read_parquet(tmp_path / "data" / "glacier-maps-curated" / "daily" / "countries.parquet")
    body = s3.get_object(Bucket="glacier-maps-curated", Key="daily/countries.parquet")["Body"].read()
    assert pl.read_parquet(io.BytesIO(body)).equals(expected)
    assert expected["len"].sum() == 2 * OBJECTS
