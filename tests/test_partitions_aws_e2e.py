"""End to end on an emulated AWS account (tests/aws_deploy.py): `terraform apply` of the mapped-Lambda
fixture, 50 event objects in moto's S3, then a Step Functions execution whose Distributed Map lists them
(ItemReader s3:listObjectsV2) and invokes the deployed package once per object; the combining node's output
equals the local runner's on the same files. One apply for the module (about two minutes)."""

from __future__ import annotations

import io
import subprocess
import sys

import polars as pl
import pytest
from aws_deploy import NEEDS_APPLY, deployment

from tests.helpers import FIXTURES

PIPELINE = FIXTURES / "partitions" / "aws_daily" / "pipeline.py"
PREFIX = "maps"
OBJECTS = 50

pytestmark = [pytest.mark.slow, NEEDS_APPLY]


def frame(index: int) -> pl.DataFrame:
    return pl.DataFrame({"user_id": [index, None, index + 100],
                         "country": ["fr", "de", ["fr", "it", "jp"][index % 3]]})


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    with deployment(PIPELINE, tmp_path_factory.mktemp("partitions_e2e"), PREFIX) as deployed_:
        yield deployed_.emulator, deployed_.out, deployed_.pipelines["daily"]


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
    done = emulator.execute(pipeline["state_machine_arn"], "map-ok", seconds=600)
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
