"""Running one fused group of an Azure pipeline on a service outside its Function App, from an activity:
submit the group's job, poll it until it ends, return its outcome or raise naming the nodes.

The job everywhere is the generated `job.py PIPELINE GROUP RUN_ID STAGING_URI` (entrypoints/gcp_job.py,
cloud-neutral) with the pipeline's runner beside it, as GCP's Dataproc and Batch jobs run it:

- `vm` (AzureVMConfig): a **managed Run Command** on the group's VM (`PUT {vm}/runCommands/{name}` with
  `asyncExecution`, then `GET ...?$expand=instanceView` until `executionState` ends, then `DELETE`), whose script is
  `run_command_script`: it fetches the job folder with the VM's identity, installs the folder's
  requirements.txt (the executor's requirement set, computed by glacierc) unless its glacier_installed.py
  finds it installed, and runs the job. Chosen over Azure Batch: the VM exists already (the module declares it), a Run
  Command needs only `runCommands/write`, `read` and `delete` on that one VM, and no Batch account, pool or
  certificate is added; the price is a VM that runs between runs (stop it, or move to Batch later).
- `hdinsight` (SparkConfig on HDInsight): a **Livy batch** (`POST {cluster}/livy/batches` with `file`,
  `pyFiles`, `args`, `conf` (the job's environment in its driver, the interpreter), the `X-Requested-By` header
  Livy requires, then `GET /livy/batches/{id}/state`), logged in as the gateway user with the password the
  app setting `password_setting` names (a Key Vault reference the Functions host resolves).
- `databricks` (DatabricksConfig): a **one-time job run** (`POST {workspace}/api/2.1/jobs/runs/submit`
  with one `spark_python_task`, the workspace file `job`, on a new job cluster of the config's node type and
  workers under the spec's cluster policy, the spec's `libraries` (requirement lines) as its PyPI libraries,
  each from the spec's `index` (its `repo`) when that names a package index, then `GET
  /api/2.1/jobs/runs/get?run_id=` until `life_cycle_state` is terminal, `result_state` saying how). The job
  cluster has no managed identity: the activity takes a storage token of the executor's identity
  (`storage_identity`, a user-assigned identity the app carries too), puts it in the workspace's secret scope
  under the run's own key (`POST /api/2.0/secrets/put`) and the cluster's `AZURE_STORAGE_TOKEN` is the
  reference `{{secrets/<scope>/<key>}}`, resolved when the cluster starts; the key is deleted when the run ends.

Tokens come from the app's managed identity (`IDENTITY_ENDPOINT` / `IDENTITY_HEADER`, the client id in
AZURE_CLIENT_ID), for the resource each API takes; the Livy gateway takes the cluster's HTTP credentials.
This module imports nothing of glacierc and only the standard library: it is copied into the app package.
"""

from __future__ import annotations

import json
import secrets
import shlex
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

#: What job.py (entrypoints/gcp_job.py) reads to retry an object of a mapped group itself: the orchestration
#: runs each object's Run Command or Livy batch once, so the task's `retries=` apply inside the job.
ITEM_RETRIES = {"GLACIER_ITEM_RETRIES": "in-job"}

ARM_RESOURCE = "https://management.azure.com/"
STORAGE_RESOURCE = "https://storage.azure.com/"
DATABRICKS_RESOURCE = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"  # Azure Databricks' application id
RUN_COMMAND_API = "2024-07-01"
POLL_SECONDS = 15.0
#: What a job folder carries for its node to install (glacierc/runtime/installed.py is the check).
REQUIREMENTS_FILE = "requirements.txt"
INSTALLED_CHECK = "glacier_installed.py"
_LIVY_ENDED = {"success": True, "dead": False, "killed": False, "error": False}
_DATABRICKS_ENDED = ("TERMINATED", "SKIPPED", "INTERNAL_ERROR")
_RUN_COMMAND_ENDED = {"Succeeded": True, "Failed": False, "TimedOut": False, "Canceled": False}


class RemoteFailed(Exception):
    """The group's job ended without success; the message names the nodes and what the service said."""


Http = Callable[[str, str, Mapping[str, str], object], dict]


def http_json(method: str, url: str, headers: Mapping[str, str], body: object = None) -> dict:
    """One JSON request (urllib); an error status raises RuntimeError with the service's message."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Accept": "application/json", **({"Content-Type": "application/json"} if data is not None else {}),
        **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (service URLs of the module)
            text = answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{method} {_where(url)} answered {error.code}: "
                           f"{error.read().decode('utf-8', 'replace')[:500]}") from None
    found = json.loads(text) if text.strip() else {}
    return found if isinstance(found, dict) else {"value": found}


def identity_token(resource: str, environ: Mapping[str, str], http: Http = http_json) -> str:
    """An access token for `resource` from the Function App's managed identity."""
    query = {"resource": resource, "api-version": "2019-08-01"}
    if environ.get("AZURE_CLIENT_ID"):
        query["client_id"] = environ["AZURE_CLIENT_ID"]
    url = f"{environ['IDENTITY_ENDPOINT']}?{urllib.parse.urlencode(query)}"
    return str(http("GET", url, {"X-IDENTITY-HEADER": environ["IDENTITY_HEADER"]}, None)["access_token"])


def run(spec: Mapping[str, Any], event: Mapping[str, str], cause: str, environ: Mapping[str, str],
        http: Http = http_json, sleep: Callable[[float], None] = time.sleep) -> dict:
    """Run the group `event` names on `spec["kind"]`'s service; its outcome, or RemoteFailed naming `cause`."""
    kind = spec["kind"]
    submit, poll = {"vm": (_run_command_submit, _run_command_poll), "hdinsight": (_livy_submit, _livy_poll),
                    "databricks": (_databricks_submit, _databricks_poll)}[str(kind)]
    headers = _headers(spec, environ, http)
    handle = submit(spec, event, headers, http, environ)
    try:
        while True:
            done, detail = poll(spec, handle, headers, http)
            if done is not None:
                break
            sleep(float(spec.get("poll_seconds", POLL_SECONDS)))
    finally:
        if kind == "databricks":
            _databricks_forget(spec, handle, headers, http)
    if kind == "vm":
        detail += _run_command_delete(handle, headers, http)
    if not done:
        raise RemoteFailed(f"{cause} failed on {kind}: {detail}")
    return {"pipeline": event["pipeline"], "group": event["group"], "remote": kind, "detail": detail}


def job_args(spec: Mapping[str, Any], event: Mapping[str, str]) -> list[str]:
    """job.py's arguments: PIPELINE GROUP RUN_ID STAGING_URI, and ITEM INDEX for one object of a mapped node."""
    item = [event["item"], event["index"]] if "item" in event else []
    return [event["pipeline"], event["group"], event["run_id"], str(spec["staging"]), *item]


def _headers(spec: Mapping[str, Any], environ: Mapping[str, str], http: Http) -> dict[str, str]:
    if spec["kind"] == "hdinsight":  # the cluster gateway's HTTP login, from the app's settings
        import base64

        login = f"{spec['user']}:{environ[str(spec['password_setting'])]}".encode()
        return {"Authorization": f"Basic {base64.b64encode(login).decode()}", "X-Requested-By": "glacier"}
    resource = ARM_RESOURCE if spec["kind"] == "vm" else DATABRICKS_RESOURCE
    return {"Authorization": f"Bearer {identity_token(resource, environ, http)}"}


# --- vm: a managed Run Command -------------------------------------------------------------------------

def run_command_script(jobs_url: str, client_id: str, event: Mapping[str, str], staging: str,
                       environment: Mapping[str, str] | None = None) -> str:
    """The shell script the Run Command runs on the VM: fetch the job folder (job.py and the runners,
    listed in `jobs_url`/files.txt) with the VM's identity, install its requirements.txt unless
    glacier_installed.py finds it installed, run the job with
    `environment` (AZURE_CLIENT_ID: Polars reaches storage as the VM's identity). Every value is quoted."""
    args = " ".join(shlex.quote(a) for a in job_args({"staging": staging}, event))
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted((environment or {}).items())
                       if k.isidentifier() and k.isupper())
    fetch = (
        "import json, os, pathlib, urllib.request as u\n"
        "q = 'api-version=2018-02-01&resource=https://storage.azure.com/&client_id=' + os.environ['CLIENT']\n"
        "imds = os.environ.get('GLACIER_IMDS', 'http://169.254.169.254')\n"
        "r = u.Request(imds + '/metadata/identity/oauth2/token?' + q, headers={'Metadata': 'true'})\n"
        "h = {'Authorization': 'Bearer ' + json.load(u.urlopen(r, timeout=30))['access_token'],"
        " 'x-ms-version': '2021-08-06'}\n"
        "get = lambda n: u.urlopen(u.Request(os.environ['JOBS'] + '/' + n, headers=h), timeout=60).read()\n"
        "for n in ['files.txt'] + get('files.txt').decode().split():\n"
        "    pathlib.Path(n).write_bytes(get(n))\n"
    )
    return "\n".join([
        "set -eu",
        'work="$(mktemp -d)"; cd "$work"',
        f"export JOBS={shlex.quote(jobs_url)} CLIENT={shlex.quote(client_id)}",
        f"python3 - <<'GLACIER_FETCH'\n{fetch}GLACIER_FETCH",
        f"python3 {INSTALLED_CHECK} {REQUIREMENTS_FILE} || "
        f"python3 -m pip install --quiet --no-input -r {REQUIREMENTS_FILE}",
        *([f"export {exports}"] if exports else []),
        f"exec python3 job.py {args}",
    ])


