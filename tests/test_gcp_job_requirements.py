"""What a Dataproc node and a Compute Engine node (Cloud Batch) install: the requirement set of the runners
their job folder carries, as its requirements.txt, installed by the clusters' initialization action and by
the Batch command for real, then the groups run with it.

The fixture's tasks import `glacier_probe` (pinned `glacier-probe==1.0` beside the fixture), a distribution
that exists only as a wheel this test builds (probe_wheel.py); each install runs in a throwaway environment
that sees this machine's Polars and pip and can install only that wheel. Buckets are local folders
(GLACIER_DATA_DIR, as test_azure_remote.py runs the cloud-neutral job). The Batch command runs as the
container would, with the job folder in place of its mount; the initialization action runs with the two
things only a Dataproc node has replaced: the metadata reader (it answers the folder) and `gsutil cp` (`cp`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import hcl2
import polars as pl
import pytest
from hcl2 import SerializationOptions
from probe_wheel import PROBE, build_probe_wheel, pip_env, throwaway
from terraform_tools import REPO

from glacierc.backends.terraform.gcp_package import JOB_FOLDER_KEY
from glacierc.backends.terraform.gcp_workflows import BATCH_COMMAND, BATCH_MOUNT
from glacierc.driver import build

FIXTURE = REPO / "tests" / "fixtures" / "gcp_jobs" / "job_requirements" / "pipeline.py"
REQUIREMENTS = "polars==2.1.0\nglacier-probe==1.0\n"
PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
ORDERS = pl.DataFrame({"region": ["emea", "apac", "amer"], "amount": [10.0, -5.0, 4.0]})


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gcp_job_requirements") / "out"
    assert not build([str(FIXTURE)], out, {}).has_errors
    return out / "terraform"


def _resources(root: Path, kind: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in sorted(root.glob("*.tf")):
        for blocks in hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=PLAIN).get("resource", []):
            found.update(blocks.get(kind, {}))
    return found


def test_each_job_folder_carries_its_executors_requirement_set_and_is_uploaded(root):
    uploaded = {o["name"] for o in _resources(root, "google_storage_bucket_object").values()}
    for label in ("spark_exec", "vm_exec"):
        assert (root / "jobs" / label / "requirements.txt").read_text(encoding="utf-8") == REQUIREMENTS
        assert {f"jobs/{label}/requirements.txt", f"jobs/{label}/glacier_installed.py"} <= uploaded
    (cluster,) = _resources(root, "google_dataproc_cluster").values()
    assert cluster["cluster_config"][0]["gce_cluster_config"][0]["metadata"] == {
        JOB_FOLDER_KEY: "gs://${google_storage_bucket.glacier_functions.name}/jobs/spark_exec"}


def test_the_init_action_and_the_batch_command_install_it_and_the_groups_run(root, tmp_path):
    wheels = build_probe_wheel(tmp_path)
    data, staging = tmp_path / "data", tmp_path / "staging"
    (data / "acme-jobs-raw" / "orders").mkdir(parents=True)
    ORDERS.write_parquet(data / "acme-jobs-raw" / "orders" / "orders.parquet")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GLACIER_", "PIP_", "VIRTUAL_ENV"))}
    # a cluster node: the initialization action, then the PySpark job's main file beside its runner
    node_bin, node_site = throwaway(tmp_path / "node")
    node = {**base, **pip_env(wheels), "PATH": f"{node_bin}{os.pathsep}{base['PATH']}", "GLACIER_DATA_DIR": str(data)}
    folder = root / "jobs" / "spark_exec"
    script = (root / "jobs" / "dataproc-init.sh").read_text(encoding="utf-8")
    script = script.replace(f"/usr/share/google/get_metadata_value attributes/{JOB_FOLDER_KEY}", f"echo '{folder}'")
    script = script.replace("gsutil -q cp", "cp")
    _run(["bash", "-c", script], node)
    assert (node_site / "glacier_probe" / "__init__.py").read_text(encoding="utf-8") == PROBE
    work = tmp_path / "pyspark"
    shutil.copytree(folder, work)
    _run(["python3", "job.py", "probed", "clean", "run-probe", str(staging)], node, work)
    # a Batch container: its command, the job folder where the bucket is mounted
    container_bin, container_site = throwaway(tmp_path / "container")
    command = BATCH_COMMAND.replace(BATCH_MOUNT, str(root / "jobs" / "vm_exec"))
    _run(["sh", "-c", command, "glacier-job", "probed", "scale", "run-probe", str(staging)],
         {**node, "PATH": f"{container_bin}{os.pathsep}{base['PATH']}"})
    assert (container_site / "glacier_probe").is_dir()
    report = pl.read_parquet(data / "acme-jobs-out" / "report" / "report.parquet").sort("region")
    assert report.to_dict(as_series=False) == {"region": ["amer", "emea"], "amount": [4.0, 10.0],
                                               "scaled": [40.0, 100.0]}


def _run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr
