"""Orchestration of one Azure provider's pipelines: a Durable Functions orchestrator per pipeline, in the
pipeline's function app, calling one activity per fused group.

Why Durable Functions and not Data Factory (docs/cloud-azure.md): the nodes already run in Function Apps,
and an orchestrator there is plain Python generated next to them, replayed from its history, with
`task_all` fan-out/fan-in and `call_activity_with_retry`; Data Factory would add a second service, a
linked service per app and JSON pipelines calling HTTP functions with keys.

A pipeline's *home* app is the function app of its first group (in level order) on a serverless executor
of this provider; without one, the app generated for its first local executor. Its groups on that app
and on the provider's local executors run as activities of the home app (an orchestration can call
only the activities of its own app); so do its groups on VMs, HDInsight and Databricks, whose activity
submits the group's run there and waits for it. Groups of another provider are *stops*: the orchestrator
fails when it reaches their level, with an error naming their nodes, so nothing runs past them by accident
(GLC409 says so at build time).

A mapped node (`[clean(p) for p in events.partitions()]`) is a fan-out/fan-in: its `list_` activity lists
the dataset's container below the dataset's prefix (the objects its path matches), then the orchestrator
calls its activity once per object (`item`, `index`), `task_all` over batches of the map's
`partitions(max_parallel=)` (DEFAULT_BATCH when it does not say); each object's run is retried in its
activity as the task says and reports a failure instead of raising, so the orchestrator counts them: more
than `partitions(tolerated_failures=)` fail the node, naming it and the objects.

Results between groups are staged in the pipeline's own staging container (`staging_uri`), under the run id
`<run prefix>-<instance id>`, so the home app's role assignment there is conditioned on the blob path of the
pipeline's staged nodes (ABAC, condition version 2.0); a mapped node's items are `<node>/<index>.*`, which
the reading group finds by listing `<run>/<node>/` (the one listing the condition allows).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from glacier.datasets import prefix

from glacierc.backends.terraform.azure_schedule import ncrontab
from glacierc.backends.terraform.common import cloud_name, source_of, unique_labels
from glacierc.backends.terraform.orchestration_common import count, describe, group_inputs
from glacierc.ir.fusion import Group, fused_groups, group_levels
from glacierc.ir.nodes import Node, Pipeline, Project
from glacierc.runtime.node import staged_stem
from glacierc.source import Span

NODE_FAILED = "glacier.NodeFailed"
NOT_ORCHESTRATED = "glacier.NotOrchestrated"
RETRY_FIRST_INTERVAL_MS = 1000
RETRY_BACKOFF = 2.0
#: Azure function names: a letter, then letters, digits, `_` or `-`, 127 characters at most.
FUNCTION_NAME_MAX = 127
#: Run ids are `<prefix>-<instance id>` (32 hex digits) within the runtime's 64 characters.
RUN_PREFIX_MAX = 24
_RUN_PREFIX_BAD = re.compile(r"[^A-Za-z0-9_]")
#: Objects of a map whose activities run at once (one `task_all`) when its `partitions(max_parallel=)` does not say.
DEFAULT_BATCH = 20


@dataclass(frozen=True, slots=True)
class MapSpec:
    """How the orchestrator runs a mapped node's activity: over the objects its `lister` activity lists."""

    lister: str  # the listing activity's function name
    dataset: str
    container: str
    prefix: str
    batch: int  # objects run at once
    tolerated: int  # failing objects the node tolerates


@dataclass(frozen=True, slots=True)
class Activity:
    """One fused group run as an activity function of the home app."""

    name: str  # the activity function's name (a Python identifier too)
    group: str  # its leading node
    nodes: tuple[str, ...]
    executor: str
    retries: int  # the largest `retries=` of its nodes' tasks
    cause: str  # every node described: id, task, source line
    #: The app setting describing the VM the activity runs the group on (a Run Command), None: in the app.
    remote: str | None = None
    map: MapSpec | None = None  # a mapped node: run once per object of its dataset
    #: A remote group's limit per attempt (the sum of its nodes' task timeouts; None when one has none): the
    #: Run Command's `timeoutInSeconds`, the Databricks run's `timeout_seconds`.
    timeout: int | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    """A group the orchestration does not run: the orchestrator fails when it reaches it."""

    group: str
    nodes: tuple[str, ...]
    service: str
    cause: str

    @property
    def message(self) -> str:
        return f"{self.cause}: runs on {self.service}, which the orchestration does not invoke yet"


