"""vm nodes of an Azure pipeline, orchestrated: the SDK replays the home app's orchestrator
(tests/azure_durable.py); the vm group's activity (the app's own code and its bundled glacier_remote.py)
creates a managed Run Command on a stand-in of Resource Manager, which runs the command's script here with
bash, as the VM would: it takes a token from a stand-in of the VM's metadata service, fetches the job files
the build wrote from the stand-in blob endpoint, and runs job.py on local data and staging. The Terraform
of the slice (settings, job blobs, roles) is read back with python-hcl2."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from terraform_tools import read_blocks

from tests.helpers import build_source
from stand_in import serving

SOURCE = '''import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureVMConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000046"))
local_exec = provider.local()
vm = provider.vm(config=AzureVMConfig(size="Standard_D4s_v5"))
raw = provider.bucket(bucket="raw", path="in.parquet")
out = provider.bucket(bucket="out", path="out.parquet")


@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()


@vm.task(timeout=1200)
def heavy(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(b=pl.col("a") * 2)


@local_exec.task()
def save(frame: pl.LazyFrame) -> None:
    out.write(frame)


@pipeline(name="p")
def p():
    save(heavy(load(raw)))
'''


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_source(SOURCE, tmp_path_factory.mktemp("vm_groups")) / "terraform"


class Requests(list):
    """(method, path) of every request served; `run_commands`: the bodies of the Run Commands created."""

    def __init__(self) -> None:
        super().__init__()
        self.run_commands: list[dict] = []


@contextlib.contextmanager
def azure(module: Path, work: Path, data: Path | None) -> Iterator[tuple[str, list]]:
    """Resource Manager's Run Commands, the Functions and VM identity endpoints and the job blobs; a command's
    script runs with GLACIER_DATA_DIR=`data` (None: with the test's environment, e.g. Azurite's settings)."""
    runs: dict[str, subprocess.Popen] = {}
    seen = Requests()
    python = work / "bin"
    python.mkdir(parents=True, exist_ok=True)
    if not (python / "python3").exists():
        (python / "python3").symlink_to(sys.executable)

    def answer(method: str, path: str, headers, body) -> tuple[int, object]:
        seen.append((method, path))
        if path.startswith("/msi"):  # the app's identity (IDENTITY_ENDPOINT)
            assert headers["X-IDENTITY-HEADER"] == "app-secret"
            return 200, {"access_token": "app-token"}
        if path.startswith("/metadata/identity/oauth2/token"):  # the VM's identity (IMDS)
            assert headers["Metadata"] == "true" and "client_id=vm-client" in path
            return 200, {"access_token": "vm-token"}
        if path.startswith("/jobs-"):
            assert headers["Authorization"] == "Bearer vm-token"
            return 200, (module / "jobs" / "vm" / path.rsplit("/", 1)[1]).read_bytes()
        assert path.startswith("/vm/heavy/runCommands/") and headers["Authorization"] == "Bearer app-token"
        name = path.split("?")[0]
        if method == "DELETE":  # the ended command: its process has been read
            assert runs[name].returncode is not None
            return 200, {}
        if method == "PUT":
            seen.run_commands.append(body)
            env = {**os.environ, "PATH": f"{python}{os.pathsep}{os.environ['PATH']}", "GLACIER_IMDS": url,
                   **({"GLACIER_DATA_DIR": str(data)} if data else {}), "PYTHONPATH": ""}
            runs[name] = subprocess.Popen(["bash", "-c", body["properties"]["source"]["script"]], env=env,
                                          cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            return 201, {}
        process = runs[name]
        if process.poll() is None:
            return 200, {"properties": {"instanceView": {"executionState": "Running"}}}
        output, error = process.communicate()
        state = "Succeeded" if process.returncode == 0 else "Failed"
        return 200, {"properties": {"instanceView": {"executionState": state, "exitCode": process.returncode,
                                                     "output": output[-2000:], "error": error[-2000:]}}}

    with serving(lambda request: answer(request.method, request.path, request.headers, request.json())) as url:
        yield url, seen


def test_a_vm_group_runs_as_a_run_command_of_the_orchestration(built, tmp_path, monkeypatch):
    pytest.importorskip("azure.durable_functions")
    from azure_durable import Host, load_app

    data, staging = tmp_path / "data", tmp_path / "staging"
    (data / "raw").mkdir(parents=True)
    pl.DataFrame({"a": [1, 2]}).write_parquet(data / "raw" / "in.parquet")
    jobs = read_blocks(built)["azurerm_storage_container"]["vm_jobs"]["name"]
    with azure(built, tmp_path / "vm", data) as (url, seen):
        spec = {"kind": "vm", "vm": f"{url}/vm/heavy", "location": "westeurope", "jobs_url": f"{url}/{jobs}",
                "client_id": "vm-client", "environment": {}, "poll_seconds": 0.2}
        for key, value in {"GLACIER_DATA_DIR": str(data), "GLACIER_STAGING_URI__p": str(staging),
                           "GLACIER_VM_HEAVY": json.dumps(spec), "IDENTITY_ENDPOINT": f"{url}/msi",
                           "IDENTITY_HEADER": "app-secret", "AZURE_CLIENT_ID": "app-client"}.items():
            monkeypatch.setenv(key, value)
        app = load_app((built / "functions" / "local_exec.zip").read_bytes(), tmp_path / "app")
        host = Host(app, "orchestrate_p")
        state = host.run()
    assert state["isDone"] and state.get("error") is None, state
    assert [(c.activity, c.error) for c in host.calls] == [("run_p__load", None), ("run_p__heavy", None),
                                                           ("run_p__save", None)]
    assert pl.read_parquet(data / "out" / "out.parquet")["b"].to_list() == [2, 4]
    assert ("PUT" in {m for m, _ in seen}) and any(p.endswith("/files.txt") for _, p in seen)
    assert [m for m, p in seen if "/runCommands/" in p][-1] == "DELETE"  # nothing is left on the VM
    # the command ends after the group's `timeout=` (heavy's 1200 s), not the Run Command default of an hour
    assert [c["properties"]["timeoutInSeconds"] for c in seen.run_commands] == [1200]


def test_the_slice_grants_exactly_what_it_uses(built):
    resources = read_blocks(built)
    role = resources["azurerm_role_definition"]["glacier_run_commands"]
    assert role["permissions"][0]["actions"] == ["Microsoft.Compute/virtualMachines/runCommands/delete",
                                                 "Microsoft.Compute/virtualMachines/runCommands/read",
                                                 "Microsoft.Compute/virtualMachines/runCommands/write"]
    assignments = resources["azurerm_role_assignment"]
    runs = assignments["local_exec_runs_heavy"]
    assert runs["scope"] == "${azurerm_linux_virtual_machine.heavy.id}"
    assert runs["principal_id"] == "${azurerm_user_assigned_identity.local_exec.principal_id}"
    assert assignments["vm_jobs_read"]["role_definition_name"] == "Storage Blob Data Reader"
    staging = assignments["vm_p_staging"]["condition"]
    assert "StringLike 'p-*/load.*'" in staging and "StringLike 'p-*/heavy.*'" in staging
    assert "save" not in staging  # the VM reads load's result and stages heavy's, nothing else
    blobs = {b["name"] for b in resources["azurerm_storage_blob"].values()}
    assert blobs == {"files.txt", "job.py", "glacier_runner_p.py", "requirements.txt", "glacier_installed.py"}
    assert "GLACIER_VM_HEAVY = jsonencode(" in (built / "compute.tf").read_text(encoding="utf-8")
