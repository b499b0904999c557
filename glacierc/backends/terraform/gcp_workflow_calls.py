"""How the fused groups of a GCP provider's workflows run, from the IR alone, and how large a definition is.

`WorkflowCalls` says what runs each group (`call`): the Cloud Function of its lead's task (serverless and local
executors), a PySpark job on the executor's Dataproc cluster, a Cloud Batch job on a vm executor's machine type,
or nothing (None: the workflow stops there, gcp_workflows.py). `workflow_calls` makes it from the provider's
executors, their labels and the executors that got a cluster. `definitions` gives every pipeline's Cloud
Workflows definition from it (`gcp_workflows.definition`, the very document the build writes), and
`definition_size` its size as Cloud Workflows counts it once Terraform has filled in the variables.

`GcpTarget` (the build, gcp_workflow_target.py) and `GcpRules` (`check`, gcp_rules.py) both use it: the size
limit (GLC401) is judged on the same definition without building any Terraform block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glacier.config import ComputeEngineConfig, GcpConfig
from glacierc.backends.terraform import gcp_workflows as workflows
from glacierc.backends.terraform.common import provider_pipelines, tasks_by_executor, unique_labels
from glacierc.backends.terraform.gcp_workflows import BatchCall, Call, DataprocCall, FunctionCall
from glacierc.backends.terraform.orchestration_common import Ref, template_json
from glacierc.ir.configs import typed_config
from glacierc.ir.fusion import Group, fused_groups
from glacierc.ir.nodes import Executor, Pipeline, Project, Provider, Service

#: The service name of local executors: their nodes run in a generated Cloud Function.
LOCAL_SERVICE = "a generated Cloud Function"
#: How the build output and a stopped workflow name the service running an executor's nodes.
SERVICE_NAMES = {Service.FUNCTION: "Cloud Functions", Service.LOCAL: LOCAL_SERVICE,
                 Service.VM: "Compute Engine", Service.DATAPROC: "Dataproc"}
#: Cloud Workflows accepts a definition of at most 128 KB; a filled-in variable (a URL, a bucket) is
#: counted at this many bytes.
SOURCE_MAX, VARIABLE_BYTES = 128 * 1024, 160


@dataclass(frozen=True, slots=True)
class WorkflowCalls:
    """What runs the groups of one provider's workflows (see the module docstring)."""

    project_id: str
    region: str
    #: task name -> label of its Cloud Function
    functions: Mapping[str, str]
    #: executor name -> its label, for the Dataproc executors with a cluster and the vm executors
    clusters: Mapping[str, str]
    vms: Mapping[str, str]
    #: executor name -> the service running its nodes (SERVICE_NAMES), for every supported executor
    services: Mapping[str, str]
    executors: Mapping[str, Executor]

    def runner(self, group: Group) -> str | None:
        """The label of the Dataproc or vm executor that runs `group` as a job, None for another call."""
        return self.clusters.get(group.executor) or self.vms.get(group.executor)

    def call(self, group: Group, task: str, pipeline_label: str) -> Call | None:
        """How `group` (led by a node of `task`) of the pipeline labelled `pipeline_label` runs; None: not here."""
        function = self.functions.get(task)
        if function is not None:
            return FunctionCall(Ref(f"url_{function}"))
        runs = self.runner(group)
        if runs is None:
            return None
        if group.executor in self.clusters:
            return DataprocCall(self.project_id, self.region, Ref(f"cluster_{runs}"), Ref(f"job_{runs}"),
                                (Ref(f"runner_{runs}_{pipeline_label}"),), Ref(f"staging_uri_{pipeline_label}"))
        vm = typed_config(self.executors[group.executor].config, ComputeEngineConfig)
        return BatchCall(self.project_id, self.region, vm.machine_type, vm.disk_size, vm.zone, vm.external_ip,
                         Ref(f"account_{runs}"), Ref("subnetwork"), Ref(f"jobs_{runs}"),
                         Ref(f"staging_uri_{pipeline_label}"))


def workflow_calls(project: Project, provider: Provider, executors: Iterable[tuple[Executor, Service]],
                   labels: Mapping[str, str], clusters: Iterable[str]) -> WorkflowCalls:
    """The calls of `provider`'s workflows; `executors`: the supported ones and their services, `labels`: their
    labels, `clusters`: the labels of those that got a Dataproc cluster (its settings were accepted)."""
    executors = list(executors)
    tasks = tasks_by_executor(project)
    task_labels = unique_labels(t.name for e, _ in executors for t in tasks.get(e.name, ()))
    with_cluster = set(clusters)
    values = typed_config(provider.config, GcpConfig)
    return WorkflowCalls(
        project_id=values.project_id,
        region=values.region,
        functions={t.name: task_labels[t.name] for e, kind in executors if kind in (Service.FUNCTION, Service.LOCAL)
                   for t in tasks.get(e.name, ())},
        clusters={e.name: labels[e.name] for e, _ in executors if labels[e.name] in with_cluster},
        vms={e.name: labels[e.name] for e, kind in executors if kind == Service.VM},
        services={e.name: SERVICE_NAMES.get(kind, kind) for e, kind in executors},
        executors={e.name: e for e in project.executors},
    )


def pipeline_labels(project: Project, provider: Provider) -> dict[str, str]:
    """Pipeline name -> the label of its workflow, for the pipelines of `provider`."""
    return unique_labels(provider_pipelines(project, provider))


def definition(project: Project, pipeline: Pipeline, label: str, calls: WorkflowCalls,
               groups: tuple[Group, ...] | None = None) -> dict:
    """The Cloud Workflows definition of `pipeline` (labelled `label`) as the build writes it."""
    task_of = {n.id: n.task for n in pipeline.nodes}
    return workflows.definition(project, pipeline, lambda g: calls.call(g, task_of[g.id], label), calls.services,
                                fused_groups(pipeline) if groups is None else groups)


def definitions(project: Project, provider: Provider, calls: WorkflowCalls) -> dict[str, dict]:
    """Pipeline name -> its definition, for every pipeline of `provider`."""
    labels = pipeline_labels(project, provider)
    return {p.name: definition(project, p, labels[p.name], calls)
            for p in sorted(project.pipelines, key=lambda p: p.name) if p.name in labels}


def definition_size(data: dict) -> int:
    """About the bytes of the definition once deployed: its template (`template_json`) with every `${` counted
    VARIABLE_BYTES more (what Terraform fills in), less the 2 bytes of each escape (`$${`)."""
    text = template_json(data)
    return len(text) + VARIABLE_BYTES * text.count(b"${") - 2 * text.count(b"$${")
