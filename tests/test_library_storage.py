"""Buckets: URIs per cloud, formats, atomic local writes, data-dir override, object stores."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Bucket, Provider
from glacier.config import AwsConfig, AzureConfig, GcpConfig, LocalConfig
from glacier.formats import FORMATS, detect_format
from glacier.storage import use_data_dir
from stand_in import emulator, free_port

PROVIDERS = {
    "aws": Provider(config=AwsConfig()),
    "gcp": Provider(config=GcpConfig(project_id="demo")),
    "azure": Provider(config=AzureConfig(subscription_id="sub")),
}
SUFFIXES = {
    ".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".ndjson": "ndjson",
    ".jsonl": "ndjson", ".ipc": "ipc", ".arrow": "ipc", ".feather": "ipc",
}  # fmt: skip

FRAME = pl.DataFrame(
    {"id": [1, 2, 3], "name": ["a", "b", None], "value": [0.5, -1.25, 3.0]}
)


def local_bucket(root: Path, path: str, format: str | None = None) -> Bucket:
    return Provider(config=LocalConfig(base_path=str(root))).bucket(bucket="b", path=path, format=format)


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- URIs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloud", "uri"),
    [
        ("aws", "s3://data/raw/x.parquet"),
        ("gcp", "gs://data/raw/x.parquet"),
        ("azure", "az://data/raw/x.parquet"),
    ],
)
def test_cloud_uris(cloud: str, uri: str) -> None:
    assert PROVIDERS[cloud].bucket(bucket="data", path="raw/x.parquet").get_uri() == uri


def test_local_uri_is_base_path_bucket_path(tmp_path: Path) -> None:
    assert local_bucket(tmp_path, "raw/x.csv").get_uri() == str(tmp_path / "b" / "raw" / "x.csv")
    relative = Provider(config=LocalConfig()).bucket(bucket="raw", path="x.csv")
    assert Path(relative.get_uri()) == Path("./data/raw/x.csv")


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure", "local"])
def test_data_dir_override_applies_to_every_cloud_and_is_restored(cloud: str, tmp_path: Path) -> None:
    provider = PROVIDERS.get(cloud) or Provider(config=LocalConfig(base_path="elsewhere"))
    bucket = provider.bucket(bucket="data", path="x.parquet")
    before = bucket.get_uri()
    with use_data_dir(tmp_path):
        assert bucket.get_uri() == str(tmp_path / "data" / "x.parquet")
        with use_data_dir(tmp_path / "inner"):
            assert bucket.get_uri() == str(tmp_path / "inner" / "data" / "x.parquet")
        assert bucket.get_uri() == str(tmp_path / "data" / "x.parquet")
    assert bucket.get_uri() == before


def test_data_dir_override_is_restored_after_an_error(tmp_path: Path) -> None:
    bucket = PROVIDERS["aws"].bucket(bucket="data", path="x.parquet")
    with pytest.raises(RuntimeError), use_data_dir(tmp_path):
        raise RuntimeError("boom")
    assert bucket.get_uri() == "s3://data/x.parquet"


@pytest.mark.parametrize(
    ("bucket", "path"),
    [
        ("", "x.csv"), ("a/b", "x.csv"), ("b", ""), ("b", "/abs/x.csv"), ("b", "../x.csv"),
        ("b", "a/../../x.csv"),
    ],
)
def test_invalid_locations_are_rejected(bucket: str, path: str) -> None:
    with pytest.raises(ValueError):
        PROVIDERS["aws"].bucket(bucket=bucket, path=path)


# --- formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "format"), SUFFIXES.items())
def test_format_from_suffix(suffix: str, format: str) -> None:
    assert PROVIDERS["aws"].bucket(bucket="b", path=f"dir/file{suffix}").format == format
    assert detect_format(f"FILE{suffix.upper()}") == format


def test_every_canonical_format_has_its_own_suffix() -> None:
    assert set(SUFFIXES.values()) == set(FORMATS)


def test_explicit_format_wins_over_the_suffix() -> None:
    assert PROVIDERS["gcp"].bucket(bucket="b", path="export.txt", format="csv").format == "csv"
    assert PROVIDERS["gcp"].bucket(bucket="b", path="x.parquet", format="jsonl").format == "ndjson"


@pytest.mark.parametrize("path", ["x.txt", "x", "x.parquet.gz", "dir.csv/file"])
def test_unknown_suffix_is_an_error(path: str) -> None:
    with pytest.raises(ValueError, match="format"):
        PROVIDERS["aws"].bucket(bucket="b", path=path)


def test_unknown_explicit_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown format 'xlsx'"):
        PROVIDERS["aws"].bucket(bucket="b", path="x.csv", format="xlsx")


# --- local reads and writes -------------------------------------------------------------------


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_of_dataframe_and_lazyframe(suffix: str, tmp_path: Path) -> None:
    bucket = local_bucket(tmp_path, f"deep/dir/data{suffix}")
    assert bucket.write(FRAME) == bucket.get_uri()
    assert_frame_equal(bucket.read(), FRAME)
    bucket.write(FRAME.lazy().with_columns(pl.col("value") * 2))
    assert_frame_equal(bucket.scan().collect(), FRAME.with_columns(pl.col("value") * 2))
    assert files_under(tmp_path) == [f"b/deep/dir/data{suffix}"]


def test_write_replaces_the_file_it_reads(tmp_path: Path) -> None:
    bucket = local_bucket(tmp_path, "x.parquet")
    bucket.write(FRAME)
    bucket.write(bucket.scan().filter(pl.col("id") > 1))
    assert bucket.read()["id"].to_list() == [2, 3]
    assert files_under(tmp_path) == ["b/x.parquet"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    bucket = local_bucket(tmp_path, "x.csv")
    bucket.write(FRAME)
    failing = pl.LazyFrame({"a": ["not a number"]}).select(pl.col("a").cast(pl.Int64, strict=True))
    with pytest.raises(pl.exceptions.PolarsError):
        bucket.write(failing)
    assert_frame_equal(bucket.read(), FRAME)
    assert files_under(tmp_path) == ["b/x.csv"]


def test_written_file_has_normal_permissions(tmp_path: Path) -> None:
    bucket = local_bucket(tmp_path, "x.parquet")
    bucket.write(FRAME)
    umask = os.umask(0)
    os.umask(umask)
    assert Path(bucket.get_uri()).stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_rejects_other_objects(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="DataFrame or LazyFrame"):
        local_bucket(tmp_path, "x.csv").write({"a": [1]})  # type: ignore[arg-type]


def test_cloud_bucket_under_data_dir_reads_and_writes_locally(tmp_path: Path) -> None:
    bucket = PROVIDERS["azure"].bucket(bucket="container", path="t/x.ndjson", storage_options={"k": "v"})
    with use_data_dir(tmp_path):
        bucket.write(FRAME)
        assert_frame_equal(bucket.read(), FRAME)
    assert files_under(tmp_path) == ["container/t/x.ndjson"]


# --- a real object store: S3 through moto ------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if not Path(server).exists():
        pytest.skip("moto_server is not installed")
    port = free_port()
    with emulator([server, "-H", "127.0.0.1", "-p", str(port)], port, seconds=20) as started:
        if not started:
            pytest.fail("moto_server did not start")
        yield f"http://127.0.0.1:{port}"


@pytest.mark.slow
@pytest.mark.parametrize("path", ["t/x.parquet", "t/x.csv", "t/x.ndjson", "t/x.ipc"])
def test_s3_round_trip_with_storage_options(s3_endpoint: str, path: str) -> None:
    boto3 = pytest.importorskip("boto3")
    options = {
        "aws_endpoint_url": s3_endpoint, "aws_access_key_id": "x", "aws_secret_access_key": "x",
        "aws_region": "us-east-1", "aws_allow_http": "true",
    }  # fmt: skip
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="glacier-test")
    bucket = PROVIDERS["aws"].bucket(bucket="glacier-test", path=path, storage_options=options)
    assert bucket.write(FRAME) == f"s3://glacier-test/{path}"
    assert_frame_equal(bucket.read(), FRAME)
    keys = [item["Key"] for item in client.list_objects_v2(Bucket="glacier-test")["Contents"]]
    assert path in keys


def test_a_write_to_a_glob_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    events = local_bucket(tmp_path, "events/*.parquet")
    with pytest.raises(ValueError, match="GLC223"):
        events.write(pl.DataFrame({"x": [1]}))
    assert not any(tmp_path.rglob("*"))  # not even the folder