@dataclass(frozen=True, slots=True)
class Orchestration:
    pipeline: str
    label: str
    app: str  # label of the home function app
    orchestrator: str  # the orchestrator function's name
    run_prefix: str
    levels: tuple[tuple[str, ...], ...]  # group leads by level, up to the first level with a stop
    activities: tuple[Activity, ...]
    stops: tuple[Stop, ...]
    groups: tuple[Group, ...]  # the groups run as activities
    comment: str
    span: Span
    schedule: str | None = None
    ncrontab: str | None = None  # the timer of `schedule=` (None: none, or none expresses it: GLC401, azure_rules.py)

    @property
    def starter(self) -> str:
        return function_name("schedule_", self.label)


def function_name(prefix: str, label: str) -> str:
    """`<prefix><label>` within Azure's 127 characters (a hash keeps long ones apart)."""
    name = prefix + label
    if len(name) <= FUNCTION_NAME_MAX:
        return name
    return f"{name[: FUNCTION_NAME_MAX - 9]}_{hashlib.sha256(label.encode()).hexdigest()[:8]}"


#: `services[executor]` of a serverless executor whose groups the home app hosts (`report`).
HOSTED = "hosted"


def run_prefix(label: str) -> str:
    cleaned = _RUN_PREFIX_BAD.sub("_", label)
    if len(cleaned) <= RUN_PREFIX_MAX:
        return cleaned
    return f"{cleaned[: RUN_PREFIX_MAX - 9]}_{hashlib.sha256(label.encode()).hexdigest()[:8]}"


def home_app(pipeline: Pipeline, groups: tuple[Group, ...], apps: Mapping[str, str],
             local_apps: Mapping[str, str]) -> str | None:
    """The function app hosting `pipeline`'s orchestration: `apps` maps serverless executors to their app
    labels, `local_apps` this provider's local executors to the apps generated for them."""
    ordered = [g for level in group_levels(pipeline, groups) for g in sorted(level)]
    by_id = {g.id: g for g in groups}
    for executors in (apps, local_apps):
        for lead in ordered:
            if by_id[lead].executor in executors:
                return executors[by_id[lead].executor]
    return None


def orchestration(project: Project, pipeline: Pipeline, label: str, home: str, runs_here: Mapping[str, bool],
                  services: Mapping[str, str], activity_labels: Mapping[tuple[str, str], str],
                  groups: tuple[Group, ...] | None = None, remote: Mapping[str, str] | None = None) -> Orchestration:
    """The orchestration of `pipeline` in app `home`; `runs_here[executor]`: its groups are activities there,
    `services[executor]` names where the others run; `groups`: its fused groups, when already computed;
    `remote[task]`: the app setting of the VM an activity runs a group led by that task's node on."""
    remote = remote or {}
    groups = fused_groups(pipeline) if groups is None else groups
    by_id = {g.id: g for g in groups}
    nodes = {n.id: n for n in pipeline.nodes}
    tasks = {t.name: t for t in project.tasks}
    activities, stops, levels = [], [], []
    for level in group_levels(pipeline, groups):
        levels.append(tuple(level))
        for lead in level:
            group = by_id[lead]
            cause = "; ".join(describe(nodes[n]) for n in group.nodes)
            if runs_here.get(group.executor) or nodes[lead].task in remote:
                retries = max(tasks[nodes[n].task].retries for n in group.nodes)
                activity = activity_labels[(pipeline.name, lead)]
                limits = [tasks[nodes[n].task].timeout for n in group.nodes]
                timeout = sum(t for t in limits if t is not None) if None not in limits else None
                activities.append(Activity(function_name("run_", activity), lead, group.nodes, group.executor,
                                           retries, cause, remote=remote.get(nodes[lead].task),
                                           map=map_spec(project, nodes[lead], activity), timeout=timeout))
            else:
                service = services.get(group.executor, f"executor `{group.executor}` of another provider")
                stops.append(Stop(lead, group.nodes, service, cause))
        if stops:
            break  # the levels after a stop never run
    expression = ncrontab(pipeline.schedule)[0] if pipeline.schedule else None
    return Orchestration(
        pipeline=pipeline.name, label=label, app=home, orchestrator=function_name("orchestrate_", label),
        run_prefix=run_prefix(label), levels=tuple(levels), activities=tuple(activities), stops=tuple(stops),
        groups=tuple(by_id[a.group] for a in activities),
        comment=source_of("pipeline", pipeline), span=pipeline.span,
        schedule=pipeline.schedule, ncrontab=expression)


