"""glacierc/runtime/azure_remote.py: the requests an activity makes to run a group on an Azure VM (managed Run
Command), HDInsight (Livy) or Databricks (runs/submit), against a local HTTP server that checks each request
as the service would and walks the job through its states; and the Run Command's script, run here with bash
against a stand-in of the VM's metadata service and blob endpoint, running the generated job.py and runner.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from glacierc.runtime import azure_remote
from glacierc.runtime.azure_remote import RemoteFailed
from stand_in import Request, serving

EVENT = {"pipeline": "p", "group": "heavy", "run_id": "p-0123abcd"}
CAUSE = "node `heavy` (task `heavy`, pipeline.py:17)"
ENVIRON = {"IDENTITY_ENDPOINT": "", "IDENTITY_HEADER": "secret-header", "AZURE_CLIENT_ID": "client-1",
           "HDI_PASSWORD": "gateway-password"}


@contextlib.contextmanager
def service(handle: Callable[[str, str, dict, object], tuple[int, object]]) -> Iterator[tuple[str, list]]:
    """A local HTTP server answering `handle(method, path, headers, body)`; yields its URL and the requests."""
    seen: list = []

    def answer(request: Request) -> tuple[int, object]:
        seen.append((request.method, request.path, request.headers, request.json()))
        return handle(*seen[-1])

    with serving(answer) as url:
        yield url, seen


def _identity(path: str, headers: dict) -> tuple[int, object] | None:
    """The Functions identity endpoint: the header secret, the resource and the app identity's client id."""
    if not path.startswith("/msi"):
        return None
    assert headers["X-IDENTITY-HEADER"] == "secret-header" and "client_id=client-1" in path
    resource = "management" if "management.azure.com" in path else "databricks"
    return 200, {"access_token": f"token-{resource}"}


def _environ(url: str) -> dict[str, str]:
    return {**ENVIRON, "IDENTITY_ENDPOINT": f"{url}/msi"}


def test_a_vm_group_is_a_managed_run_command_polled_until_it_ends():
    states = iter(["Pending", "Running", "Succeeded"])

    def handle(method, path, headers, body):
        found = _identity(path, headers)
        if found:
            return found
        assert headers["Authorization"] == "Bearer token-management"
        assert path.startswith("/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/"
                               "heavy/runCommands/glacier-p-0123abcd-heavy?api-version=2024-07-01")
        if method == "PUT":
            assert body["location"] == "westeurope" and body["properties"]["asyncExecution"] is True
            script = body["properties"]["source"]["script"]
            assert script.endswith("exec python3 job.py p heavy p-0123abcd az://staging-fn")
            return 201, {}
        if method == "DELETE":  # the ended command
            return 200, {}
        assert "$expand=instanceView" in path
        return 200, {"properties": {"instanceView": {"executionState": next(states), "exitCode": 0}}}

    with service(handle) as (url, seen):
        spec = {"kind": "vm", "vm": f"{url}/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/"
                                    "virtualMachines/heavy", "location": "westeurope", "staging": "az://staging-fn",
                "jobs_url": "https://jobs.example/jobs-worker", "client_id": "vm-client"}
        done = azure_remote.run(spec, EVENT, CAUSE, _environ(url), sleep=lambda _: None)
    assert done["remote"] == "vm" and done["detail"].startswith("Succeeded, exit code 0")
    assert [m for m, *_ in seen] == ["GET", "PUT", "GET", "GET", "GET", "DELETE"]


def test_a_failed_run_command_fails_the_activity_naming_the_nodes():
    def handle(method, path, headers, body):
        found = _identity(path, headers)
        if found:
            return found
        if method == "PUT":
            return 201, {}
        return 200, {"properties": {"instanceView": {"executionState": "Failed", "exitCode": 1,
                                                     "error": "node `heavy` failed: ColumnNotFoundError"}}}

    with service(handle) as (url, _):
        spec = {"kind": "vm", "vm": f"{url}/vm", "location": "l", "staging": "az://s", "jobs_url": "j",
                "client_id": "c"}
        with pytest.raises(RemoteFailed) as failed:
            azure_remote.run(spec, EVENT, CAUSE, _environ(url), sleep=lambda _: None)
    assert str(failed.value) == (f"{CAUSE} failed on vm: Failed, exit code 1: node `heavy` failed: "
                                 "ColumnNotFoundError")


