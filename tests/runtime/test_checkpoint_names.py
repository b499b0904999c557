"""A checkpoint is read by its names, never as a glob. Its folder holds the pipeline's name and the run's id
(a cloud run's staging folder `<pipeline>-<run id>/`), either of which may hold `*`, `?` or `[`: read as a
glob, `run[1]*/a.json` is the neighbour `run1-other/a.json`, another run's result. Each test saves a result
in such a folder and another in its neighbour, and reads back its own: local files, S3 (moto), Azure Blob
(Azurite), and a mapped node's staged items (`<node>/<index>.json`)."""

from __future__ import annotations

import json

import polars as pl
import pytest

from tests.runtime.conftest import load_runtime, node_spec
from tests.test_runner_cloud import azurite, fresh_buckets, moto, s3_client  # noqa: F401  (the server fixtures)

OWN, NEIGHBOUR = "ck/run[1]*?", "ck/run1-other"  # the glob `run[1]*?` matches `run1-other`


@pytest.fixture
def rt():
    return load_runtime(NODES={"a": node_spec("a")}, LEVELS=(("a",),), OUTPUTS=("a",), TASKS={})


def _save(rt, root: str, options: dict[str, str], value: int) -> None:
    """Node `a`'s result in `root`: a plain value holding a frame (a record and a Parquet file), and one staged
    item of a mapped node `m` (`m/<value>.json`)."""
    run = rt.Run(checkpoint=root, storage_options=options)
    run.checkpoints.save(run, "a", {"n": value, "frame": pl.DataFrame({"n": [value]})}, None)
    run.checkpoints.stems["m"] = f"m/{value}"
    run.checkpoints.save(run, "m", value, None)


def _assert_reads_its_own(rt, base: str, options: dict[str, str]) -> None:
    _save(rt, f"{base}{OWN}", options, 1)
    _save(rt, f"{base}{NEIGHBOUR}", options, 2)
    own = rt.Checkpoints(f"{base}{OWN}", options)
    assert own.valid("a")
    loaded = own.load("a")
    assert loaded["n"] == 1 and loaded["frame"]["n"].to_list() == [1]
    assert rt.item_indexes(own.path("m", ""), own.options) == [1]
    # a folder that holds nothing: nothing is read, neither record nor items of the neighbour
    empty = rt.Checkpoints(f"{base}ck/run[1]*", options)
    assert empty.record("a") is None and rt.item_indexes(empty.path("m", ""), empty.options) == []


def test_local_checkpoints_read_their_own_files(rt, tmp_path):
    base = f"{tmp_path}/"
    (tmp_path / "ck").mkdir()
    for folder in (OWN, NEIGHBOUR, "ck/run[1]*"):
        (tmp_path / folder).mkdir()
    _assert_reads_its_own(rt, base, {})
    # what a glob read of the same name would have given: the neighbour's frame
    assert pl.scan_parquet(f"{base}{OWN}/a.0.parquet").collect()["n"].to_list() == [2]


def test_checkpoints_in_s3_read_their_own_objects(rt, moto):  # noqa: F811  (the fixture)
    fresh_buckets(s3_client(moto), "glacier-checkpoint-names")
    options = {"aws_endpoint_url": moto, "aws_access_key_id": "x", "aws_secret_access_key": "x",
               "aws_region": "us-east-1", "aws_allow_http": "true"}
    _assert_reads_its_own(rt, "s3://glacier-checkpoint-names/", options)
    # what Polars' scan_ndjson does with the same name: the glob, which reads the neighbour's record
    glob = pl.scan_ndjson(f"s3://glacier-checkpoint-names/{OWN}/a.json", storage_options=options).collect()
    assert json.loads(glob["value"][0])["dict"]["n"] == 2


def test_checkpoints_in_azure_blob_read_their_own_objects(rt, azurite):  # noqa: F811  (the fixture)
    from tests.azure_durable import AZURITE_ACCOUNT, AZURITE_KEY, blob_service

    blob_service(azurite, ["checkpoint-names"], empty=True)
    options = {"azure_storage_account_name": AZURITE_ACCOUNT, "azure_storage_account_key": AZURITE_KEY,
               "azure_endpoint": azurite, "azure_allow_http": "true"}
    _assert_reads_its_own(rt, "az://checkpoint-names/", options)