def _run_command_submit(spec, event, headers, http, environ) -> str:
    name = _name(event)
    url = f"{spec['vm']}/runCommands/{name}?api-version={RUN_COMMAND_API}"  # `vm`: the VM's ARM URL
    script = run_command_script(str(spec["jobs_url"]), str(spec["client_id"]), event, str(spec["staging"]),
                                {"AZURE_CLIENT_ID": str(spec["client_id"]), **spec.get("environment", {}),
                                 **(ITEM_RETRIES if "item" in event else {})})
    http("PUT", url, headers, {"location": spec["location"], "properties": {
        "source": {"script": script}, "asyncExecution": True, "treatFailureAsDeploymentFailure": False,
        "timeoutInSeconds": int(spec.get("timeout", 3600))}})
    return url


def _run_command_poll(spec, url, headers, http) -> tuple[bool | None, str]:
    view = http("GET", f"{url}&$expand=instanceView", headers, None).get("properties", {}).get("instanceView", {})
    state = str(view.get("executionState", "Pending"))
    if state not in _RUN_COMMAND_ENDED:
        return None, state
    ok = _RUN_COMMAND_ENDED[state] and view.get("exitCode", 0) == 0
    return ok, f"{state}, exit code {view.get('exitCode')}: {str(view.get('error') or view.get('output') or '')[-2000:]}"


def _run_command_delete(url, headers, http) -> str:
    """Delete the ended Run Command (each attempt and each object of a map creates one: they would pile up on
    the VM, and a retry's PUT must create a new one); failing to delete is said, it does not fail the group."""
    try:
        http("DELETE", url, headers, None)
    except (RuntimeError, OSError) as error:
        return f" (the Run Command was not deleted: {error})"
    return ""


# --- hdinsight: a Livy batch ---------------------------------------------------------------------------

def _livy_submit(spec, event, headers, http, environ) -> str:
    body = {"file": spec["job"], "pyFiles": list(spec["files"]), "args": job_args(spec, event),
            "name": _name(event, unique=True)}
    conf = livy_conf(spec, event)
    if conf:
        body["conf"] = conf
    batch = http("POST", f"{spec['cluster']}/livy/batches", headers, body)
    return f"{spec['cluster']}/livy/batches/{int(batch['id'])}"


def livy_conf(spec: Mapping[str, Any], event: Mapping[str, str] | None = None) -> dict[str, str]:
    """The batch's Spark settings: the job's environment in its driver (YARN's application master, where
    job.py runs: AZURE_CLIENT_ID, so Polars reaches storage as the cluster's identity) and the interpreter
    the cluster's script action installed the requirement set into; for one object of a map (`event`'s item),
    ITEM_RETRIES."""
    environment = {**spec.get("environment", {}), **(ITEM_RETRIES if event and "item" in event else {})}
    conf = {f"spark.yarn.appMasterEnv.{key}": str(value) for key, value in sorted(environment.items())
            if key.isidentifier() and key.isupper()}
    if spec.get("python"):
        conf["spark.pyspark.python"] = conf["spark.pyspark.driver.python"] = str(spec["python"])
    return conf


def _livy_poll(spec, url, headers, http) -> tuple[bool | None, str]:
    state = str(http("GET", f"{url}/state", headers, None).get("state"))
    return _LIVY_ENDED.get(state), f"Livy batch {state}"