def test_an_hdinsight_group_is_a_livy_batch_with_the_gateway_login():
    states = iter(["starting", "running", "success"])

    def handle(method, path, headers, body):
        assert headers["Authorization"] == "Basic " + base64.b64encode(b"admin:gateway-password").decode()
        assert headers["X-Requested-By"] == "glacier"
        if method == "POST":
            assert path == "/livy/batches"
            assert re.fullmatch(r"glacier-p-0123abcd-heavy-[0-9a-f]{8}", body.pop("name"))  # a retry's is new
            assert body == {"file": "abfss://jobs@acct.dfs.core.windows.net/spark/job.py",
                            "pyFiles": ["abfss://jobs@acct.dfs.core.windows.net/spark/glacier_runner_p.py"],
                            "args": ["p", "heavy", "p-0123abcd", "az://staging-fn"]}
            return 201, {"id": 7, "state": "starting"}
        assert path == "/livy/batches/7/state"
        return 200, {"id": 7, "state": next(states)}

    with service(handle) as (url, seen):
        spec = {"kind": "hdinsight", "cluster": url, "user": "admin", "password_setting": "HDI_PASSWORD",
                "job": "abfss://jobs@acct.dfs.core.windows.net/spark/job.py",
                "files": ["abfss://jobs@acct.dfs.core.windows.net/spark/glacier_runner_p.py"],
                "staging": "az://staging-fn"}
        done = azure_remote.run(spec, EVENT, CAUSE, ENVIRON, sleep=lambda _: None)
    assert done["detail"] == "Livy batch success" and len(seen) == 4


@pytest.mark.parametrize("index", [None, "https://pypi.internal.example/simple/o'neil\"$(x)/"])
def test_a_databricks_group_is_a_one_time_run_on_the_configured_cluster(index):
    """With the build's package index (`index`) every library names it as its `repo` (JSON-escaped in the body)."""
    states = iter([("PENDING", None), ("RUNNING", None), ("TERMINATED", "FAILED")])
    repo = {"repo": index} if index else {}

    def handle(method, path, headers, body):
        found = _identity(path, headers)
        if found:
            return found
        assert headers["Authorization"] == "Bearer token-databricks"
        if method == "POST":
            assert path == "/api/2.1/jobs/runs/submit"
            (task,) = body["tasks"]
            assert task["new_cluster"] == {"spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_D4ds_v5",
                                           "num_workers": 2, "spark_env_vars": {"GLACIER_STAGING_URI": "az://s"}}
            assert task["spark_python_task"] == {"python_file": "dbfs:/glacier/jobs/job.py",
                                                 "parameters": ["p", "heavy", "p-0123abcd", "az://s"]}
            assert task["libraries"] == [{"pypi": {"package": "polars==2.1.0", **repo}},
                                         {"pypi": {"package": "PyYAML", **repo}}]
            return 200, {"run_id": 42}
        assert path == "/api/2.1/jobs/runs/get?run_id=42"
        life, result = next(states)
        return 200, {"state": {"life_cycle_state": life, "result_state": result, "state_message": "boom"}}

    with service(handle) as (url, _):
        spec = {"kind": "databricks", "workspace": url, "spark_version": "15.4.x-scala2.12",
                "node_type": "Standard_D4ds_v5", "workers": 2, "job": "dbfs:/glacier/jobs/job.py", "staging": "az://s",
                "libraries": ["polars==2.1.0", "PyYAML"], **({"index": index} if index else {})}
        with pytest.raises(RemoteFailed, match=r"failed on databricks: run 42 FAILED: boom"):
            azure_remote.run(spec, EVENT, CAUSE, _environ(url), sleep=lambda _: None)


