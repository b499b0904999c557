"""A mapped pipeline over a cloud dataset lists the objects in the object store itself: S3 here (a moto server,
more than one page of objects), GCS (tests/test_partitions_listing_gcs.py) and Azure Blob
(tests/test_partitions_listing_azure.py) alongside. Each store gets the same tree of objects as a local data
directory; `glacierc run` without --data-dir, `glacierc run --data-dir` and the library's `run(mode="local")`
then write the same table, and the library's `partitions()` lists the keys the runner mapped over."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.helpers import FIXTURES
from tests.test_runner_cloud import fresh_buckets, moto, s3_client  # noqa: F401  (moto: the server fixture)

RAW, OUT = "glacier-list-raw", "glacier-list-out"
OUTPUT_KEY = "listed/keys.parquet"
#: The objects the dataset `events/2026/*.parquet` matches, and their rows; a key may hold glob characters (it is
#: read as named, not as the glob `a[1]*.parquet`).
MATCHED = {"events/2026/a.parquet": 3, "events/2026/a[1]*.parquet": 4, "events/2026/k.parquet": 1,
           "events/2026/z.parquet": 2}
#: Objects below the dataset's prefix that it does not match: another format, a deeper folder, hidden names.
UNMATCHED = ("events/2026/sub/deep.parquet", "events/2026/.partial.parquet", "events/2026/.staging/b.parquet",
             "events/2025/old.parquet", "events/2026/a.parquet.bak")


def pipeline(cloud: str) -> Path:
    return FIXTURES / "partitions" / f"listing_{cloud}" / "pipeline.py"


def write_objects(data: Path, fillers: int) -> list[str]:
    """The dataset's tree below `data/<RAW>/`: MATCHED, UNMATCHED and `fillers` text objects between `a` and
    `z` (so with more than a page of them, `z` is listed on a later page). Returns every key, sorted."""
    keys = [*MATCHED, *UNMATCHED, *(f"events/2026/m{index:04d}.txt" for index in range(fillers))]
    for key in keys:
        target = data / RAW / key
        target.parent.mkdir(parents=True, exist_ok=True)
        if key.endswith("parquet"):
            rows = MATCHED.get(key, 5)
            pl.DataFrame({"source": [key.rsplit("/", 1)[-1]] * rows, "value": list(range(rows))}).write_parquet(target)
        else:
            target.write_text(key, encoding="utf-8")
    return sorted(keys)


def expected() -> pl.DataFrame:
    names = [key.rsplit("/", 1)[-1] for key in MATCHED]
    return pl.DataFrame({"source": names, "rows": list(MATCHED.values())}).with_columns(pl.col("rows").cast(pl.UInt32))


def upload(data: Path, put: Callable[[str, str, bytes], None]) -> None:
    """Every file below `data` (laid out as <bucket>/<key>) into the store, several at once."""
    files = sorted(p for p in data.rglob("*") if p.is_file())

    def one(file: Path) -> None:
        bucket, *key = file.relative_to(data).parts
        put(bucket, "/".join(key), file.read_bytes())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, files))


def glacierc_run(cloud: str, *args: str, cwd: Path, env: dict[str, str] | None = None,
                 timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glacierc", "run", str(pipeline(cloud)), *args], cwd=cwd,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout,
                          check=False)


def local_run(cloud: str, tmp_path: Path, fillers: int) -> pl.DataFrame:
    """`glacierc run --data-dir` over the same objects: the table the cloud runs must equal."""
    data = tmp_path / "local"
    write_objects(data, fillers)
    done = glacierc_run(cloud, "--data-dir", str(data), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{len(MATCHED)} items" in done.stderr
    return pl.read_parquet(data / OUT / OUTPUT_KEY)


def load_pipeline(cloud: str):
    spec = importlib.util.spec_from_file_location(f"listing_{cloud}", pipeline(cloud))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_back(body: bytes, tmp_path: Path, name: str) -> pl.DataFrame:
    (tmp_path / name).write_bytes(body)
    return pl.read_parquet(tmp_path / name)


# ---- S3 ---------------------------------------------------------------------------------------------

S3_FILLERS = 1_045  # with the others, more than the 1,000 keys of one list_objects_v2 page


def s3_env(endpoint: str) -> dict[str, str]:
    """How the library and the listing reach moto: the environment Polars and boto3 read."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}