# --- databricks: a one-time job run --------------------------------------------------------------------

def _databricks_submit(spec, event, headers, http, environ) -> tuple[str, str | None]:
    """Submit the run; its id and the secret-scope key holding its storage token (None: no scope)."""
    name = _name(event, unique=True)  # a retry's run and its token's key are new ones
    env = {**{k: str(v) for k, v in spec.get("environment", {}).items() if k.isidentifier() and k.isupper()},
           **(ITEM_RETRIES if "item" in event else {}), "GLACIER_STAGING_URI": str(spec["staging"])}
    key = None
    if spec.get("secret_scope"):
        executor = {**environ, "AZURE_CLIENT_ID": str(spec["storage_identity"])}  # an identity the app carries
        token = identity_token(STORAGE_RESOURCE, executor, http)
        http("POST", f"{spec['workspace']}/api/2.0/secrets/put", headers,
             {"scope": spec["secret_scope"], "key": name, "string_value": token})
        key = name
        env["AZURE_STORAGE_TOKEN"] = "{{secrets/" + str(spec["secret_scope"]) + "/" + name + "}}"
    cluster = {"spark_version": spec["spark_version"], "node_type_id": spec["node_type"],
               "num_workers": int(spec["workers"]), "spark_env_vars": dict(sorted(env.items())),
               **({"policy_id": str(spec["policy_id"])} if spec.get("policy_id") else {})}
    python = {"python_file": spec["job"], "parameters": job_args(spec, event),
              **({"source": "WORKSPACE"} if str(spec["job"]).startswith("/") else {})}
    task = {"task_key": "glacier_group", "new_cluster": cluster, "spark_python_task": python,
            "libraries": pypi_libraries(spec)}
    try:
        run_ = http("POST", f"{spec['workspace']}/api/2.1/jobs/runs/submit", headers,
                    {"run_name": name, "tasks": [task], "timeout_seconds": int(spec.get("timeout", 0))})
    except BaseException:
        _databricks_forget(spec, ("", key), headers, http)
        raise
    return str(int(run_["run_id"])), key


def _databricks_forget(spec, handle, headers, http) -> None:
    """Delete the run's token from the secret scope (it expires anyway: a failed delete does not fail the
    group)."""
    if handle[1] is None:
        return
    try:
        http("POST", f"{spec['workspace']}/api/2.0/secrets/delete", headers,
             {"scope": spec["secret_scope"], "key": handle[1]})
    except (RuntimeError, OSError):
        pass


def pypi_libraries(spec: Mapping[str, Any]) -> list[dict[str, dict[str, str]]]:
    """The run's PyPI libraries (Jobs API `PythonPyPiLibrary`), one per requirement line of the spec; with a
    package index (`index`, the build's `package-index`) each names it as its `repo`."""
    repo = {"repo": str(spec["index"])} if spec.get("index") else {}
    return [{"pypi": {"package": str(line), **repo}} for line in spec["libraries"]]


def _databricks_poll(spec, handle, headers, http) -> tuple[bool | None, str]:
    run_id = handle[0]
    state = http("GET", f"{spec['workspace']}/api/2.1/jobs/runs/get?run_id={run_id}", headers, None).get("state", {})
    if state.get("life_cycle_state") not in _DATABRICKS_ENDED:
        return None, str(state.get("life_cycle_state"))
    return state.get("result_state") == "SUCCESS", f"run {run_id} {state.get('result_state')}: " \
                                                   f"{state.get('state_message', '')}"


def _name(event: Mapping[str, str], unique: bool = False) -> str:
    """A run name ARM and the services accept: letters, digits, `-` (the group may hold `_`), 80 at most; an
    object of a map ends in its index, kept whole so that the objects' runs never share a name. `unique`:
    a random tail too (Livy refuses a batch named like one it still lists, e.g. the failed attempt a retry
    follows)."""
    tail = (f"-{int(event['index'])}" if "index" in event else "") + (f"-{secrets.token_hex(4)}" if unique else "")
    raw = f"glacier-{event['run_id']}-{event['group']}"
    return "".join(c if c.isascii() and c.isalnum() or c == "-" else "-" for c in raw)[:80 - len(tail)] + tail


def _where(url: str) -> str:
    """A URL without its query (which may carry a key)."""
    return url.split("?", 1)[0]
