"""The requirement set of a package (docs/cloud.md, "Packages"): read from the bundled runners' imports, pinned
from the project's own pins, written to GCP's and Azure's requirements.txt, reported by GLC412 on AWS; and
the layer zip writer on wheels built here (real files; tests/test_package_layers.py packs real PyPI wheels)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from glacierc.backends.terraform.requirements import requirement_set
from glacierc.backends.terraform.wheels import Platform, Wheelhouse, layer_zip, resolve
from glacierc.driver import build
from glacierc.errors import ConfigurationError
from tests.helpers import glacierc

CONFIGS = {
    "aws": ("AwsConfig(region='us-east-1')", "LambdaConfig(memory=512)", "AwsConfig, LambdaConfig"),
    "gcp": ("GcpConfig(project_id='acme', region='europe-west1')", "CloudFunctionConfig(memory=512)",
            "CloudFunctionConfig, GcpConfig"),
    "azure": ("AzureConfig(subscription_id='00000000-0000-0000-0000-000000000000', location='westeurope', "
              "resource_group='rg')", "AzureFunctionConfig()",
              "AzureConfig, AzureFunctionConfig"),
}
PIPELINE = """import json
import polars as pl
import yaml
from dateutil import parser

from glacier import Provider, pipeline
from glacier.config import {imports}
from helpers import tidy

provider = Provider(config={provider})
fn = provider.serverless(config={executor})
raw = provider.bucket(bucket="acme-raw", path="raw.parquet")


@fn.task()
def clean(source) -> pl.LazyFrame:
    import sklearn.linear_model
    yaml.safe_load(json.dumps({{"day": str(parser.parse("2026-01-01"))}}))
    return tidy(source.scan())


@pipeline(name="etl")
def etl():
    return clean(raw)
"""
HELPERS = "import requests\n\n\ndef tidy(frame):\n    return frame\n"


def _project(root: Path, cloud: str, requirements: str | None = None) -> Path:
    provider, executor, imports = CONFIGS[cloud]
    root.mkdir(parents=True, exist_ok=True)
    (root / "pipeline.py").write_text(PIPELINE.format(provider=provider, executor=executor, imports=imports))
    (root / "helpers.py").write_text(HELPERS)
    if requirements is not None:
        (root / "requirements.txt").write_text(requirements)
    return root


def _zip_text(path: Path, name: str) -> str:
    return zipfile.ZipFile(path).read(name).decode()


def test_requirements_come_from_imports_minus_stdlib_glacier_and_own_modules():
    source = ("import os, json\nimport glacier\nimport helpers\nfrom . import sibling\nimport yaml\n"
              "from sklearn.linear_model import Ridge\ndef f():\n    from dateutil import tz\n    import PIL.Image\n")
    found = requirement_set([source], {"pyyaml": "pyyaml==6.0.2"}, own_modules={"helpers"})
    assert [(r.distribution, r.line, r.imported_as) for r in found] == [
        ("polars", "polars==2.1.0", ()), ("Pillow", "Pillow", ("PIL",)),
        ("python-dateutil", "python-dateutil", ("dateutil",)), ("PyYAML", "pyyaml==6.0.2", ("yaml",)),
        ("scikit-learn", "scikit-learn", ("sklearn",))]


@pytest.mark.parametrize("cloud, head", [
    ("gcp", "functions-framework>=3,<4\n"),
    ("azure", "azure-functions>=1.20,<2\nazure-functions-durable==1.7.0\n"),
])
def test_function_requirements_carry_the_task_imports_at_the_project_pins(cloud, head, tmp_path):
    root = _project(tmp_path / "proj", cloud, "# pins\nPyYAML==6.0.2  # yaml\n-r other.txt\npolars==2.1.0\n")
    result = build([str(root)], tmp_path / "out", {})
    assert result.written, [d.message for d in result.diagnostics]
    zips = sorted((tmp_path / "out" / "terraform").rglob("*.zip"))
    text = next(_zip_text(z, "requirements.txt") for z in zips if "requirements.txt" in zipfile.ZipFile(z).namelist())
    # requests is imported only by a helper the runner does not copy: nothing runs it, nothing needs it
    assert text == head + "polars==2.1.0\npython-dateutil\nPyYAML==6.0.2\nscikit-learn\n"


def test_pyproject_dependencies_pin_too_and_requirements_txt_wins(tmp_path):
    root = _project(tmp_path / "proj", "gcp", "pyyaml==6.0.1\n")
    (root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["PyYAML>=6", '
                                         '"python-dateutil==2.9.0.post0", "scikit-learn @ https://x/y.whl"]\n')
    result = build([str(root)], tmp_path / "out", {})
    zips = sorted((tmp_path / "out" / "terraform").rglob("*.zip"))
    text = next(_zip_text(z, "requirements.txt") for z in zips if "requirements.txt" in zipfile.ZipFile(z).namelist())
    assert result.written
    assert text.splitlines()[1:] == ["polars==2.1.0", "python-dateutil==2.9.0.post0", "pyyaml==6.0.1",
                                     "scikit-learn"]


def test_aws_without_a_wheelhouse_says_what_the_deploy_lacks(tmp_path):
    root = _project(tmp_path / "proj", "aws", "PyYAML==6.0.2\n")
    result = build([str(root)], tmp_path / "out", {})
    notes = [d for d in result.diagnostics if d.code == "GLC412"]
    assert [(d.message, d.span.line) for d in notes] == [(
        "executor `fn`: its Lambda functions import polars==2.1.0 python-dateutil PyYAML==6.0.2 scikit-learn, "
        "which Lambda does not provide; no wheelhouse is configured, so the build packs no layer (build with "
        "--wheelhouse DIR)", 11)]
    compute = (tmp_path / "out" / "terraform" / "compute.tf").read_text()
    assert "aws_lambda_layer_version" not in compute and "layers" not in compute


def test_a_wheelhouse_that_is_not_a_directory_is_a_configuration_error(tmp_path):
    root = _project(tmp_path / "proj", "aws")
    (root / "pyproject.toml").write_text('[tool.glacierc]\nwheelhouse = "missing"\n')
    with pytest.raises(ConfigurationError, match="wheelhouse 'missing' is not a directory"):
        build([str(root)], tmp_path / "out", {})
    (root / "pyproject.toml").write_text("[tool.glacierc]\nwheelhouse = 3\n")
    with pytest.raises(ConfigurationError, match="`wheelhouse` must be a directory"):
        build([str(root)], tmp_path / "out", {})
    (root / "pyproject.toml").unlink()
    run = glacierc("build", str(root), "-o", str(tmp_path / "out"), "--wheelhouse", str(tmp_path / "none"))
    assert run.returncode == 2 and "is not a directory" in run.stderr


def _wheel(directory: Path, name: str, files: dict[str, tuple[bytes, int]], requires: tuple[str, ...] = (),
           tag: str = "py3-none-any") -> Path:
    """A wheel file (a zip with dist-info), written here."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-1.0-{tag}.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        for entry, (content, mode) in {**files, f"{name}-1.0.dist-info/METADATA": (metadata.encode(), 0o644)}.items():
            info = zipfile.ZipInfo(entry, date_time=(2024, 5, 6, 7, 8, 9))
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, content)
    return path


