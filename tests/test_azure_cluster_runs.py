"""HDInsight groups of an Azure pipeline, orchestrated: the SDK replays the home app's orchestrator
(tests/azure_durable.py); the cluster group's activity (the app's own code and its bundled glacier_remote.py)
submits a Livy batch to a stand-in of the cluster's Livy endpoint, which checks the gateway login and runs
the batch as YARN would run its driver: the built job folder's job.py (its `file`) with the runners (its
`pyFiles`) in the working directory and the batch's `conf` environment, here against Azurite. The outputs
equal the local runner's; the slice's Terraform (settings, job blobs, script action, vault, roles) is read
back with python-hcl2."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from azure_durable import Host, azurite_environment, azurite_or_skip, blob_service, load_app
from stand_in import Request, serving
from terraform_tools import read_blocks

from tests.helpers import build_source

SOURCE = '''import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, SparkConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000048"))
local_exec = provider.local()
spark = provider.cluster(config=SparkConfig(spark_version="3.3", num_workers=2))
raw = provider.bucket(bucket="raw", path="in.parquet")
out = provider.bucket(bucket="out", path="out.parquet")


@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()


@spark.task(retries=1)
def heavy(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(b=pl.col("a") * 2).filter(pl.col("a") > 1)


@local_exec.task()
def save(frame: pl.LazyFrame) -> None:
    out.write(frame)


@pipeline(name="p")
def p():
    save(heavy(load(raw)))
'''
PASSWORD = "Gateway-secret-1"
FILESYSTEM = "abfs://spark@hdiaccount.dfs.core.windows.net"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_source(SOURCE, tmp_path_factory.mktemp("cluster_runs"))


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    yield from azurite_or_skip(tmp_path_factory)


@contextlib.contextmanager
def livy(jobs: Path, work: Path, azurite: str) -> Iterator[tuple[str, list]]:
    """The cluster's Livy endpoint: exactly `POST /livy/batches` and `GET /livy/batches/{id}/state`, with the
    gateway's Basic login and Livy's X-Requested-By header. A batch runs `file` with `pyFiles` localised in its
    working directory (as YARN does for the driver) and `spark.yarn.appMasterEnv.*` as its environment. Served by
    tests/stand_in.py; yields its URL and every request seen, as (method, path, JSON body)."""
    batches: dict[int, subprocess.Popen] = {}
    seen: list = []

    def local(url: str) -> Path:
        assert url.startswith(FILESYSTEM + "/jobs/spark/"), url
        return jobs / url.rsplit("/", 1)[1]

    def answer(request: Request) -> tuple[int, object]:
        method, path, headers, body = request.method, request.path, request.headers, request.json()
        seen.append((method, path, body))
        assert headers["Authorization"] == "Basic " + base64.b64encode(f"glacier-admin:{PASSWORD}".encode()).decode()
        assert headers["X-Requested-By"]
        if method == "POST" and path == "/livy/batches":
            folder = work / f"batch{len(batches)}"
            folder.mkdir(parents=True)
            for url in [body["file"], *body["pyFiles"]]:
                shutil.copy(local(url), folder)
            conf = body.get("conf", {})
            assert conf["spark.pyspark.python"] == "/usr/bin/python3"
            environment = {k.removeprefix("spark.yarn.appMasterEnv."): v for k, v in conf.items()
                           if k.startswith("spark.yarn.appMasterEnv.")}
            env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AZURE", "GLACIER"))},
                   **environment, **azurite_environment(azurite), "PYTHONPATH": ""}
            batches[len(batches)] = subprocess.Popen(
                [sys.executable, local(body["file"]).name, *body["args"]], cwd=folder, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            return 201, {"id": len(batches) - 1, "state": "starting"}
        number = int(path.split("/")[3])
        assert method == "GET" and path == f"/livy/batches/{number}/state", path
        process = batches[number]
        if process.poll() is None:
            return 200, {"id": number, "state": "running"}
        process.communicate()
        return 200, {"id": number, "state": "success" if process.returncode == 0 else "dead"}

    with serving(answer) as url:
        yield url, seen


def test_an_hdinsight_group_runs_as_a_livy_batch_of_the_orchestration(built, azurite, tmp_path, monkeypatch):
    pytest.importorskip("azure.durable_functions")
    staging = read_blocks(built / "terraform")["azurerm_storage_container"]["p_staging"]["name"]
    service = blob_service(azurite, ("raw", "out", staging))
    frame = pl.DataFrame({"a": [1, 2, 3]})
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    service.get_blob_client("raw", "in.parquet").upload_blob(buffer.getvalue(), overwrite=True)
    with livy(built / "terraform" / "jobs" / "spark", tmp_path / "cluster", azurite) as (url, seen):
        spec = {"kind": "hdinsight", "cluster": url, "user": "glacier-admin",
                "password_setting": "GLACIER_HDINSIGHT_PASSWORD", "python": "/usr/bin/python3",
                "job": f"{FILESYSTEM}/jobs/spark/job.py", "files": [f"{FILESYSTEM}/jobs/spark/glacier_runner_p.py"],
                "environment": {"AZURE_CLIENT_ID": "cluster-client",
                                "AZURE_STORAGE_ACCOUNT_NAME": "devstoreaccount1"}, "poll_seconds": 0.2}
        for key, value in {**azurite_environment(azurite), "GLACIER_STAGING_URI__p": f"az://{staging}",
                           "GLACIER_HDINSIGHT_SPARK": json.dumps(spec),
                           "GLACIER_HDINSIGHT_PASSWORD": PASSWORD}.items():
            monkeypatch.setenv(key, value)
        app = load_app((built / "terraform" / "functions" / "local_exec.zip").read_bytes(), tmp_path / "app")
        host = Host(app, "orchestrate_p")
        state = host.run()
    assert state["isDone"] and state.get("error") is None, state
    assert [(c.activity, c.error) for c in host.calls] == [("run_p__load", None), ("run_p__heavy", None),
                                                           ("run_p__save", None)]
    (post,) = [body for method, _, body in seen if method == "POST"]
    assert post["args"] == ["p", "heavy", f"p-{host.instance_id}", f"az://{staging}"]
    assert post["conf"]["spark.yarn.appMasterEnv.AZURE_CLIENT_ID"] == "cluster-client"
    staged = {b.name for b in service.get_container_client(staging).list_blobs()}
    assert staged == {f"p-{host.instance_id}/{node}.{kind}" for node in ("load", "heavy") for kind in ("json", "parquet")}
    cloud = pl.read_parquet(io.BytesIO(service.get_blob_client("out", "out.parquet").download_blob().readall()))
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    frame.write_parquet(data / "raw" / "in.parquet")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE", "GLACIER"))}
    local = subprocess.run([sys.executable, str(built / "runners" / "p.py"), "--data-dir", str(data)],
                           capture_output=True, text=True, timeout=300, env=env, check=False)
    assert local.returncode == 0, local.stderr
    assert cloud.equals(pl.read_parquet(data / "out" / "out.parquet"))


def test_the_slice_reaches_the_cluster_with_a_key_vault_reference_and_exact_roles(built):
    resources = read_blocks(built / "terraform")
    compute = (built / "terraform" / "compute.tf").read_text(encoding="utf-8")
    assert "GLACIER_HDINSIGHT_SPARK = jsonencode(" in compute
    app = resources["azurerm_linux_function_app"]["local_exec"]
    assert app["app_settings"]["GLACIER_HDINSIGHT_PASSWORD"] == (
        "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault_secret.hdinsight_gateway.versionless_id})")
    assert "hdinsight_gateway_password" not in json.dumps(app)  # the password itself is never a setting
    secret = resources["azurerm_key_vault_secret"]["hdinsight_gateway"]
    assert secret["value"] == "${var.hdinsight_gateway_password}"
    assert resources["azurerm_key_vault"]["glacier"]["enable_rbac_authorization"] is True
    assignments = resources["azurerm_role_assignment"]
    reader = assignments["local_exec_gateway_password"]
    assert (reader["scope"], reader["role_definition_name"], reader["principal_id"]) == (
        "${azurerm_key_vault_secret.hdinsight_gateway.resource_versionless_id}", "Key Vault Secrets User",
        "${azurerm_user_assigned_identity.local_exec.principal_id}")
    staging = assignments["spark_p_staging"]
    assert staging["principal_id"] == "${azurerm_user_assigned_identity.spark.principal_id}"
    assert "'p-*/load.*'" in staging["condition"] and "'p-*/heavy.*'" in staging["condition"]
    assert "save" not in staging["condition"]  # the cluster reads load's result and stages heavy's only
    # the app reads no data of the cluster's group and no blob of its file system
    app_scopes = {a["scope"] for a in assignments.values()
                  if a.get("principal_id") == "${azurerm_user_assigned_identity.local_exec.principal_id}"}
    assert not any("hdinsight" in scope and "key_vault" not in scope for scope in app_scopes)
    blobs = {b["name"] for b in resources["azurerm_storage_blob"].values()}
    assert blobs == {f"jobs/spark/{n}" for n in ("job.py", "glacier_runner_p.py", "requirements.txt",
                                                 "glacier_installed.py", "install.sh")}
    cluster = resources["azurerm_hdinsight_spark_cluster"]["spark"]
    roles = cluster["roles"][0]
    for node in ("head_node", "worker_node"):
        (action,) = roles[node][0]["script_actions"]
        assert action["uri"].endswith("/jobs/spark/install.sh") and action["parameters"].endswith("/jobs/spark")
    assert "script_actions" not in roles["zookeeper_node"][0]
    assert "${azurerm_storage_blob.spark_job_requirements}" in cluster["depends_on"]
    assert (built / "terraform" / "jobs" / "spark" / "requirements.txt").read_text().startswith("polars")


def test_the_install_script_installs_the_requirement_set_unless_it_is_there(built, tmp_path):
    """install.sh as a node runs it, with `hadoop fs -copyToLocal` and the interpreter stood in for: Polars
    2.1 is installed here, so glacier_installed.py says so and nothing is installed."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    jobs = built / "terraform" / "jobs" / "spark"
    (bin_ / "hadoop").write_text(f'#!/bin/sh\n[ "$1 $2 $3" = "fs -copyToLocal -f" ] || exit 9\n'
                                 f'cp "{jobs}/$(basename "$4")" "$5"\n', encoding="utf-8")
    (bin_ / "hadoop").chmod(0o755)
    script = (jobs / "install.sh").read_text(encoding="utf-8").replace("/usr/bin/python3", sys.executable)
    done = subprocess.run(["bash", "-c", script, "install.sh", f"{FILESYSTEM}/jobs/spark"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}"},
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "pip" not in done.stderr