def map_spec(project: Project, node: Node, label: str) -> MapSpec | None:
    """The fan-out of mapped `node` (None for an ordinary node): its dataset's container and prefix."""
    if node.map is None:
        return None
    storage = project.storage_named(node.map)
    return MapSpec(function_name("list_", label), node.map, storage.bucket, prefix(storage.path),
                   node.map_limits.max_parallel or DEFAULT_BATCH, node.map_limits.tolerated_failures)


def activity_labels(pipelines: Mapping[str, str], groups: Mapping[str, tuple[Group, ...]]
                    ) -> dict[tuple[str, str], str]:
    """(pipeline, group lead) -> a label unique in the provider: `<pipeline label>__<lead>`; `pipelines` maps
    pipeline names to labels, `groups` each of them to its fused groups."""
    keys = {}
    for name, label in sorted(pipelines.items()):
        for group in groups[name]:
            keys[f"{label}__{group.id}"] = (name, group.id)
    labels = unique_labels(keys)
    return {key: labels[text] for text, key in keys.items()}


# --- staging --------------------------------------------------------------------------------------------

def staging_container_name(pipeline_label: str) -> str:
    """`staging-<pipeline label>`: 3-63 lower-case letters, digits and single hyphens (labels differ ignoring
    case, so the names differ too)."""
    return re.sub("-+", "-", "staging-" + cloud_name(pipeline_label, 54))


def staged_paths(project: Project, orchestrations: list[Orchestration]) -> tuple[list[str], list[str]]:
    """The blob paths (StringLike patterns) the home app reads and writes in its staging container: per
    pipeline `<run prefix>-*/<stem>.*` of the staged inputs of its groups and of their staged results
    (`<stem>/*` for a map's items; the stem is the node id escaped, runtime.node.staged_stem, so no node's
    pattern matches another's names)."""
    pipelines = {p.name: p for p in project.pipelines}
    reads: list[str] = []
    writes: list[str] = []
    for o in orchestrations:
        inputs = group_inputs(pipelines[o.pipeline], o.groups)
        mapped = {n.id for n in pipelines[o.pipeline].nodes if n.map is not None}
        for group in o.groups:
            reads += [staged_pattern(o.run_prefix, node, node in mapped) for node in inputs[group.id]]
            writes += [staged_pattern(o.run_prefix, node, node in mapped) for node in group.staged]
    return sorted(set(reads) | set(writes)), sorted(set(writes))


def staged_pattern(run_prefix: str, node: str, mapped: bool) -> str:
    """The blobs of `node`'s staged result in any run: `<run prefix>-*/<stem>.*`, a map's items `.../<stem>/*`."""
    stem = staged_stem(node)
    return f"{run_prefix}-*/{stem}/*" if mapped else f"{run_prefix}-*/{stem}.*"


BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
_READ = (f"{BLOBS}/read",)
BLOB_LIST = "Blob.List"
_WRITE = (f"{BLOBS}/write", f"{BLOBS}/add/action", f"{BLOBS}/delete")


def path_condition(reads: list[str], writes: list[str]) -> str:
    """An ABAC condition (version 2.0): blob reads only under `reads`, writes and deletes only under `writes`
    (an action class without paths is not allowed at all). A read pattern `<run>-*/<node>/*` (a map's items)
    also allows listing `<run>-*/<node>/`, the only listing allowed; without one, nothing may be listed."""
    listed = [p[:-1] for p in reads if p.endswith("/*")]
    if not listed:
        return f"{_clause(_READ, reads)} AND {_clause(_WRITE, writes)}"
    read = f"!(ActionMatches{{'{_READ[0]}'}} AND NOT SubOperationMatches{{'{BLOB_LIST}'}})"
    listing = f"!(ActionMatches{{'{_READ[0]}'}} AND SubOperationMatches{{'{BLOB_LIST}'}})"
    paths = " OR ".join(f"@Resource[{BLOBS}:path] StringLike '{_quoted(p)}'" for p in reads)
    prefixes = " OR ".join(f"@Request[{BLOBS}:prefix] StringLike '{_quoted(p)}'" for p in listed)
    return f"(({read}) OR ({paths})) AND (({listing}) OR ({prefixes})) AND {_clause(_WRITE, writes)}"