def test_the_run_command_script_fetches_the_job_and_runs_the_group(tmp_path: Path):
    """The script as the VM runs it (bash, python3 with Polars 2.1.0): its identity token from the metadata
    service, the job folder from the blob endpoint with it, then job.py on local data and staging."""
    from glacierc.backends.runner import emit_with_diagnostics
    from glacierc.backends.terraform.job_package import job_files
    from glacierc.driver import compile_project

    source = tmp_path / "pipeline.py"
    source.write_text('''import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureVMConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000045"))
worker = provider.vm(config=AzureVMConfig())
raw = provider.bucket(bucket="raw", path="in.parquet")


@worker.task()
def heavy(source) -> pl.LazyFrame:
    return source.scan().with_columns(b=pl.col("a") * 2)


@pipeline(name="p")
def p():
    return heavy(raw)
''', encoding="utf-8")
    result = compile_project([str(source)])
    runners, _ = emit_with_diagnostics(result.project, result.sources)
    files = job_files("worker", "pipeline.py:6", "worker", {"p": ("p", {"heavy": ("heavy",)})},
                      {"p": next(iter(runners.values()))})
    served = {Path(path).name: text.encode() for path, text in files.items()}
    served["files.txt"] = "\n".join(sorted(served)).encode()

    def handle(method, path, headers, body):
        if path.startswith("/metadata/identity/oauth2/token"):
            assert headers["Metadata"] == "true" and "client_id=vm-client" in path and "storage.azure.com" in path
            return 200, {"access_token": "vm-token"}
        assert headers["Authorization"] == "Bearer vm-token" and headers["x-ms-version"] == "2021-08-06"
        return 200, served[path.rsplit("/", 1)[1]]

    data, staging = tmp_path / "data", tmp_path / "staging"
    (data / "raw").mkdir(parents=True)
    pl.DataFrame({"a": [1, 2]}).write_parquet(data / "raw" / "in.parquet")
    python = tmp_path / "bin"
    python.mkdir()
    (python / "python3").symlink_to(sys.executable)
    with service(handle) as (url, seen):
        script = azure_remote.run_command_script(f"{url}/jobs-worker", "vm-client", EVENT | {"group": "heavy"},
                                                 str(staging))
        env = {**os.environ, "PATH": f"{python}{os.pathsep}{os.environ['PATH']}", "GLACIER_IMDS": url,
               "GLACIER_DATA_DIR": str(data), "PYTHONPATH": ""}
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=300,
                              cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    assert "pip install" not in done.stderr  # Polars 2.1.0 was there already
    assert pl.read_parquet(staging / "p-0123abcd" / "heavy.parquet")["b"].to_list() == [2, 4]
    assert {p.rsplit("/", 1)[1] for _, p, _, _ in seen if "jobs-worker" in p} == set(served)


def test_an_objects_run_carries_its_key_quoted_and_a_name_of_its_own():
    """A blob name is hostile: in the Run Command's script it is one shell word, whatever it holds; the runs
    of two objects (and two attempts of a Livy batch) never share a name, however long the group."""
    item = "events/x'; touch /tmp/glacier-pwned; echo '$(id).parquet"
    event = EVENT | {"group": "g" * 90, "item": item, "index": "12"}
    script = azure_remote.run_command_script("https://jobs.example/jobs-worker", "vm-client", event, "az://s")
    done = subprocess.run(["bash", "-c", script.rsplit("\n", 1)[1].replace("exec python3 job.py", "printf '%s\\n'")],
                          capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.splitlines() == ["p", "g" * 90, "p-0123abcd", "az://s", item, "12"]
    names = {azure_remote._name(event), azure_remote._name(event | {"index": "13"})}
    assert len(names) == 2 and all(len(n) <= 80 and n.endswith(("-12", "-13")) for n in names)
    livy = azure_remote._name(event, unique=True)
    assert re.fullmatch(r"glacier-[-a-z0-9]+-12-[0-9a-f]{8}", livy) and len(livy) <= 80
    assert livy != azure_remote._name(event, unique=True)
