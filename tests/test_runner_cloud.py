"""Runners against object stores on 127.0.0.1: S3 (moto server) and Azure Blob (Azurite).

Both emulators are started by fixtures on a free port and stopped afterwards. Azurite comes from npm:
when it is not installed, the fixture installs it once into ~/.cache/glacier-test/azurite (outside the
repository); the tests skip, saying why, when npm or the emulator is not available. GCS has no
emulator Polars can talk to offline: gs:// resolution is tested without I/O in test_runner_flags.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from stand_in import emulator, free_port
from tests.azure_durable import azurite_command
from tests.test_runner_support import EXAMPLES, FIXTURES, run, write_runner

AZURITE_HOME = Path.home() / ".cache" / "glacier-test" / "azurite"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


# ---- S3 -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def moto():
    server = Path(sys.executable).with_name("moto_server")
    if not server.exists():
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    with emulator([str(server), "-H", "127.0.0.1", "-p", str(port)], port) as started:
        if not started:
            pytest.skip("moto_server did not start")
        yield f"http://127.0.0.1:{port}"


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x",
                        region_name="us-east-1")


def s3_options(endpoint: str) -> list[str]:
    options = {"aws_endpoint_url": endpoint, "aws_access_key_id": "x", "aws_secret_access_key": "x",
               "aws_region": "us-east-1", "aws_allow_http": "true"}
    return [arg for key, value in options.items() for arg in ("--storage-option", f"{key}={value}")]


def fresh_buckets(client, *buckets: str) -> None:
    """Empty `buckets` (created when missing): the moto server is shared by the tests of this module."""
    existing = {b["Name"] for b in client.list_buckets()["Buckets"]}
    for bucket in buckets:
        if bucket not in existing:
            client.create_bucket(Bucket=bucket)
        for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])


def upload_example(client, example: str) -> None:
    """examples/<example>/data/<bucket>/<key> into fresh buckets."""
    root = EXAMPLES / example / "data"
    fresh_buckets(client, *sorted(p.name for p in root.iterdir()))
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        bucket, *key = file.relative_to(root).parts
        client.upload_file(str(file), bucket, "/".join(key))


def test_aws_etl_against_s3(moto, tmp_path):
    from tests.test_runner_examples import expected_aws

    client = s3_client(moto)
    upload_example(client, "aws_etl")
    fresh_buckets(client, "acme-curated")
    runner = write_runner(tmp_path, EXAMPLES / "aws_etl" / "pipeline.py")
    result = run(runner, *s3_options(moto), "--report", "report.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote s3://acme-curated/daily/country_activity.parquet (25 rows)" in result.stderr
    body = client.get_object(Bucket="acme-curated", Key="daily/country_activity.parquet")["Body"].read()
    (tmp_path / "curated.parquet").write_bytes(body)
    assert_frame_equal(pl.read_parquet(tmp_path / "curated.parquet"), expected_aws())
    assert not list(tmp_path.glob("acme-*"))  # nothing written locally


def test_missing_s3_object_names_the_storage(moto, tmp_path):
    client = s3_client(moto)
    upload_example(client, "aws_etl")
    fresh_buckets(client, "acme-curated")
    client.delete_object(Bucket="acme-raw", Key="users/users.csv")
    runner = write_runner(tmp_path, EXAMPLES / "aws_etl" / "pipeline.py")
    result = run(runner, *s3_options(moto), cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    assert "error: node `save`" in result.stderr
    assert "s3://acme-raw/users/users.csv is storage `users` (bucket `acme-raw`, path `users/users.csv`)" \
        in result.stderr
    assert "Contents" not in client.list_objects_v2(Bucket="acme-curated")


def test_checkpoints_in_s3(moto, tmp_path):
    client = s3_client(moto)
    upload_example(client, "aws_etl")
    fresh_buckets(client, "acme-curated", "acme-checkpoints")
    runner = write_runner(tmp_path, EXAMPLES / "aws_etl" / "pipeline.py")
    checkpoint = ["--checkpoint", "s3://acme-checkpoints/run-1"]
    first = run(runner, *s3_options(moto), *checkpoint, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    keys = {o["Key"] for o in client.list_objects_v2(Bucket="acme-checkpoints")["Contents"]}
    assert {"run-1/enrich.parquet", "run-1/enrich.json", "run-1/save.json"} <= keys
    again = run(runner, *s3_options(moto), *checkpoint, "--resume", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "[-/0] audit (local, local_exec) ... skipped (from checkpoint)" in again.stderr


# ---- Azure Blob -------------------------------------------------------------------------------------

def azurite_binary() -> Path | str:
    """The azurite-blob executable, installing it from npm into the cache once; a reason string if not."""
    found = shutil.which("azurite-blob")
    if found:
        return Path(found)
    binary = AZURITE_HOME / "node_modules" / ".bin" / "azurite-blob"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None or os.environ.get("GLACIER_NO_NPM"):
        return "Azurite is not installed and npm is not available (npm install azurite)"
    AZURITE_HOME.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([npm, "install", "--prefix", str(AZURITE_HOME), "--no-audit", "--no-fund",
                        "--loglevel=error", "azurite"], check=True, capture_output=True, timeout=240)
    except (subprocess.SubprocessError, OSError) as error:
        return f"could not install Azurite with npm into {AZURITE_HOME}: {error}"
    return binary if binary.exists() else f"npm did not produce {binary}"


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    binary = azurite_binary()
    if isinstance(binary, str):
        pytest.skip(binary)
    pytest.importorskip("azure.storage.blob", reason="azure-storage-blob is needed to create containers")
    port = free_port()
    with emulator(azurite_command(binary, port, tmp_path_factory.mktemp("azurite")), port) as started:
        if not started:
            pytest.skip("Azurite did not start")
        yield f"http://127.0.0.1:{port}/devstoreaccount1"


def test_azure_pipeline_against_azurite(azurite, tmp_path):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={azurite};")
    for container in ("sales-raw", "sales-out"):
        service.create_container(container)
    sales = pl.DataFrame({"region": ["north", "south", "north", "east", "south"], "quantity": [3, 1, -1, 4, 2],
                          "unit_price": [2.5, 10.0, 2.5, 1.25, 3.0]})
    service.get_blob_client("sales-raw", "lines/sales.csv").upload_blob(sales.write_csv().encode())
    runner = write_runner(tmp_path, FIXTURES / "azure_sales" / "pipeline.py")
    options = {"azure_storage_account_name": "devstoreaccount1", "azure_storage_account_key": AZURITE_KEY,
               "azure_endpoint": azurite, "azure_allow_http": "true"}
    args = [arg for key, value in options.items() for arg in ("--storage-option", f"{key}={value}")]
    result = run(runner, *args, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "wrote az://sales-out/totals/by_region.parquet (3 rows)" in result.stderr
    body = service.get_blob_client("sales-out", "totals/by_region.parquet").download_blob().readall()
    (tmp_path / "totals.parquet").write_bytes(body)
    expected = pl.DataFrame({"region": ["east", "north", "south"], "units": [4, 3, 3],
                             "revenue": [5.0, 7.5, 16.0]})
    assert_frame_equal(pl.read_parquet(tmp_path / "totals.parquet"), expected)
