"""The Cloud Workflows definition of one pipeline: a pure function of the IR.

Encoding (docs/cloud-gcp.md): the pipeline's fused groups (`glacierc.ir.fusion`) are ordered by level;
`main` first assigns `run_id` (the execution's id, so results are staged under
`<staging>/<execution id>/`), then runs the levels one after another: a level holding one group is that
group's step, a level holding several is a `parallel` step with one branch per group (a level of more
than the 10 branches a `parallel` step may have is several such steps, one after another). A group's step is a
`try` of one call and a `retry` of the group's retries (the largest count of its nodes; every error is
retried, through the `glacier_retry_any` predicate), whose `except` `raise`s `glacier.NodeFailed` naming
each node, its task and source line. The call:

- a Cloud Function (serverless and local executors): `http.post` to its URL with `auth: {type: OIDC}` and
  the body `{"pipeline", "group", "run_id"}` (the entry module's event contract, as on AWS); `timeout` is the
  sum of the nodes' timeouts when every node has one (at most the 1,800 s of an HTTP call);
- a Dataproc cluster: `googleapis.dataproc.v1.projects.regions.jobs.submitAsOperation` of a PySpark job
  running the executor's generated `job.py` with the arguments pipeline, group, run id and the staging
  URI; the connector waits for the job's operation (`connector_params.timeout`: the nodes' timeouts, else
  the connectors' maximum of a year, CONNECTOR_TIMEOUT_MAX), so a failed job fails the step;
- a vm executor: `googleapis.batch.v1.projects.locations.jobs.create` of a Cloud Batch job on the
  configured machine type, boot disk size, zone and external IP, as the executor's service account, on the
  module's private subnetwork: a `python` container with the executor's job folder mounted from Cloud
  Storage installs Polars and runs the same `job.py`; the connector waits for the job, so a failed job
  fails the step. No machine of the executor exists between runs.

A mapped node (`[clean(p) for p in events.partitions()]`) is a call of its own subworkflow, which lists the
dataset's objects page by page and runs each page's objects in a `parallel` `for`: per object the call a
plain group of its executor makes, given the object's name and position (an `http.post` whose body gets
`item` and `index`, a Dataproc or Batch job whose arguments end with them; gcp_workflows_map.py).

What each Cloud Function returned (its nodes' reports: status, seconds, rows, writes, the plan) is kept
for `glacierc run --cloud`: the call's `result` is `result_<k>` (k: the group's position; a variable of its
own, so parallel branches never assign the same one), a `record_<lead>` step puts its body into the map
`results` by the group's lead (a `shared` variable of every `parallel` step), and the execution returns it
(`{"pipeline", "run_id", "results", "items"}`); every `raise` of the definition carries it too, so a failed
execution still tells what its finished groups did. Jobs (Dataproc, Batch) record nothing: their connectors
return the job, not the run's report. A mapped node's step keeps its subworkflow's tally (objects listed,
succeeded, failed, the first failed ones) in `tally_<k>`, which `record_<node>` puts into the map `items` by
the node (gcp_workflows_map.py; `items` is `shared` like `results`).

A group whose executor is not orchestrated (another provider's executors, refused ones) is a
`raise` of `glacier.NotOrchestrated` naming its nodes, and the levels after it are left out. Strings a
user wrote are never a Workflows expression: `literal` writes one that would start like an expression as
an expression of a string literal. Function URLs, cluster names and object URIs are `Ref`s that
Terraform fills in (`orchestration_common.template_json`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from glacierc.backends.terraform import gcp_workflows_map as maps
from glacierc.backends.terraform.orchestration_common import Ref, describe
from glacierc.backends.terraform.requirements import install_step
from glacierc.ir.fusion import Group, fused_groups, group_levels
from glacierc.ir.nodes import Pipeline, Project, Task

NODE_FAILED = "glacier.NodeFailed"
NOT_ORCHESTRATED = "glacier.NotOrchestrated"
RETRY_PREDICATE = "glacier_retry_any"
RETRY_BACKOFF = {"initial_delay": 1, "max_delay": 60, "multiplier": 2}
HTTP_TIMEOUT_MAX = 1800
#: A connector call of a long-running operation (a Dataproc or Batch job) waits 1,800 s unless its
#: `connector_params.timeout` says otherwise, and at most a year: a group without timeouts gets the year.
CONNECTOR_TIMEOUT_MAX = 365 * 24 * 3600
PARALLEL_BRANCHES_MAX = 10  # what one `parallel` step of Cloud Workflows may hold
DATAPROC_SUBMIT = "googleapis.dataproc.v1.projects.regions.jobs.submitAsOperation"
BATCH_CREATE = "googleapis.batch.v1.projects.locations.jobs.create"
RUN_ID = '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}'
RESULTS = "results"  # group lead -> what its Cloud Function returned
#: What the execution returns and every `raise` carries besides its error: the groups' results, the maps' tallies.
_CARRIED = {RESULTS: "${" + RESULTS + "}", maps.ITEMS: "${" + maps.ITEMS + "}"}
#: The container a Batch job runs the group in, and its command (`sh -c COMMAND glacier-job ARGS...`): it installs
#: the job folder's requirements (mounted at BATCH_MOUNT, gcp_package.py) and runs its job.py.
BATCH_IMAGE = "python:3.11-slim"
BATCH_MOUNT = "/mnt/disks/glacier"
BATCH_COMMAND = (install_step(BATCH_MOUNT, "python", "python -m pip", "--quiet --no-input --root-user-action=ignore")
                 + f' && exec python {BATCH_MOUNT}/job.py "$@"')


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """A group run by the Cloud Function at `url`."""

    url: Ref


@dataclass(frozen=True, slots=True)
class DataprocCall:
    """A group run as a PySpark job of the executor's `job.py` on a Dataproc cluster."""

    project: str
    region: str
    cluster: Ref
    main: Ref  # gs:// URI of job.py
    files: tuple[Ref, ...]  # gs:// URIs of the runner modules beside it
    staging: Ref  # gs:// URI of the pipeline's staging bucket


