"""Lambda layers from real PyPI wheels: `pip download` fills a wheelhouse per architecture (cached under
~/.cache/glacier-test; skipped when the index cannot be reached), `glacierc build --wheelhouse` packs the layer.
The same input gives the same bytes; the layer holds Polars for the executor's architecture; on x86_64 (this
machine) the function's own package runs a node with nothing but the layer and the standard library on its path;
terraform validates the layer resources."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

from glacierc.driver import build
from tests.terraform_tools import Terraform, extract, mirror_missing

pytestmark = pytest.mark.slow

CACHE = Path.home() / ".cache" / "glacier-test"
REQUIREMENTS = ("polars==2.1.0", "PyYAML==6.0.2")
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
PIPELINE = """import polars as pl
import yaml

from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig

provider = Provider(config=AwsConfig(region="us-east-1"))
fn = provider.serverless(config=LambdaConfig(memory=1024, architecture={architecture!r}))
raw = provider.bucket(bucket="acme-raw", path="raw.parquet")


@fn.task()
def clean(source) -> pl.LazyFrame:
    factor = yaml.safe_load("factor: 2")["factor"]
    return source.scan().with_columns(pl.col("value") * factor)


@pipeline(name="etl")
def etl():
    return clean(raw)
"""


def _wheelhouse(architecture: str) -> Path:
    """A wheelhouse of REQUIREMENTS for `architecture` and Python 3.11, downloaded once."""
    directory = CACHE / f"wheelhouse-{architecture}-py311"
    if not any(directory.glob("polars_runtime_32-*.whl")) or not any(directory.glob("PyYAML-*.whl")):
        download = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--platform",
             f"manylinux2014_{MACHINES[architecture]}", "--python-version", "3.11", "-d", str(directory),
             *REQUIREMENTS], capture_output=True, text=True, timeout=600, check=False)
        if download.returncode != 0:
            pytest.skip(f"pip download from the package index failed (offline?): {download.stderr[-500:]}")
    return directory


def _build(tmp: Path, architecture: str, name: str) -> Path:
    project = tmp / f"proj-{architecture}"
    project.mkdir(exist_ok=True)
    (project / "pipeline.py").write_text(PIPELINE.format(architecture=architecture), encoding="utf-8")
    (project / "requirements.txt").write_text("\n".join(REQUIREMENTS) + "\n", encoding="utf-8")
    out = tmp / name
    result = build([str(project)], out, {}, wheelhouse=str(_wheelhouse(architecture)))
    assert result.written, [d.message for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.code == "GLC412"]
    return out


def _layer(out: Path) -> Path:
    (layer,) = sorted((out / "terraform" / "lambda" / "layers").glob("*.zip"))
    return layer


@pytest.fixture(scope="module")
def arm(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("layers"), "arm64", "out")


@pytest.fixture(scope="module")
def x86(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("layers"), "x86_64", "out")


def test_the_same_input_gives_the_same_layer_bytes(arm, tmp_path):
    again = _build(tmp_path, "arm64", "again")
    assert _layer(again).name == _layer(arm).name
    assert _layer(again).read_bytes() == _layer(arm).read_bytes()


def test_the_layer_holds_polars_and_the_task_imports_for_its_architecture(arm):
    archive = zipfile.ZipFile(_layer(arm))
    names = archive.namelist()
    assert names == sorted(names) and all(n.startswith("python/") for n in names)
    assert {"python/polars/__init__.py", "python/yaml/__init__.py"} <= set(names)
    wheels = {n: archive.read(n).decode() for n in names if n.endswith(".dist-info/WHEEL")}
    runtime = next(text for name, text in wheels.items() if "polars_runtime_32" in name)
    assert "aarch64" in runtime and "x86_64" not in runtime
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert {oct(i.external_attr >> 16) for i in archive.infolist()} <= {"0o100644", "0o100755"}


def test_every_function_lists_the_layer_and_terraform_validates_it(arm, tmp_path):
    compute = (arm / "terraform" / "compute.tf").read_text(encoding="utf-8")
    label = _layer(arm).stem
    assert f'layers           = [aws_lambda_layer_version.{label}.arn]' in compute
    assert 'compatible_architectures = ["arm64"]' in compute and 'compatible_runtimes      = ["python3.11"]' in compute
    missing = mirror_missing("hashicorp/aws")
    if missing:
        pytest.skip(missing)
    assert Terraform.create(tmp_path / "tf-home").validate(arm / "terraform") == []


def test_the_package_runs_a_node_with_only_the_layer_on_its_path(x86, tmp_path):
    """The function zip and the layer, unpacked as Lambda does (/var/task, /opt/python), run the node in an
    interpreter that sees neither the suite's site-packages nor PYTHONPATH (-I -S)."""
    task, layer = extract((x86 / "terraform" / "lambda" / "fn.zip").read_bytes(), tmp_path / "task"), tmp_path / "opt"
    zipfile.ZipFile(_layer(x86)).extractall(layer)
    data = tmp_path / "data" / "acme-raw"
    data.mkdir(parents=True)
    pl.DataFrame({"value": [1, 2]}).write_parquet(data / "raw.parquet")
    script = ("import json, os, sys\n"
              f"sys.path[:0] = [{str(task)!r}, {str(layer / 'python')!r}]\n"
              f"os.environ.update(GLACIER_DATA_DIR={str(tmp_path / 'data')!r}, "
              f"GLACIER_STAGING_URI__etl={str(tmp_path / 'staging')!r})\n"
              "import handler, polars\n"
              "assert polars.__file__.startswith(sys.path[1]), polars.__file__\n"
              "print(json.dumps(handler.task_clean({'run_id': 'r1'}, None)))\n")
    run = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.splitlines()[-1])["status"] == "ok"
    staged = pl.read_parquet(io.BytesIO((tmp_path / "staging" / "r1" / "clean.parquet").read_bytes()))
    assert staged["value"].to_list() == [2, 4]
