"""Orchestration of one GCP provider's pipelines: a Cloud Workflows workflow per pipeline, the staging
bucket its nodes exchange results through, the workflow's service account, the schedule.

Per pipeline `p` (label `l`): `google_workflows_workflow.l` (`${var.name_prefix}-<p>`) whose definition is
`gcp_workflows.definition`, written to `workflows/l.json` (JSON is YAML; canonical) and read with
`templatefile` (function URLs, cluster names and object URIs are its only variables); its service account
`l_workflow` may invoke exactly the Cloud Functions its steps call (`roles/run.invoker` on each), submit
Dataproc jobs when a step does, create Cloud Batch jobs as exactly the vm executors' accounts its steps
name (`roles/iam.serviceAccountUser` on each), and write its error logs. The staging bucket `l_staging` (uniform access,
public access prevention, versioning off, objects expire). A pipeline with `schedule=` gets
`google_cloud_scheduler_job.l` calling the Workflows executions API as `l_schedule`, whose only role is
`roles/workflows.invoker` conditioned on that workflow. `staging_bindings` gives each executor's account
read access to the staged results of its groups' inputs and write access to its groups' own, one IAM
condition per role on the object names (`<bucket>/objects/<execution>/<node>.*`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from glacierc.backends.terraform import gcp_workflows as workflows
from glacierc.backends.terraform import gcp_workflows_map as map_step
from glacierc.backends.terraform.blocks import Expr, Template
from glacierc.backends.terraform.common import cloud_name, source_of
from glacierc.backends.terraform.gcp_iam import LIST_PREFIX, READER, WRITER, Account, cel_string
from glacierc.backends.terraform.gcp_storage import Bucket, generated_bucket
from glacierc.backends.terraform.gcp_workflow_calls import LOCAL_SERVICE
from glacierc.backends.terraform.orchestration_common import Ref, count, group_inputs
from glacierc.backends.terraform.target import Target
from glacierc.ir.fusion import Group
from glacierc.ir.nodes import Pipeline, Project
from glacierc.runtime.node import staged_stem

STAGING_EXPIRE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Workflow:
    pipeline: str
    label: str
    name: Template
    comment: str
    definition: dict
    functions: tuple[str, ...]  # labels of the Cloud Functions its steps call
    clusters: tuple[str, ...]  # labels of the Dataproc clusters it submits jobs to
    batches: tuple[str, ...]  # labels of the vm executors it runs Cloud Batch jobs as
    staging: Bucket
    groups: tuple[Group, ...]  # the groups its steps run
    steps: int
    schedule: str | None = None  # the unix-cron line of `schedule=`
    #: Groups the workflow does not run: on an executor it does not run yet (with its service), or after one.
    stopped: tuple[tuple[Group, str], ...] = ()
    #: Nodes of local executors, run in a generated Cloud Function.
    local: tuple[str, ...] = ()
    #: (bucket, prefix) each of its map subworkflows lists (mapped nodes), sorted.
    maps: tuple[tuple[str, str], ...] = ()

    @property
    def account(self) -> str:
        return f"{self.label}_workflow"


@dataclass(frozen=True, slots=True)
class StagingBinding:
    """One role on a staging bucket for an executor's account, conditioned on the staged objects' names."""

    label: str
    bucket: str  # label of the staging google_storage_bucket
    role: str
    account: str
    nodes: tuple[str, ...]
    title: str
    mapped: tuple[str, ...] = ()  # those of `nodes` whose results are a map's items (`<node>/<index>.*`)


def staging_label(label: str) -> str:
    return f"{label}_staging"


def workflow(project: Project, pipeline: Pipeline, label: str, groups: tuple[Group, ...],
             call_of: Callable[[Group, str], workflows.Call | None], service_of: Mapping[str, str],
             schedule: str | None, region: str, suffix: str) -> Workflow:
    """The workflow of `pipeline`; `call_of(group, staging label)` says how a group runs (None: not yet)."""
    staging = staging_label(label)
    run: list[Group] = []
    asked: set[Group] = set()

    def call(group: Group):
        asked.add(group)
        found = call_of(group, staging)
        if found is not None:
            run.append(group)
        return found

    definition = workflows.definition(project, pipeline, call, service_of, groups)
    comment = source_of("pipeline", pipeline)
    bucket = generated_bucket(staging, Target.name(f"{_bucket_part(label)}-staging-{suffix}", 63),
                              comment, region, expire_days=STAGING_EXPIRE_DAYS, versioning=False)
    refs = [ref.name for ref in _refs(definition)]
    invoked = set(run)
    return Workflow(
        pipeline.name, label, Target.name(label, 64), comment, definition,
        tuple(sorted(r.removeprefix("url_") for r in set(refs) if r.startswith("url_"))),
        tuple(sorted(r.removeprefix("cluster_") for r in set(refs) if r.startswith("cluster_"))),
        tuple(sorted(r.removeprefix("account_") for r in set(refs) if r.startswith("account_"))),
        bucket, tuple(g for g in groups if g in invoked), workflows.count_steps(definition), schedule,
        tuple((g, service_of.get(g.executor, f"executor `{g.executor}`, which gets no infrastructure here")
               if g in asked else "left out after it")
              for g in groups if g not in invoked),
        tuple(n for g in groups if g in invoked and service_of.get(g.executor) == LOCAL_SERVICE for n in g.nodes),
        tuple(sorted({map_step.dataset_location(project, n) for n in pipeline.nodes
                      if map_step.subworkflow_name(n) in definition})))


def _refs(value: object):
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _refs(item)


def _bucket_part(label: str) -> str:
    """A bucket-name-safe form of a label (lower-case letters, digits, hyphens), short enough for the name."""
    return "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")[:20] or "pipeline"


#: The first segment of a staged object's name: the execution whose result it is.
EXECUTION_SEGMENT = 'resource.name.extract("/objects/{execution}/")'


def staging_bindings(workflows_: list[Workflow], executor: str, account: str, project: Project
                     ) -> tuple[StagingBinding, ...]:
    """Read the staged results a group of `executor` needs, write the ones it gives (per node, per execution)."""
    pipelines = {p.name: p for p in project.pipelines}
    found = []
    for w in workflows_:
        mine = [g for g in w.groups if g.executor == executor]
        if not mine:
            continue
        inputs = group_inputs(pipelines[w.pipeline], mine)
        reads = sorted({n for g in mine for n in inputs[g.id]})
        writes = sorted({n for g in mine for n in g.staged})
        mapped = {n.id for n in pipelines[w.pipeline].nodes if n.map is not None}
        for short, role, nodes in (("read", READER, reads), ("write", WRITER, writes)):
            if nodes:
                title = f"glacier staged {'inputs of' if short == 'read' else 'results of'} {executor}"[:100]
                found.append(StagingBinding(f"{account}_{w.staging.label}_{short}", w.staging.label, role,
                                            account, tuple(nodes), title,
                                            tuple(n for n in nodes if n in mapped)))
    return tuple(found)


def staging_condition(binding: StagingBinding) -> Template:
    """The staged objects of `binding.nodes` in any execution: `<bucket>/objects/<execution>/<stem>.*`, or
    for a mapped node its items `<execution>/<stem>/*`, which a reader finds by listing `<execution>/<stem>/`
    (the stem is the node id escaped, runtime.node.staged_stem: no node's objects match another's).

    `extract`'s variable stands for any text up to the first occurrence of the text after it, `/` included
    (tests/iam_eval_gcp.py), so `extract("/objects/{execution}/<stem>.")` alone would also match
    `a/b/<stem>.parquet`: each node's extract must equal the object name's first segment
    (`extract("/objects/{execution}/")`, EXECUTION_SEGMENT), which must not be empty."""
    name = Expr(f"google_storage_bucket.{binding.bucket}.name")
    ends = {n: staged_stem(n) + ("/" if n in binding.mapped else ".") for n in binding.nodes}
    parts = [f"resource.name.extract({cel_string('/objects/{execution}/' + ends[n])}) == {EXECUTION_SEGMENT}"
             for n in binding.nodes]
    objects = Template('resource.name.startsWith("projects/_/buckets/', name,
                       f'/objects/") && {EXECUTION_SEGMENT} != "" && ({" || ".join(parts)})')
    if binding.role != READER or not binding.mapped:
        return objects
    listings = " || ".join(f"{LIST_PREFIX}.endsWith({cel_string('/' + ends[n])})" for n in binding.mapped)
    return Template("(", *objects.parts, ') || (resource.name == "projects/_/buckets/', name, f'" && ({listings}))')


def workflow_account(w: Workflow) -> Account:
    return _account(w.account, "wf-" + cloud_name(w.label, 18), f"glacier workflow of pipeline {w.pipeline}",
                    w.comment, "workflow")


def schedule_account(w: Workflow) -> Account:
    return _account(f"{w.label}_schedule", "sch-" + cloud_name(w.label, 17),
                    f"glacier schedule of pipeline {w.pipeline}", w.comment, "schedule")


def _account(label: str, name: str, display: str, comment: str, kind: str) -> Account:
    return Account(label=label, account_id=Template(Expr("substr(var.name_prefix, 0, 8)"), "-" + name),
                   display_name=display[:100], comment=comment, kind=kind)


def definition_path(w: Workflow) -> str:
    return f"workflows/{w.label}.json"


PIPELINES_TEMPLATE = "workflows/pipelines.json"


def note_fields(w: Workflow) -> dict[str, str]:
    """The fields of the build output's GLC408 line (glc408 `STEPS`): steps, which nodes share one invocation."""
    fused = [" + ".join(g.nodes) for g in w.groups if len(g.nodes) > 1]
    shared = f"; one invocation each for {', '.join(fused)}" if fused else "; no nodes fused"
    stopped = ", ".join(f"{' + '.join(g.nodes)} ({service})" for g, service in w.stopped)
    stops = f"; not orchestrated yet, the workflow fails at: {stopped}" if stopped else ""
    local = f"; local nodes run in a generated Cloud Function: {', '.join(w.local)}" if w.local else ""
    return {"pipeline": w.pipeline, "steps": count(w.steps, "step"), "groups": count(len(w.groups), "group"),
            "fused": shared, "local": local, "stops": stops}