@dataclass(frozen=True, slots=True)
class BatchCall:
    """A group run as a Cloud Batch job of the executor's `job.py` on its machine type."""

    project: str
    region: str
    machine_type: str
    disk_size: int
    zone: str | None  # the config's zone: the job's VM is placed there; None: any zone of the region
    external_ip: bool
    account: Ref  # email of the executor's service account
    subnetwork: Ref
    jobs: Ref  # `<bucket>/<folder>` of the job files, mounted at BATCH_MOUNT
    staging: Ref


Call = FunctionCall | DataprocCall | BatchCall


def literal(value: str) -> str:
    """`value` as a Workflows value that is never evaluated: a string starting with `${` becomes the
    expression of its own string literal."""
    if value.startswith("${"):
        return "${" + json.dumps(value, ensure_ascii=False) + "}"
    return value


def step_name(prefix: str, lead: str) -> str:
    return f"{prefix}_{lead}"


def definition(project: Project, pipeline: Pipeline, call_of: Callable[[Group], Call | None],
               service_of: Mapping[str, str] | None = None, groups: tuple[Group, ...] | None = None) -> dict:
    """The workflow of `pipeline`; `call_of(group)` is how its group runs (None: not orchestrated)."""
    groups = fused_groups(pipeline) if groups is None else groups
    by_id = {g.id: g for g in groups}
    context = _Context(project, pipeline, call_of, service_of or {})
    steps: list[dict] = [{"init": {"assign": [{"run_id": RUN_ID}, {RESULTS: {}}, {maps.ITEMS: {}}]}}]
    stopped = False
    for index, level in enumerate(group_levels(pipeline, groups)):
        if len(level) == 1:
            found, stopped = context.group_step(by_id[level[0]])
            steps.extend(found)
            if stopped:
                break  # a group that cannot run: nothing after it may start
        else:
            steps.extend(_parallel(context, by_id, level, index + 1))
    if not stopped:
        steps.append({"done": {"return": {"pipeline": literal(pipeline.name), "run_id": "${run_id}",
                                          **_CARRIED}}})
    return {
        "main": {"params": ["args"], "steps": steps},
        RETRY_PREDICATE: {"params": ["e"], "steps": [{"any": {"return": True}}]},
        **dict(sorted(context.subworkflows.items())),
    }


