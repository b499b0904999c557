"""Databricks groups of an Azure pipeline, orchestrated: the SDK replays the home app's orchestrator
(tests/azure_durable.py); the Databricks group's activity (the app's own code and its bundled glacier_remote.py)
takes its tokens from a stand-in of the app's identity endpoint and submits a one-time run to a stand-in of the
workspace's REST API (exactly the calls used: secrets/put, jobs/runs/submit, jobs/runs/get, secrets/delete),
which checks them as the workspace would and runs each run as its job cluster would: the built job folder's
job.py (the workspace file the run names) with the runners beside it, the run's parameters and its
`spark_env_vars` with the secret reference resolved, here against Azurite. A plain group and the objects of a
map; the outputs equal the local runner's; the slice's Terraform (providers, principal, policy, scope, files,
settings, roles) is read back with python-hcl2."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from azure_durable import Host, azurite_environment, azurite_or_skip, blob_service, load_app, local_outputs
from stand_in import Request, serving
from terraform_tools import read_blocks
from test_azure_remote_maps import _parquet, _read

from glacierc.runtime import azure_remote
from tests.helpers import FIXTURES, build_source

SOURCE = (FIXTURES / "terraform_azure" / "databricks_runs" / "pipeline.py").read_text(encoding="utf-8")
JOBS = "/Shared/acme/jobs/notebooks"  # the workspace folder of the executor's job files (name_prefix acme)
OBJECTS = {"events/2026-01-01.parquet": [1, 2], "events/2026-01-02.parquet": [3], "events/2026-01-03.parquet": [4, 5]}
APP_CLIENT, EXECUTOR_CLIENT, IDENTITY_SECRET = "app-client", "notebooks-client", "identity-header-secret"
WORKSPACE_TOKEN = "app-token-for-databricks"
SECRET_KEY = re.compile(r"[A-Za-z0-9_.-]{1,128}")  # what the Secrets API accepts as a key
REFERENCE = re.compile(r"\{\{secrets/([^/}]+)/([^}]+)\}\}")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_source(SOURCE, tmp_path_factory.mktemp("databricks_runs"))


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    yield from azurite_or_skip(tmp_path_factory)


@dataclass
class Workspace:
    """What the stand-in saw: every request (method, route, body), the scope's secrets now, the keys ever put,
    the storage tokens issued and the environment each run's cluster got."""

    seen: list = field(default_factory=list)
    secrets: dict = field(default_factory=dict)
    keys: list = field(default_factory=list)
    tokens: list = field(default_factory=list)
    environments: list = field(default_factory=list)