def test_layer_zip_installs_importable_files_only_deterministically(tmp_path):
    _wheel(tmp_path / "wh", "alpha", {
        "alpha/__init__.py": (b"X = 1\n", 0o644), "alpha/_native.so": (b"\x7fELF", 0o755),
        "alpha-1.0.data/purelib/alpha_extra.py": (b"", 0o644), "alpha-1.0.data/scripts/alpha": (b"#!", 0o755),
        "../escape.py": (b"", 0o644), "alpha/../../up.py": (b"", 0o644)}, requires=("beta>=1", "gamma; extra == 'x'",
                                                                                 "delta; sys_platform == 'win32'"))
    _wheel(tmp_path / "wh", "beta", {"beta.py": (b"", 0o644)})
    _wheel(tmp_path / "wh", "omega", {"omega.py": (b"", 0o644)}, tag="cp311-cp311-win_amd64")
    house = Wheelhouse(tmp_path / "wh")
    resolution = resolve(["alpha", "omega"], house, Platform("x86_64", "python3.11"))
    assert [w.name for w in resolution.wheels] == ["alpha", "beta"] and resolution.missing == ("omega",)
    content = layer_zip(resolution.wheels)
    assert content == layer_zip(resolve(["alpha"], Wheelhouse(tmp_path / "wh"), Platform("x86_64", "python3.11")).wheels)
    entries = [(i.filename, i.date_time, oct(i.external_attr >> 16)) for i in zipfile.ZipFile(io.BytesIO(content)).infolist()]
    assert entries == [
        ("python/alpha-1.0.dist-info/METADATA", (1980, 1, 1, 0, 0, 0), "0o100644"),
        ("python/alpha/__init__.py", (1980, 1, 1, 0, 0, 0), "0o100644"),
        ("python/alpha/_native.so", (1980, 1, 1, 0, 0, 0), "0o100755"),
        ("python/alpha_extra.py", (1980, 1, 1, 0, 0, 0), "0o100644"),
        ("python/beta-1.0.dist-info/METADATA", (1980, 1, 1, 0, 0, 0), "0o100644"),
        ("python/beta.py", (1980, 1, 1, 0, 0, 0), "0o100644"),
    ]


@pytest.mark.parametrize("architecture, runtime, tag, fits", [
    ("x86_64", "python3.11", "cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64", True),
    ("x86_64", "python3.11", "cp39-abi3-manylinux_2_28_x86_64", False),  # Amazon Linux 2: glibc 2.26
    ("x86_64", "python3.12", "cp39-abi3-manylinux_2_28_x86_64", True),  # Amazon Linux 2023: glibc 2.34
    ("arm64", "python3.11", "cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64", True),
    ("arm64", "python3.11", "cp311-cp311-manylinux_2_17_x86_64", False),
    ("arm64", "python3.12", "cp311-cp311-manylinux_2_17_aarch64", False),  # another interpreter's ABI
    ("arm64", "python3.12", "py3-none-any", True),
])
def test_wheel_tags_fit_the_lambda_platform(architecture, runtime, tag, fits, tmp_path):
    _wheel(tmp_path / "wh", "alpha", {"alpha.py": (b"", 0o644)}, tag=tag)
    found = resolve(["alpha==1.0"], Wheelhouse(tmp_path / "wh"), Platform(architecture, runtime))
    assert (found.missing == ()) is fits
