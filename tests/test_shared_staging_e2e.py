"""A Lambda executor shared by two pipelines, deployed: `terraform apply` of the build on the emulated
account (tests/aws_deploy.py), then one execution of each pipeline's state machine. Each execution stages
its results in its own pipeline's staging bucket (the function's per-pipeline variable, as compute.tf sets
it and the apply deploys it), none in the other's."""

from __future__ import annotations

import io

import polars as pl
import pytest
from aws_deploy import NEEDS_APPLY, deployment

from tests.helpers import FIXTURES

FIXTURE = FIXTURES / "terraform_aws" / "shared_staging" / "pipeline.py"
PREFIX = "shared"
EVENTS = pl.DataFrame({"value": [1, 2, 3, 4]})

pytestmark = [pytest.mark.slow, NEEDS_APPLY]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    with deployment(FIXTURE, tmp_path_factory.mktemp("shared_staging_e2e"), PREFIX) as deployed_:
        yield deployed_.emulator, deployed_.out, deployed_.pipelines


def _keys(emulator, bucket: str) -> list[str]:
    listed = emulator.client("s3").list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_each_deployed_pipeline_stages_in_its_own_bucket(deployed):
    emulator, _, pipelines = deployed
    assert sorted(pipelines) == ["daily-report", "daily_report"]
    buffer = io.BytesIO()
    EVENTS.write_parquet(buffer)
    emulator.client("s3").put_object(Bucket="shared-raw", Key="events.parquet", Body=buffer.getvalue())
    buckets = {name: pipelines[name]["staging_bucket"] for name in pipelines}
    assert len(set(buckets.values())) == 2
    for name, run in (("daily-report", "run-dash"), ("daily_report", "run-underscore")):
        done = emulator.execute(pipelines[name]["state_machine_arn"], run)
        assert done["status"] == "SUCCEEDED", done
    dash, underscore = _keys(emulator, buckets["daily-report"]), _keys(emulator, buckets["daily_report"])
    assert dash and all(key.startswith("run-dash/") for key in dash)
    assert underscore and all(key.startswith("run-underscore/") for key in underscore)
    # the staged result of each execution is the pipeline's: the sum of the events
    expected = EVENTS.select(pl.col("value").sum())
    for bucket, run in ((buckets["daily-report"], "run-dash"), (buckets["daily_report"], "run-underscore")):
        body = emulator.client("s3").get_object(Bucket=bucket, Key=f"{run}/total.parquet")["Body"].read()
        assert pl.read_parquet(io.BytesIO(body)).equals(expected)
