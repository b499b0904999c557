"""Secrets: a `-e` value reaches the artifacts only where the code reads that variable, and nothing of the
build process's own environment reaches them at all (`os.getenv` defaults are used, never the process env)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tests.helpers import glacierc

PIPELINE = """import os

import polars as pl

from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig

REGION = os.getenv("REGION", "us-east-1")
provider = Provider(config=AwsConfig(region=REGION))
lambda_exec = provider.serverless(config=LambdaConfig(memory=512))
raw = provider.bucket(bucket=os.getenv("BUCKET_NAME", "default-bucket"), path="raw.csv")
clean = provider.bucket(bucket=os.environ.get("OUT_BUCKET", "default-out"), path="clean.parquet")


@lambda_exec.task()
def load(source) -> pl.LazyFrame:
    token = os.getenv("API_TOKEN")  # read at run time by the task, never at build time
    return source.scan()


@lambda_exec.task()
def save(frame: pl.LazyFrame):
    clean.write(frame.collect())


@pipeline(name="etl")
def etl():
    save(load(raw))
"""


def artifacts(out: Path) -> str:
    """Every artifact as text, zip members (Lambda packages) included."""
    texts = []
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        texts.append(data.decode("utf-8", errors="replace"))
        if path.suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                texts += [archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist()]
    return "\n".join(texts)


def build(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    source = tmp_path / "pipeline.py"
    source.write_text(PIPELINE)
    out = tmp_path / "out"
    result = glacierc("build", str(source), "-o", str(out), *args, env=env)
    assert result.returncode == 0, result.stderr
    return artifacts(out)


def test_an_unused_define_never_reaches_an_artifact(tmp_path):
    text = build(tmp_path, "-e", "SECRET_TOKEN=hunter2-xyz", "-e", "API_TOKEN=api-token-777",
                 "-e", "BUCKET_NAME=canary-bucket-123")
    assert "canary-bucket-123" in text  # used: the bucket is named by it
    assert "hunter2-xyz" not in text  # never read by the code
    assert "api-token-777" not in text  # read only inside a task, at run time


def test_the_build_environment_never_reaches_an_artifact(tmp_path):
    leaks = {"REGION": "leak-region-zz", "BUCKET_NAME": "leak-bucket-zz", "OUT_BUCKET": "leak-out-zz",
             "API_TOKEN": "leak-token-zz", "AWS_SECRET_ACCESS_KEY": "leak-aws-secret-zz",
             "GLACIER_CANARY": "leak-canary-zz"}
    text = build(tmp_path, env=leaks)
    assert "leak-" not in text
    assert "default-bucket" in text and "default-out" in text and "us-east-1" in text


def test_a_required_variable_comes_from_e_only(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_text(PIPELINE.replace('os.getenv("BUCKET_NAME", "default-bucket")', 'os.environ["BUCKET_NAME"]'))
    result = glacierc("check", "--output-format", "concise", str(source), env={"BUCKET_NAME": "leak-bucket-zz"})
    assert result.returncode == 1 and "GLC002" in result.stdout and "-e BUCKET_NAME=VALUE" in result.stdout
    assert "leak-bucket-zz" not in result.stdout
