"""What an EMR node and a vm node (AWS Batch) install: the requirement set of the runners their job package
carries, as its requirements.txt, installed by the bootstrap action and by the job's launcher for real.

The fixture's tasks import `glacier_probe` (pinned `glacier-probe==1.0` in the fixture's requirements.txt), a
distribution that exists nowhere but in a wheel this test builds (probe_wheel.py); each install runs in a
throwaway environment that sees this machine's Polars and pip and can install only that wheel. The bootstrap
action, step and job command are run as test_aws_executors.py runs them (moto's S3, the state's `Parameters`
evaluated by moto's interpreter).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
from probe_wheel import PROBE, build_probe_wheel, pip_env, throwaway
from terraform_tools import REPO
from test_aws_executors import Module, _skip_without_aws_cli, emulator  # noqa: F401 (a fixture)

from glacierc.backends.terraform import aws_job_package as packages
from glacierc.driver import build

FIXTURE = REPO / "tests" / "fixtures" / "aws_sfn" / "job_requirements" / "pipeline.py"
REQUIREMENTS = "polars==2.1.0\nglacier-probe==1.0\n"
BUCKETS = {"glacier_artifacts": "glacier-x-artifacts", "probed_staging": "glacier-x-probed"}
ORDERS = pl.DataFrame({"region": ["emea", "apac", "amer"], "amount": [10.0, -5.0, 4.0]})


class Probed(Module):
    def attribute(self, kind: str, label: str, name: str) -> str:
        return BUCKETS[label] if kind == "aws_s3_bucket" else super().attribute(kind, label, name)


@pytest.fixture(scope="module")
def module(tmp_path_factory) -> Probed:
    out = tmp_path_factory.mktemp("job_requirements") / "out"
    assert not build([str(FIXTURE)], out, {}).has_errors
    return Probed(out / "terraform")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    return build_probe_wheel(tmp_path_factory.mktemp("wheels"))


def _environment(emulator, bin_folder: Path, wheels: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLACIER_", "PIP_", "VIRTUAL_ENV"))}
    return {**base, **emulator.storage_env(), "PATH": f"{bin_folder}{os.pathsep}{base['PATH']}", **pip_env(wheels)}


def _upload(emulator, module: Probed) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=BUCKETS["probed_staging"])  # the others are the emulator fixture's
    for obj in module.resources["aws_s3_object"].values():  # what Terraform uploads
        path = module.root / obj["source"].removeprefix("${path.module}/")
        s3.put_object(Bucket=module.resolve(obj["bucket"]), Key=obj["key"], Body=path.read_bytes())
    buffer = io.BytesIO()
    ORDERS.write_parquet(buffer)
    s3.put_object(Bucket="glacier-x-raw", Key="orders/orders.parquet", Body=buffer.getvalue())


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_each_job_package_carries_its_executors_requirement_set(module):
    for label in ("spark_exec", "vm_exec"):
        with zipfile.ZipFile(module.root / "jobs" / f"{label}.zip") as package:
            assert package.read("requirements.txt").decode() == REQUIREMENTS
            assert package.read("glacier_installed.py") == (REPO / "glacierc" / "runtime" / "installed.py").read_bytes()


def test_the_bootstrap_action_and_the_job_command_install_it(module, emulator, wheels, tmp_path):
    _skip_without_aws_cli()
    _upload(emulator, module)
    states = module.templatefile("orchestration.tf", "states/probed.asl.json")["States"]
    # the cluster: the bootstrap action (its script from the artifacts bucket, its arguments), then the step
    cluster_bin, cluster_site = throwaway(tmp_path / "cluster")
    env = _environment(emulator, cluster_bin, wheels)
    action = module.resources["aws_emr_cluster"]["spark_exec"]["bootstrap_action"][0]
    bucket, _, key = module.resolve(json.dumps(action["path"])).removeprefix("s3://").partition("/")
    script = tmp_path / "bootstrap.sh"
    script.write_bytes(emulator.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    folder = tmp_path / "opt" / "spark_exec"
    _run(["bash", str(script), module.resolve(json.dumps(action["args"][0])), str(folder)], env)
    assert (cluster_site / "glacier_probe" / "__init__.py").read_text(encoding="utf-8") == PROBE
    args = emulator.evaluated(states["run clean"]["Parameters"]["Step"]["HadoopJarStep"], "run-probe",
                              machine="run-probe-step")["Args"]
    _run([args[0], str(folder / args[1].removeprefix("/opt/glacier/spark_exec/")), *args[2:]], env)
    # the Batch job, in a container of its own: its launcher installs the package's requirements.txt
    job_bin, job_site = throwaway(tmp_path / "container")
    parameters = emulator.evaluated(states["run scale"]["Parameters"], "run-probe",
                                    machine="run-probe-job")["Parameters"]
    container = module.templatefile("compute.tf", "jobs/vm_exec.batch.json")
    _run([parameters[part[5:]] if part.startswith("Ref::") else part for part in container["command"]],
         _environment(emulator, job_bin, wheels))
    assert (job_site / "glacier_probe" / "__init__.py").is_file()
    body = emulator.client("s3").get_object(Bucket="glacier-x-out", Key="report/report.parquet")["Body"].read()
    assert pl.read_parquet(io.BytesIO(body)).sort("region").to_dict(as_series=False) == {
        "region": ["amer", "emea"], "amount": [4.0, 10.0], "scaled": [40.0, 100.0]}


def test_the_shipped_check_tells_an_installed_set_from_a_missing_one(module, tmp_path):
    """The fast path: the package's own check finds every line installed (the bootstrap's `||` then never
    reaches pip), or not."""
    with zipfile.ZipFile(module.root / "jobs" / "spark_exec.zip") as package:
        package.extractall(tmp_path)
    (tmp_path / "requirements.txt").write_text("polars==2.1.0\n", encoding="utf-8")
    check = [sys.executable, str(tmp_path / "glacier_installed.py"), str(tmp_path / "requirements.txt")]
    assert subprocess.run(check, timeout=60).returncode == 0
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    assert subprocess.run(check, timeout=60).returncode == 1


def test_a_databricks_run_lists_the_set_its_job_files_hold():
    pipelines = {"p": ("p", {"g": ("g",)})}
    runners = {"p": "import polars as pl\n\ndef task(frame):\n    import yaml\n    return frame\n"}
    files = packages.job_files("dbx", "pipeline.py:4", "us-east-1", pipelines, runners)
    assert files["requirements.txt"] == "polars==2.1.0\nPyYAML\n"
    assert packages.job_requirements(pipelines, runners) == ["polars==2.1.0", "PyYAML"]