def list_condition(prefix: str) -> str:
    """An ABAC condition (version 2.0) allowing only listing (`Blob.List`), and only below `prefix`."""
    listing = f"ActionMatches{{'{_READ[0]}'}} AND SubOperationMatches{{'{BLOB_LIST}'}}"
    only = f"(!(ActionMatches{{'{_READ[0]}'}} AND NOT SubOperationMatches{{'{BLOB_LIST}'}}))"
    if not prefix:
        return only
    return f"{only} AND ((!({listing})) OR (@Request[{BLOBS}:prefix] StringStartsWith '{_quoted(prefix)}'))"


def _clause(actions: tuple[str, ...], paths: list[str]) -> str:
    none_of = " AND ".join(f"!(ActionMatches{{'{action}'}})" for action in actions)
    if not paths:
        return f"({none_of})"
    allowed = " OR ".join(f"@Resource[{BLOBS}:path] StringLike '{_quoted(p)}'" for p in paths)
    return f"(({none_of}) OR ({allowed}))"


def _quoted(text: str) -> str:
    """A pattern inside a single-quoted condition string (node ids are identifiers; this is a guard)."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


# --- the build output -----------------------------------------------------------------------------------

#: What one run of a remote group is, by the service it runs on (the note's words).
REMOTE_RUNS = {"an Azure VM": "a Run Command", "HDInsight": "a Livy batch", "Databricks": "a one-time job run"}


def _remote_note(o: Orchestration, service: str, services: Mapping[str, str]) -> str:
    """`; nodes a, b run on <service>, <a run> per group or object`."""
    mine = [a for a in o.activities if a.remote and services.get(a.executor) == service]
    nodes = sorted({n for a in mine for n in a.nodes})
    per = " or ".join(dict.fromkeys("object" if a.map else "group" for a in sorted(mine, key=lambda a: a.map is None)))
    verb = "runs" if len(nodes) == 1 else "run"
    return (f"; {'node' if len(nodes) == 1 else 'nodes'} {', '.join(nodes)} {verb} on {service}, "
            f"{REMOTE_RUNS.get(service, 'a run')} per {per}")


def note_fields(o: Orchestration, services: Mapping[str, str]) -> dict[str, str]:
    """The fields of the build output's GLC409 line (glc409 `ACTIVITIES`): activities, fused nodes, where local
    nodes run, stops."""
    fused = [" + ".join(a.nodes) for a in o.activities if len(a.nodes) > 1]
    shared = f"; one activity each for {', '.join(fused)}" if fused else "; no nodes fused"
    local = sorted({n for a in o.activities if services.get(a.executor) == "local" for n in a.nodes})
    hosted = (f"; local {'node' if len(local) == 1 else 'nodes'} {', '.join(local)} "
              f"{'runs as an activity' if len(local) == 1 else 'run as activities'} of that app") if local else ""
    other = sorted({n for a in o.activities if services.get(a.executor) == HOSTED for n in a.nodes})
    hosted += (f"; {'node' if len(other) == 1 else 'nodes'} {', '.join(other)} of another function app "
               f"{'runs' if len(other) == 1 else 'run'} as activities of that app too") if other else ""
    hosted += "".join(_remote_note(o, service, services) for service in sorted(
        {services.get(a.executor, "") for a in o.activities if a.remote}))
    stops = ", ".join(f"{' + '.join(s.nodes)} ({s.service})" for s in o.stops)
    stopped = f"; not orchestrated yet, the orchestration fails at: {stops}" if stops else ""
    timer = f"; timer `{o.ncrontab}`" if o.ncrontab else ""
    activities = f"{len(o.activities)} {'activity' if len(o.activities) == 1 else 'activities'}"
    return {"pipeline": o.pipeline, "orchestrator": o.orchestrator, "app": o.app, "activities": activities,
            "levels": count(len(o.levels), "level"), "fused": shared, "local": hosted, "stops": stopped, "timer": timer}
