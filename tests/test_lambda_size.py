"""GLC415: a Lambda package and its layer that would unzip above AWS's 250 MB limit stop the build (the deploy
would fail), and `glacierc check` reports the same error, measuring the same files and wheels without packing
them. The wheelhouse holds a real wheel of incompressible bytes just large enough (or, in the fixtures under
tests/fixtures/packages/, a tiny one of compressed zeros: tests/sized_wheel.py); its size is read from the
wheels' directories, so nothing of it is decompressed or packed and the test stays fast."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from glacierc.backends.terraform.packaging import files_size, package
from glacierc.backends.terraform.wheels import Platform, Wheelhouse, installed_size, layer_zip, resolve
from glacierc.checks.glc415_lambda_too_large import LIMIT_BYTES
from glacierc.diagnostics.model import Severity
from glacierc.driver import build
from tests.helpers import ROOT
from tests.sized_wheel import FIXTURE_SIZES, NAME, PACKAGES, sized_wheel

PIPELINE = (PACKAGES / "lambda_too_large" / "pipeline.py").read_text(encoding="utf-8")  # `fn` on line 9
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
    assert (error.span.file.endswith("pipeline.py"), error.span.line) == (True, 9)
    assert not (tmp_path / "out").exists()


def test_a_layer_below_the_limit_is_packed(tmp_path):
    result = _build(tmp_path, 1024 * 1024)
    assert result.written and not [d for d in result.diagnostics if d.code == "GLC415"]
    (layer,) = (tmp_path / "out" / "terraform" / "lambda" / "layers").glob("*.zip")
    wheels = resolve(["polars==2.1.0"], Wheelhouse(tmp_path / "wheels"), Platform("x86_64", "python3.11")).wheels
    assert unzipped_size(layer.read_bytes()) == installed_size(wheels) > 1024 * 1024


def unzipped_size(content: bytes) -> int:
    """What unzipping `content` gives, in bytes."""
    return sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(content)).infolist())


def test_the_unzipped_sizes_are_what_unzipping_gives(tmp_path):
    files = {"a.py": "x" * 1000, "b/c.py": b"\0" * 5, "d.py": "\u00e9"}  # é: two bytes in UTF-8
    assert files_size(files) == unzipped_size(package(files)) == 1007 and files_size({}) == 0
    wheel = _polars_wheel(tmp_path / "wh", 3000)
    resolved = resolve(["polars"], Wheelhouse(tmp_path / "wh"), Platform("x86_64", "python3.11")).wheels
    assert [w.path for w in resolved] == [wheel]
    assert installed_size(resolved) == unzipped_size(layer_zip(resolved))


# ---- `glacierc check` reports it too ----------------------------------------------------------------------------

def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`glacierc check` of this checkout, run from `cwd` (paths in messages as the user types them)."""
    return subprocess.run([sys.executable, "-m", "glacierc", "check", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}, timeout=120)


def _fixture(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(PACKAGES / name, tmp_path / name))


def test_check_reports_the_glc415_of_build_with_its_span(tmp_path):
    project = _fixture("lambda_too_large", tmp_path)
    result = _check(project, "pipeline.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error[GLC415]: executor `fn`: its Lambda functions (task `clean`, task `tidy`) would unzip to 250.1 MB" \
           in result.stdout
    assert " --> pipeline.py:9:6\n" in result.stdout and "\n  = help: run the tasks on a vm or cluster" in result.stdout
    assert result.stdout.endswith("Found 1 error and 0 warnings.\n")
    (found,) = json.loads(_check(project, "pipeline.py", "--output-format", "json").stdout)
    assert (found["code"], found["line"], found["column"], found["end_line"], found["end_column"]) == \
           ("GLC415", 9, 6, 9, 59)
    built = build([str(project)], tmp_path / "out", {}, check_only=True)
    assert [(d.code, d.message, d.span.line, d.span.column) for d in built.diagnostics if d.severity is Severity.ERROR] \
           == [("GLC415", found["message"], 9, 6)]


def test_check_passes_a_package_below_the_limit(tmp_path):
    project = _fixture("lambda_below_limit", tmp_path)
    result = _check(project, "pipeline.py")
    assert (result.returncode, result.stdout) == (0, "All checks passed.\n"), result.stderr


def test_check_takes_the_wheelhouse_from_the_command_line(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pipeline.py").write_text(PIPELINE, encoding="utf-8")
    assert _check(project, "pipeline.py").returncode == 0  # no wheelhouse: nothing is packed, nothing measured
    large = _check(project, "pipeline.py", "--wheelhouse", str(PACKAGES / "lambda_too_large" / "wheels"))
    assert large.returncode == 1 and "error[GLC415]" in large.stdout and " --> pipeline.py:9:6\n" in large.stdout
    small = _check(project, "pipeline.py", "--wheelhouse", str(PACKAGES / "lambda_below_limit" / "wheels"))
    assert small.returncode == 0, small.stdout
    missing = _check(project, "pipeline.py", "--wheelhouse", "no-such-dir")
    assert missing.returncode == 2 and missing.stderr.startswith("error: wheelhouse 'no-such-dir' is not a directory")


def test_a_changed_wheelhouse_is_measured_again_not_answered_from_the_cache(tmp_path):
    project = _fixture("lambda_below_limit", tmp_path)
    assert _check(project, "pipeline.py").returncode == 0
    sized_wheel(project / "wheels", LIMIT_BYTES)  # the project's files are unchanged, the wheel is not
    again = _check(project, "pipeline.py")
    assert again.returncode == 1 and "error[GLC415]" in again.stdout


def test_the_fixture_wheels_are_what_sized_wheel_writes(tmp_path):
    for fixture, size in FIXTURE_SIZES.items():
        committed = PACKAGES / fixture / "wheels" / NAME
        (wheel,) = resolve(["polars"], Wheelhouse(committed.parent), Platform("x86_64", "python3.11")).wheels
        assert installed_size([wheel]) == size + len("Metadata-Version: 2.1\nName: polars\nVersion: 2.1.0\n")
    small = FIXTURE_SIZES["lambda_below_limit"]
    assert sized_wheel(tmp_path, small).read_bytes() == (PACKAGES / "lambda_below_limit" / "wheels" / NAME).read_bytes()