def _parallel(context: _Context, by_id: Mapping[str, Group], level: tuple[str, ...], number: int) -> list[dict]:
    """The `parallel` step(s) of one level: `level_<n>`, or `level_<n>_<k>` when it needs several."""
    chunks = [level[i:i + PARALLEL_BRANCHES_MAX] for i in range(0, len(level), PARALLEL_BRANCHES_MAX)]
    found = []
    for k, chunk in enumerate(chunks, start=1):
        name = step_name("level", str(number) if len(chunks) == 1 else f"{number}_{k}")
        if len(chunk) == 1:
            found.extend(context.group_step(by_id[chunk[0]])[0])
            continue
        branches = [{step_name("branch", lead): {"steps": context.group_step(by_id[lead])[0]}} for lead in chunk]
        found.append({name: {"parallel": {"shared": [RESULTS, maps.ITEMS], "branches": branches}}})
    return found


class _Context:
    """What every group's step is built from; nodes and tasks by id (looked up once)."""

    def __init__(self, project: Project, pipeline: Pipeline, call_of, service_of: Mapping[str, str]) -> None:
        self.pipeline, self.call_of, self.service_of = pipeline, call_of, service_of
        self.project = project
        self.nodes = {n.id: n for n in pipeline.nodes}
        self.tasks = {t.name: t for t in project.tasks}
        self.subworkflows: dict[str, dict] = {}  # the subworkflow of each mapped node, by name
        self.positions: dict[str, int] = {}  # group lead -> its number (the variable of its call's result)

    def task(self, node_id: str) -> Task:
        return self.tasks[self.nodes[node_id].task]

    def cause(self, group: Group) -> str:
        return "; ".join(describe(self.nodes[n]) for n in group.nodes)

    def group_step(self, group: Group) -> tuple[list[dict], bool]:
        """The steps of `group`, and whether it stops the workflow (a group that is not orchestrated)."""
        call = self.call_of(group)
        if call is None:
            service = self.service_of.get(group.executor, "this executor")
            message = f"{self.cause(group)}: runs on {service}, which the workflow does not run yet"
            return [{step_name("not_orchestrated", group.id): {
                "raise": {"code": NOT_ORCHESTRATED, "message": literal(message), **_CARRIED}}}], True
        timeouts = [self.task(n).timeout for n in group.nodes]
        timeout = sum(t for t in timeouts if t is not None) if all(t is not None for t in timeouts) else None
        node = self.nodes[group.id]
        body = _call(self.pipeline, group, call, timeout, node.map is not None)
        retries = max(self.task(n).retries for n in group.nodes)
        retry = {"predicate": "${" + RETRY_PREDICATE + "}", "max_retries": retries,
                 "backoff": dict(RETRY_BACKOFF)} if retries else None
        if node.map is not None:
            self.subworkflows[maps.subworkflow_name(node)] = maps.map_subworkflow(
                self.project, node, body, retry, literal, NODE_FAILED, _RUNS[type(call)])
            tally = f"tally_{self.positions.setdefault(group.id, len(self.positions) + 1)}"
            return maps.map_step(node, tally), False
        failed = {"raise": {"code": NODE_FAILED, "message": literal(f"{self.cause(group)} failed"),
                            "error": "${e}", **_CARRIED}}
        recorded = isinstance(call, FunctionCall)
        variable = f"result_{self.positions.setdefault(group.id, len(self.positions) + 1)}"
        step: dict = {"try": {**body, "result": variable} if recorded else body}
        if retry is not None:
            step["retry"] = retry
        step["except"] = {"as": "e", "steps": [{step_name("failed", group.id): failed}]}
        found = [{step_name("run", group.id): step}]
        if recorded:  # what the function returned, by the group's lead
            key = f"{RESULTS}[{json.dumps(group.id, ensure_ascii=True)}]"
            found.append({step_name("record", group.id): {"assign": [  # the response itself is freed
                {key: "${" + variable + ".body}"}, {variable: None}]}})
        return found, False


