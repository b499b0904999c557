"""GLC415: a Lambda package and its layer that would unzip above AWS's 250 MB limit stop the build (the deploy
would fail). The wheelhouse holds a real wheel of incompressible bytes just large enough; its size is read from
the wheels' directories, so nothing of it is decompressed or packed and the test stays fast."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from glacierc.backends.terraform.packaging import package, unzipped_size
from glacierc.backends.terraform.wheels import Platform, Wheelhouse, installed_size, layer_zip, resolve
from glacierc.checks.glc415_lambda_too_large import LIMIT_BYTES
from glacierc.diagnostics.model import Severity
from glacierc.driver import build

PIPELINE = """import polars as pl

from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig

provider = Provider(config=AwsConfig(region="us-east-1"))
fn = provider.serverless(config=LambdaConfig(memory=1024))
raw = provider.bucket(bucket="acme-raw", path="raw.parquet")


@fn.task()
def clean(source) -> pl.LazyFrame:
    return source.scan()


@fn.task()
def tidy(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.unique()


@pipeline(name="etl")
def etl():
    return tidy(clean(raw))
"""
CHUNK = 8 * 1024 * 1024


def _polars_wheel(directory: Path, size: int) -> Path:
    """polars 2.1.0 as a wheel whose native library is `size` bytes of random data (stored: it does not
    compress anyway), written in chunks."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "polars-2.1.0-py3-none-any.whl"
    block = os.urandom(CHUNK)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("polars/__init__.py", "")
        with archive.open(zipfile.ZipInfo("polars/polars.abi3.so", date_time=(2024, 1, 1, 0, 0, 0)), "w",
                          force_zip64=True) as native:
            for start in range(0, size, CHUNK):
                native.write(block[: min(CHUNK, size - start)])
        archive.writestr("polars-2.1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: polars\nVersion: 2.1.0\n")
    return path


def _build(tmp_path: Path, size: int):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pipeline.py").write_text(PIPELINE, encoding="utf-8")
    _polars_wheel(tmp_path / "wheels", size)
    return build([str(project)], tmp_path / "out", {}, wheelhouse=str(tmp_path / "wheels"))


def test_a_layer_above_the_limit_stops_the_build_naming_the_functions_and_the_size(tmp_path):
    result = _build(tmp_path, LIMIT_BYTES)  # the layer alone is at the limit: the package tips it over
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in errors] == ["GLC415"] and not result.written
    (error,) = errors
    assert re.fullmatch(r"executor `fn`: its Lambda functions \(task `clean`, task `tidy`\) would unzip to "
                        r"250\.\d MB \(package 0\.\d MB \+ layer 250\.0 MB of polars==2\.1\.0\), above Lambda's "
                        r"250 MB limit \(262,144,000 bytes\); the deploy would fail", error.message), error.message
    assert "vm or cluster executor" in error.help and "trim" in error.help
    assert (error.span.file.endswith("pipeline.py"), error.span.line) == (True, 7)
    assert not (tmp_path / "out").exists()


def test_a_layer_below_the_limit_is_packed(tmp_path):
    result = _build(tmp_path, 1024 * 1024)
    assert result.written and not [d for d in result.diagnostics if d.code == "GLC415"]
    (layer,) = (tmp_path / "out" / "terraform" / "lambda" / "layers").glob("*.zip")
    wheels = resolve(["polars==2.1.0"], Wheelhouse(tmp_path / "wheels"), Platform("x86_64", "python3.11")).wheels
    assert unzipped_size(layer.read_bytes()) == installed_size(wheels) > 1024 * 1024


def test_the_unzipped_sizes_are_what_unzipping_gives(tmp_path):
    content = package({"a.py": "x" * 1000, "b/c.py": b"\0" * 5})
    assert unzipped_size(content) == 1005 and unzipped_size(b"") == 0
    wheel = _polars_wheel(tmp_path / "wh", 3000)
    resolved = resolve(["polars"], Wheelhouse(tmp_path / "wh"), Platform("x86_64", "python3.11")).wheels
    assert [w.path for w in resolved] == [wheel]
    assert installed_size(resolved) == unzipped_size(layer_zip(resolved))