@pytest.fixture(scope="module")
def s3_objects(moto, tmp_path_factory):  # noqa: F811  (the fixture imported above)
    client = s3_client(moto)
    fresh_buckets(client, RAW, OUT)
    data = tmp_path_factory.mktemp("s3_objects")
    keys = write_objects(data, S3_FILLERS)
    upload(data, lambda bucket, key, body: client.put_object(Bucket=bucket, Key=key, Body=body))
    assert keys.index("events/2026/z.parquet") >= 1_000  # listed on the second page
    return client, moto


def test_glacierc_run_lists_the_s3_dataset_over_pages_and_equals_the_local_run(s3_objects, tmp_path):
    client, endpoint = s3_objects
    client.delete_object(Bucket=OUT, Key=OUTPUT_KEY)
    options = {"aws_endpoint_url": endpoint, "aws_access_key_id": "x", "aws_secret_access_key": "x",
               "aws_region": "us-east-1", "aws_allow_http": "true"}
    flags = [arg for key, value in options.items() for arg in ("--storage-option", f"{key}={value}")]
    done = glacierc_run("aws", *flags, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{len(MATCHED)} items" in done.stderr
    cloud = read_back(client.get_object(Bucket=OUT, Key=OUTPUT_KEY)["Body"].read(), tmp_path, "cloud.parquet")
    assert_frame_equal(cloud, expected())
    assert_frame_equal(cloud, local_run("aws", tmp_path, S3_FILLERS))


def test_the_library_lists_the_same_s3_keys_and_writes_the_same_table(s3_objects, tmp_path, monkeypatch):
    client, endpoint = s3_objects
    client.delete_object(Bucket=OUT, Key=OUTPUT_KEY)
    for name, value in s3_env(endpoint).items():
        monkeypatch.setenv(name, value)
    module = load_pipeline("aws")
    assert [part.path for part in module.events.partitions()] == sorted(MATCHED)
    module.listed_pipeline.run(mode="local")
    table = read_back(client.get_object(Bucket=OUT, Key=OUTPUT_KEY)["Body"].read(), tmp_path, "library.parquet")
    assert_frame_equal(table, expected())


def test_the_runner_reaches_s3_through_the_environment_as_polars_does(s3_objects, tmp_path):
    client, endpoint = s3_objects
    client.delete_object(Bucket=OUT, Key=OUTPUT_KEY)
    done = glacierc_run("aws", cwd=tmp_path, env=s3_env(endpoint))
    assert done.returncode == 0, done.stderr
    table = read_back(client.get_object(Bucket=OUT, Key=OUTPUT_KEY)["Body"].read(), tmp_path, "env.parquet")
    assert_frame_equal(table, expected())


def test_a_missing_client_library_is_named_with_how_to_install_it(tmp_path):
    hidden = tmp_path / "no_boto3"
    (hidden / "boto3").mkdir(parents=True)
    (hidden / "boto3" / "__init__.py").write_text("raise ImportError('No module named boto3')\n", encoding="utf-8")
    path = os.pathsep.join([str(hidden), os.environ.get("PYTHONPATH", "")])
    done = glacierc_run("aws", cwd=tmp_path, env={"PYTHONPATH": path, **s3_env("http://127.0.0.1:9")})
    assert done.returncode == 1
    assert "error: node `measure`" in done.stderr
    assert "listing s3://glacier-list-raw/events/2026/ needs the Python package 'boto3': pip install boto3" \
        in done.stderr
    assert "Traceback" not in done.stderr