#: What runs a mapped node's items, by call (its default concurrency, gcp_workflows_map.DEFAULT_CONCURRENCY).
_RUNS = {FunctionCall: "function", BatchCall: "batch", DataprocCall: "dataproc"}


def _call(pipeline: Pipeline, group: Group, call: Call, timeout: int | None, item: bool = False) -> dict:
    """The call running `group`; with `item`, the call running one object of a mapped group (the
    iteration's object name and position, maps.ITEM and maps.INDEX, added to the body or the job's arguments)."""
    if isinstance(call, FunctionCall):
        body = {"pipeline": literal(pipeline.name), "group": group.id, "run_id": "${run_id}",
                **({"item": maps.ITEM, "index": maps.INDEX} if item else {})}
        args = {"url": call.url, "auth": {"type": "OIDC"}, "body": body,
                "timeout": min(timeout or HTTP_TIMEOUT_MAX, HTTP_TIMEOUT_MAX)}
        return {"call": "http.post", "args": args}
    job_args = [literal(pipeline.name), group.id, "${run_id}", call.staging, *((maps.ITEM, maps.INDEX) if item else ())]
    if isinstance(call, BatchCall):
        return _batch(call, job_args, timeout)
    job = {"placement": {"clusterName": call.cluster},
           "pysparkJob": {"mainPythonFileUri": call.main, "fileUris": list(call.files), "args": job_args}}
    args = {"projectId": call.project, "region": call.region, "body": {"job": job},
            "connector_params": _connector_params(timeout)}
    return {"call": DATAPROC_SUBMIT, "args": args}


def _connector_params(timeout: int | None) -> dict:
    """How long a job's connector call waits for the job: the group's timeout, else (and at most) a year;
    never the connector's default 1,800 s, which would fail a longer job that is still running."""
    return {"timeout": min(timeout or CONNECTOR_TIMEOUT_MAX, CONNECTOR_TIMEOUT_MAX)}


def _batch(call: BatchCall, job_args: list, timeout: int | None) -> dict:
    """`job_args` reach job.py as the shell's positional parameters (`"$@"`): never parsed by the shell."""
    command = ["-c", BATCH_COMMAND, "glacier-job", *job_args]
    task: dict = {"runnables": [{"container": {"imageUri": BATCH_IMAGE, "entrypoint": "/bin/sh", "commands": command}}],
                  "volumes": [{"gcs": {"remotePath": call.jobs}, "mountPath": BATCH_MOUNT}],
                  "maxRetryCount": 0}
    if timeout is not None:
        task["maxRunDuration"] = f"{timeout}s"
    allocation = {
        "instances": [{"policy": {"machineType": call.machine_type, "bootDisk": {"sizeGb": call.disk_size}}}],
        "serviceAccount": {"email": call.account},
        "network": {"networkInterfaces": [{"subnetwork": call.subnetwork,
                                           "noExternalIpAddress": not call.external_ip}]},
    }
    if call.zone is not None:
        allocation["location"] = {"allowedLocations": [f"zones/{call.zone}"]}
    body = {"taskGroups": [{"taskCount": 1, "taskSpec": task}], "allocationPolicy": allocation,
            "logsPolicy": {"destination": "CLOUD_LOGGING"}}
    args = {"parent": f"projects/{call.project}/locations/{call.region}", "body": body,
            "connector_params": _connector_params(timeout)}
    return {"call": BATCH_CREATE, "args": args}


def count_steps(definition: Mapping) -> int:
    """The steps a successful run executes (what Workflows bills), branches counted in full."""
    return sum(_steps(step) for step in definition.get("main", {}).get("steps", ()))


def _steps(step: Mapping) -> int:
    (body,) = step.values()
    branches = body.get("parallel", {}).get("branches", ())
    return 1 + sum(_steps(inner) for branch in branches for b in branch.values() for inner in b["steps"])