@contextlib.contextmanager
def workspace(jobs: Path, work: Path, azurite: str) -> Iterator[tuple[str, Workspace]]:
    """The app's identity endpoint (`/msi`) and the workspace's REST API, on one local server (tests/stand_in.py)."""
    state, runs = Workspace(), {}

    def identity(request: Request) -> tuple[int, object]:
        assert request.headers["X-IDENTITY-HEADER"] == IDENTITY_SECRET
        resource, client = request.query["resource"], request.query["client_id"]
        if resource == azure_remote.DATABRICKS_RESOURCE:
            assert client == APP_CLIENT, "the app signs in to the workspace as its own identity"
            return 200, {"access_token": WORKSPACE_TOKEN}
        assert (resource, client) == (azure_remote.STORAGE_RESOURCE, EXECUTOR_CLIENT), request.path
        state.tokens.append(f"storage-token-{len(state.tokens)}")
        return 200, {"access_token": state.tokens[-1]}

    def submit(body: dict) -> tuple[int, object]:
        (task,) = body["tasks"]
        cluster, python = task["new_cluster"], task["spark_python_task"]
        assert (cluster["policy_id"], cluster["node_type_id"], cluster["num_workers"]) == ("policy-1",
                                                                                          "Standard_DS4_v2", 2)
        assert python["source"] == "WORKSPACE" and python["python_file"] == f"{JOBS}/job.py"
        assert task["libraries"] and task["libraries"][0]["pypi"]["package"].startswith("polars")
        environment = {}
        for name, value in cluster["spark_env_vars"].items():
            found = REFERENCE.fullmatch(value)
            if found and (found[1], found[2]) not in state.secrets:
                return 400, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"no secret {value}"}
            environment[name] = state.secrets[(found[1], found[2])] if found else value
        state.environments.append(environment)
        folder = work / f"run{len(runs)}"
        folder.mkdir(parents=True)
        for path in jobs.iterdir():  # the workspace files of the executor's folder
            shutil.copy(path, folder)
        # Azurite takes its account key, not an Entra ID token: the resolved token is checked, then replaced
        job_env = {k: v for k, v in environment.items() if k != "AZURE_STORAGE_TOKEN"}
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AZURE", "GLACIER", "IDENTITY"))},
               **job_env, **azurite_environment(azurite), "PYTHONPATH": ""}
        runs[len(runs) + 1] = subprocess.Popen([sys.executable, "job.py", *python["parameters"]], cwd=folder,
                                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return 200, {"run_id": len(runs)}

    def poll(number: int) -> tuple[int, object]:
        process = runs[number]
        if process.poll() is None:
            return 200, {"state": {"life_cycle_state": "RUNNING"}}
        _, stderr = process.communicate()
        result = "SUCCESS" if process.returncode == 0 else "FAILED"
        return 200, {"state": {"life_cycle_state": "TERMINATED", "result_state": result,
                               "state_message": stderr.strip()[-300:]}}

    def answer(request: Request) -> tuple[int, object]:
        if request.route == "/msi":
            return identity(request)
        body = request.json()
        state.seen.append((request.method, request.route, body))
        assert request.headers["Authorization"] == f"Bearer {WORKSPACE_TOKEN}"
        if (request.method, request.route) == ("POST", "/api/2.0/secrets/put"):
            assert body["scope"] == "glacier" and SECRET_KEY.fullmatch(body["key"]), body["key"]
            state.secrets[(body["scope"], body["key"])] = body["string_value"]
            state.keys.append(body["key"])
            return 200, {}
        if (request.method, request.route) == ("POST", "/api/2.0/secrets/delete"):
            del state.secrets[(body["scope"], body["key"])]
            return 200, {}
        if (request.method, request.route) == ("POST", "/api/2.1/jobs/runs/submit"):
            return submit(body)
        assert (request.method, request.route) == ("GET", "/api/2.1/jobs/runs/get"), request.path
        return poll(int(request.query["run_id"]))

    with serving(answer) as url:
        yield url, state


def _spec(built: Path, url: str) -> dict:
    """The app setting `GLACIER_DATABRICKS_NOTEBOOKS` with the values Terraform would give its references (the
    fields are exactly those compute.tf declares)."""
    compute = (built / "terraform" / "compute.tf").read_text(encoding="utf-8")
    declared = compute.split("GLACIER_DATABRICKS_NOTEBOOKS = jsonencode({", 1)[1].split("\n    })", 1)[0]
    requirements = (built / "terraform" / "jobs" / "notebooks" / "requirements.txt").read_text(encoding="utf-8")
    spec = {"kind": "databricks", "workspace": url, "spark_version": "15.4.x-scala2.12",
            "node_type": "Standard_DS4_v2", "workers": 2, "policy_id": "policy-1", "job": f"{JOBS}/job.py",
            "libraries": [line for line in requirements.splitlines() if line and not line.startswith(("#", "-"))],
            "secret_scope": "glacier", "storage_identity": EXECUTOR_CLIENT,
            "environment": {"AZURE_STORAGE_ACCOUNT_NAME": "devstoreaccount1"}}
    assert sorted(spec) == sorted(re.findall(r"^      (\w+) += ", declared, re.MULTILINE))
    return {**spec, "poll_seconds": 0.2}


@contextlib.contextmanager
def deployed(built: Path, azurite: str, tmp_path: Path, monkeypatch, objects: dict[str, bytes]):
    """The built home app, loaded as the Functions host would load it, with its settings pointing at the
    workspace stand-in and Azurite (`raw/in.parquet` and `objects` uploaded); the app, the blob service, what the
    workspace saw and the staging container, while the workspace serves."""
    pytest.importorskip("azure.durable_functions")
    staging = read_blocks(built / "terraform")["azurerm_storage_container"]["p_staging"]["name"]
    service = blob_service(azurite, ("raw", "out", staging), empty=True)
    service.get_blob_client("raw", "in.parquet").upload_blob(_parquet([1, 2, 3]))
    for name, data in objects.items():
        service.get_blob_client("raw", name).upload_blob(data)
    with workspace(built / "terraform" / "jobs" / "notebooks", tmp_path / "cluster", azurite) as (url, seen):
        for key, value in {**azurite_environment(azurite), "GLACIER_STAGING_URI__p": f"az://{staging}",
                           "GLACIER_DATABRICKS_NOTEBOOKS": json.dumps(_spec(built, url)),
                           "IDENTITY_ENDPOINT": f"{url}/msi", "IDENTITY_HEADER": IDENTITY_SECRET,
                           "AZURE_CLIENT_ID": APP_CLIENT}.items():
            monkeypatch.setenv(key, value)
        app = load_app((built / "terraform" / "functions" / "local_exec.zip").read_bytes(), tmp_path / "app")
        yield app, service, seen, staging


def _run(built: Path, azurite: str, tmp_path: Path, monkeypatch, objects: dict[str, bytes]):
    """The orchestration, replayed, with the workspace stand-in; the host, its state, the blob service, what the
    workspace saw and the staging container."""
    with deployed(built, azurite, tmp_path, monkeypatch, objects) as (app, service, seen, staging):
        host = Host(app, "orchestrate_p", instance_id="dbdbdbdbdbdbdbdbdbdbdbdbdbdbdbdb")
        state = host.run()
    return host, state, service, seen, staging


def test_databricks_groups_and_objects_are_one_time_runs_and_the_result_is_the_local_runners(
        built, azurite, tmp_path, monkeypatch):
    host, state, service, seen, staging = _run(built, azurite, tmp_path, monkeypatch,
                                               {name: _parquet(values) for name, values in OBJECTS.items()})
    assert state["isDone"] and state.get("error") is None, state
    actions = [a["functionName"] for a in host.actions]
    assert sorted(actions[:2]) == ["list_p__bump", "run_p__load"]  # level 0: load, then bump's listing
    assert actions[2:] == ["run_p__bump"] * 3 + ["run_p__heavy", "run_p__save"]
    submitted = [body for method, route, body in seen.seen if route == "/api/2.1/jobs/runs/submit"]
    parameters = sorted(b["tasks"][0]["spark_python_task"]["parameters"] for b in submitted)
    run = f"p-{host.instance_id}"
    assert parameters == sorted([["p", "heavy", run, f"az://{staging}"],
                                 *(["p", "bump", run, f"az://{staging}", name, str(n)]
                                   for n, name in enumerate(sorted(OBJECTS)))])
    # a run ends after its group's `timeout=` (heavy's 900 s); bump has none, so its runs have no limit
    assert sorted((b["tasks"][0]["spark_python_task"]["parameters"][1], b["timeout_seconds"]) for b in submitted) == [
        ("bump", 0), ("bump", 0), ("bump", 0), ("heavy", 900)]
    # each run had its own key and token, of the executor's identity; every key is gone once its run ended
    assert len(set(seen.keys)) == len(submitted) == len(set(seen.tokens)) == 4 and not seen.secrets
    assert sorted(e["AZURE_STORAGE_TOKEN"] for e in seen.environments) == sorted(seen.tokens)
    assert all(e["AZURE_STORAGE_ACCOUNT_NAME"] == "devstoreaccount1" for e in seen.environments)
    items = [e for e in seen.environments if "GLACIER_ITEM_RETRIES" in e]
    assert len(items) == 3 and all(e["GLACIER_ITEM_RETRIES"] == "in-job" for e in items)
    staged = {b.name.split("/", 1)[1] for b in service.get_container_client(staging).list_blobs()}
    assert {"heavy.parquet", *(f"bump/{n}.parquet" for n in range(3))} <= staged
    data = local_outputs(built, tmp_path / "data", {"raw/in.parquet": [1, 2, 3], **{
        f"raw/{name}": values for name, values in OBJECTS.items()}})
    for name in ("doubled.parquet", "bumped.parquet"):
        assert _read(service, "out", name).equals(pl.read_parquet(data / "out" / name)), name


def test_a_bad_object_fails_its_run_and_the_map_naming_it(built, azurite, tmp_path, monkeypatch):
    objects = {name: _parquet(values) for name, values in OBJECTS.items()}
    objects["events/2026-01-02.parquet"] = b"not parquet"
    host, state, _, seen, _ = _run(built, azurite, tmp_path, monkeypatch, objects)
    assert "glacier.NodeFailed: node `bump` (task `bump`, pipeline.py:" in state["error"]
    assert "failed on 1 of 3 objects of dataset `events` (0 tolerated): events/2026-01-02.parquet: " in state["error"]
    assert "failed on databricks: run " in state["error"] and " FAILED: " in state["error"]
    assert "run_p__save" not in [a["functionName"] for a in host.actions]
    assert not seen.secrets  # a failed run's token key is deleted too


def test_the_slice_gives_the_app_a_principal_a_policy_and_a_scope_and_no_secret(built):
    module = built / "terraform"
    resources, providers = read_blocks(module), read_blocks(module, "provider")
    provider = providers["databricks"]  # one workspace, one alias
    assert provider["alias"] == "notebooks"
    assert provider["azure_workspace_resource_id"] == "${azurerm_databricks_workspace.notebooks.id}"
    principal = resources["databricks_service_principal"]["notebooks_local_exec"]
    assert principal["application_id"] == "${azurerm_user_assigned_identity.local_exec.client_id}"
    assert principal["allow_cluster_create"] is False and principal["provider"] == "${databricks.notebooks}"
    (grant,) = resources["databricks_permissions"]["notebooks_policy"]["access_control"]
    assert grant == {"service_principal_name": "${databricks_service_principal.notebooks_local_exec.application_id}",
                     "permission_level": "CAN_USE"}
    definition = resources["databricks_cluster_policy"]["notebooks"]["definition"]
    for key, value in (("cluster_type", '"job"'), ("node_type_id", '"Standard_DS4_v2"'), ("num_workers", "2")):
        assert re.search(rf"{key}\W+type\W+fixed\W+value\W+{re.escape(value)}", definition), (key, definition)
    acl = resources["databricks_secret_acl"]["notebooks_local_exec"]
    assert (acl["permission"], acl["scope"]) == ("WRITE", "${databricks_secret_scope.notebooks.name}")
    files = {f["path"] for f in resources["databricks_workspace_file"].values()}
    assert files == {"/Shared/${var.name_prefix}/jobs/notebooks/" + name for name in (
        "job.py", "glacier_runner_p.py", "requirements.txt", "glacier_installed.py")}
    app = resources["azurerm_linux_function_app"]["local_exec"]
    assert app["identity"][0]["identity_ids"] == ["${azurerm_user_assigned_identity.local_exec.id}",
                                                  "${azurerm_user_assigned_identity.notebooks.id}"]
    assert not any(word in json.dumps(app["app_settings"]).lower() for word in ("token", "password", "secret_value"))
    versions = (module / "versions.tf").read_text(encoding="utf-8")
    assert 'source  = "databricks/databricks"' in versions
    # the executor's identity (the runs' tokens) holds its proven role and its groups' staged paths only
    assignments = resources["azurerm_role_assignment"]
    mine = {label: a for label, a in assignments.items()
            if a["principal_id"] == "${azurerm_user_assigned_identity.notebooks.principal_id}"}
    assert set(mine) == {"notebooks_raw", "notebooks_p_staging"}
    assert mine["notebooks_raw"]["role_definition_name"] == "Storage Blob Data Reader"
    condition = mine["notebooks_p_staging"]["condition"]
    assert all(f"'p-*/{path}'" in condition for path in ("load.*", "heavy.*", "bump/*")) and "save" not in condition


@pytest.mark.parametrize("hostile", ['a"b', "x${var.y}", "line\nbreak", "{{secrets/other/key}}", "é/../'"])
def test_run_names_and_secret_keys_from_hostile_values_stay_inside_their_contexts(hostile):
    """The run's name and its token's key come from the event (the run id carries the instance id, the group a
    node id): whatever they hold, the key is one the Secrets API takes and the reference names only it."""
    event = {"pipeline": hostile, "group": hostile, "run_id": f"p-{hostile}", "item": hostile, "index": "3"}
    name = azure_remote._name(event, unique=True)
    assert SECRET_KEY.fullmatch(name) and re.fullmatch(r"[A-Za-z0-9-]+", name) and len(name) <= 80
    reference = "{{secrets/glacier/" + name + "}}"
    assert REFERENCE.fullmatch(reference)[2] == name


def test_a_refused_run_leaves_no_token_in_the_scope():
    """runs/submit answering 400: the activity fails and the key it put is deleted."""
    secrets: dict = {}

    def answer(request: Request) -> tuple[int, object]:
        body = request.json()
        if request.route == "/msi":
            return 200, {"access_token": "t"}
        if request.route == "/api/2.0/secrets/put":
            secrets[body["key"]] = body["string_value"]
            return 200, {}
        if request.route == "/api/2.0/secrets/delete":
            del secrets[body["key"]]
            return 200, {}
        return 400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "policy refused"}

    with serving(answer) as url:
        spec = {"kind": "databricks", "workspace": url, "spark_version": "15.4.x-scala2.12", "node_type": "n",
                "workers": 1, "job": f"{JOBS}/job.py", "libraries": [], "secret_scope": "glacier",
                "storage_identity": EXECUTOR_CLIENT, "staging": "az://s"}
        environ = {"IDENTITY_ENDPOINT": f"{url}/msi", "IDENTITY_HEADER": "h", "AZURE_CLIENT_ID": APP_CLIENT}
        with pytest.raises(RuntimeError, match="answered 400: .*policy refused"):
            azure_remote.run(spec, {"pipeline": "p", "group": "g", "run_id": "p-1"}, "node `g`", environ,
                             sleep=lambda _: None)
    assert secrets == {}


def test_a_hostile_runtime_version_stays_one_hcl_string_in_the_policy_and_the_setting(tmp_path):
    """DatabricksConfig.spark_version is user text: with quotes, `${`, `%{` and a newline it is still one HCL
    string (escaped, template sequences doubled) in the cluster policy and the app setting, and fmt-canonical."""
    hostile = '15.4.x-scala2.12"${var.x}%{ if 1 }\n'
    source = SOURCE.replace('num_workers=2)', f'num_workers=2, spark_version={hostile!r})')
    module = build_source(source, tmp_path) / "terraform"
    compute = (module / "compute.tf").read_text(encoding="utf-8")
    escaped = '"15.4.x-scala2.12\\"$${var.x}%%{ if 1 }\\n"'
    assert compute.count(f"spark_version    = {escaped}") == 1 and compute.count(f"value = {escaped}") == 1
    definition = read_blocks(module)["databricks_cluster_policy"]["notebooks"]["definition"]
    assert "$${var.x}%%{ if 1 }" in definition and "${var.x}" not in definition.replace("$${", "")
    if shutil.which("terraform"):
        done = subprocess.run(["terraform", "fmt", "-check", "-diff", str(module)], capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
