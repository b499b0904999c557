"""A prefix storage (`path="scratch/"`) is a folder of objects: `write(frame)` replaces the object
`scratch/00000000.<format>` below it, and `scan()` reads every visible object below it. The same key in
`glacierc run --data-dir`, in the library's `run(mode="local")` and in the cloud (the runner against S3).

tests/fixtures/runtime_prefix: `stage` writes the prefix storage, `summarise` reads it back and writes a file
storage.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import glacier.storage
from tests.test_runner_cloud import fresh_buckets, moto, s3_client, s3_options  # noqa: F401 (moto: a fixture)
from tests.runtime.conftest import load_runtime
from tests.test_runner_support import ROOT, run, write_runner

FIXTURE = ROOT / "tests" / "fixtures" / "runtime_prefix" / "pipeline.py"
EVENTS = "kind,value\na,1\nb,2\na,-3\na,4\n"
STAGED = pl.DataFrame({"kind": ["a", "b", "a"], "value": [1, 2, 4]})
OLDER = pl.DataFrame({"kind": ["c"], "value": [10]})  # an object of the prefix no run of the pipeline writes
runtime_storage = load_runtime()  # the runtime's modules, laid out as in a runner


def data_dir(root: Path) -> Path:
    """prefix-raw/events.csv, and one older object below the prefix."""
    (root / "prefix-raw").mkdir(parents=True)
    (root / "prefix-raw" / "events.csv").write_text(EVENTS)
    (root / "prefix-work" / "scratch").mkdir(parents=True)
    OLDER.write_parquet(root / "prefix-work" / "scratch" / "older.parquet")
    return root


def expected_summary(*frames: pl.DataFrame) -> pl.DataFrame:
    return pl.concat(frames).group_by("kind").agg(pl.col("value").sum()).sort("kind")


def files_below(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


AFTER_A_RUN = ["prefix-out/summary/by_kind.parquet", "prefix-raw/events.csv", "prefix-work/scratch/00000000.parquet",
               "prefix-work/scratch/older.parquet"]


def glacierc_run(data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "stdlib")])}
    return subprocess.run([sys.executable, "-m", "glacierc", "run", str(FIXTURE), "--data-dir", str(data)],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=300, check=False)


def test_glacierc_run_writes_the_object_below_the_prefix_and_reads_it_back(tmp_path):
    data = data_dir(tmp_path / "data")
    for _ in range(2):  # the second run replaces the same object: nothing accumulates
        result = glacierc_run(data)
        assert result.returncode == 0, result.stderr
        assert files_below(data) == AFTER_A_RUN  # no staging file, journal or backup left
    scratch = data / "prefix-work" / "scratch"
    assert f"wrote {scratch / '00000000.parquet'} (3 rows)" in result.stderr
    assert_frame_equal(pl.read_parquet(scratch / "00000000.parquet"), STAGED)
    assert_frame_equal(pl.read_parquet(scratch / "older.parquet"), OLDER)  # the prefix's other objects stay
    summary = pl.read_parquet(data / "prefix-out" / "summary" / "by_kind.parquet")
    assert_frame_equal(summary, expected_summary(STAGED, OLDER))  # read back: the staged object and the older one


def load_fixture():
    spec = importlib.util.spec_from_file_location("runtime_prefix_pipeline", FIXTURE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_library_local_run_writes_the_same_key_and_reads_it_back(tmp_path):
    data = data_dir(tmp_path / "data")
    module = load_fixture()
    for _ in range(2):
        module.prefix_roundtrip.run(mode="local", data_dir=data)
        assert files_below(data) == AFTER_A_RUN
    scratch = data / "prefix-work" / "scratch"
    assert_frame_equal(pl.read_parquet(scratch / "00000000.parquet"), STAGED)
    summary = pl.read_parquet(data / "prefix-out" / "summary" / "by_kind.parquet")
    assert_frame_equal(summary, expected_summary(STAGED, OLDER))


def test_a_library_prefix_is_a_folder_whose_hidden_files_are_not_read(tmp_path):
    data = data_dir(tmp_path / "data")
    STAGED.write_parquet(data / "prefix-work" / "scratch" / ".00000000.parquet.0123.tmp")  # a write under way
    module = load_fixture()
    with glacier.storage.use_data_dir(data):
        assert module.scratch.get_uri() == str(data / "prefix-work" / "scratch") + os.sep
        assert_frame_equal(module.scratch.read(), OLDER)
        written = module.scratch.write(STAGED)
        assert written == str(data / "prefix-work" / "scratch" / "00000000.parquet")
        assert_frame_equal(module.scratch.read().sort("kind"), pl.concat([STAGED, OLDER]).sort("kind"))


def test_the_runner_and_the_library_agree_on_the_written_key():
    for path, fmt in (("scratch/", "parquet"), ("a/b/", "csv"), ("one.csv", "csv"), ("events/*.parquet", "parquet")):
        assert runtime_storage.written_key(path, fmt) == glacier.storage.written_key(path, fmt)
        assert runtime_storage.is_prefix(path) == glacier.storage.is_prefix(path)
    assert runtime_storage.PREFIX_OBJECT == glacier.storage.PREFIX_OBJECT
    assert runtime_storage.written_key("scratch/", "parquet") == "scratch/00000000.parquet"


# ---- the cloud: the runner and the library against S3 (moto) ------------------------------------------

def upload_inputs(client) -> None:
    fresh_buckets(client, "prefix-raw", "prefix-work", "prefix-out")
    client.put_object(Bucket="prefix-raw", Key="events.csv", Body=EVENTS.encode())
    client.put_object(Bucket="prefix-work", Key="scratch/older.parquet", Body=parquet_bytes(OLDER))


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def object_frame(client, bucket: str, key: str, tmp_path: Path) -> pl.DataFrame:
    local = tmp_path / "downloaded.parquet"
    local.write_bytes(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    return pl.read_parquet(local)


def keys(client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_the_runner_in_the_cloud_writes_the_same_key_below_the_prefix(moto, tmp_path):  # noqa: F811
    client = s3_client(moto)
    upload_inputs(client)
    runner = write_runner(tmp_path, FIXTURE)
    result = run(runner, *s3_options(moto), cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "wrote s3://prefix-work/scratch/00000000.parquet (3 rows)" in result.stderr
    assert keys(client, "prefix-work") == ["scratch/00000000.parquet", "scratch/older.parquet"]
    assert_frame_equal(object_frame(client, "prefix-work", "scratch/00000000.parquet", tmp_path), STAGED)
    summary = object_frame(client, "prefix-out", "summary/by_kind.parquet", tmp_path)
    assert_frame_equal(summary, expected_summary(STAGED, OLDER))


def test_the_library_in_the_cloud_writes_the_same_key_below_the_prefix(moto, tmp_path):  # noqa: F811
    client = s3_client(moto)
    upload_inputs(client)
    options = dict(value.split("=", 1) for value in s3_options(moto)[1::2])
    module = load_fixture()
    scratch = module.provider.bucket(bucket="prefix-work", path="scratch/", format="parquet", storage_options=options)
    assert scratch.write(STAGED) == "s3://prefix-work/scratch/00000000.parquet"
    assert keys(client, "prefix-work") == ["scratch/00000000.parquet", "scratch/older.parquet"]
    assert_frame_equal(object_frame(client, "prefix-work", "scratch/00000000.parquet", tmp_path), STAGED)


@pytest.mark.parametrize("path", ["scratch/", "a/b/"])
def test_a_prefix_located_below_a_data_dir_ends_in_a_separator(path, tmp_path):
    spec = {"cloud": "aws", "bucket": "b", "path": path, "format": "parquet", "uri": f"s3://b/{path}"}
    located, options = runtime_storage.locate(spec, str(tmp_path), {})
    assert located == os.path.join(str(tmp_path), "b", *path.split("/")) and located.endswith(os.sep)
    assert options is None
