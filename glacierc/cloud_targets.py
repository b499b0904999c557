"""Which deployed orchestration `glacierc run --cloud` starts: the pipeline's provider and cloud, the
Terraform module the build wrote for it, and that cloud's execution (cloud_aws.py, cloud_gcp.py,
cloud_azure.py). Each cloud's module is imported only when its pipeline is run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from glacierc.cloud_common import CloudUsage, pipeline_output
from glacierc.ir.nodes import Pipeline, Project, Provider

CLOUDS = ("aws", "gcp", "azure")
FLAGS = "--state-machine-arn (AWS), --workflow (GCP) or --starter-url (Azure)"


def provider_of(project: Project, pipeline: Pipeline, cloud: str | None) -> Provider | None:
    """The one provider of `cloud` (any deployable cloud when None) running the pipeline's nodes; None
    when a flag named the cloud and no provider of it runs them (what to start is then the flag's)."""
    by_executor = {e.name: e.provider for e in project.executors}
    names = {by_executor.get(n.executor) for n in pipeline.nodes}
    found = sorted((p for p in project.providers if p.name in names and p.cloud in CLOUDS
                    and (cloud is None or p.cloud == cloud)), key=lambda p: p.name)
    if len(found) == 1:
        return found[0]
    if not found and cloud is not None:
        return None
    if not found:
        raise CloudUsage(f"pipeline `{pipeline.name}` runs on no AWS, GCP or Azure provider: nothing is deployed "
                         "to start")
    names_ = ", ".join(f"`{p.name}` ({p.cloud})" for p in found)
    raise CloudUsage(f"pipeline `{pipeline.name}` runs on several providers ({names_}): say which "
                     f"orchestration to start with {FLAGS}")


def module_dir(build_dir: Path, project: Project, provider: Provider | None) -> Path:
    """Where `build -o build_dir` wrote the provider's module (backends/terraform: `terraform/`, or
    `terraform/<provider label>/` when there are several)."""
    from glacierc.backends.terraform.common import unique_labels

    providers = sorted((p.name for p in project.providers if p.cloud != "local"))
    if provider is None or len(providers) <= 1:
        return build_dir / "terraform"
    return build_dir / "terraform" / unique_labels(providers)[provider.name]


def execution(cloud: str, project: Project, pipeline: Pipeline, provider: Provider | None, target: str | None,
              module: Path | None, env: Mapping[str, str]):
    """The cloud's execution of `pipeline`: of `target` when a flag gave it, else of what `module` deployed."""
    from glacierc.ir.fusion import fused_groups

    if cloud == "aws":
        from glacierc.cloud_aws import AwsExecution, state_machine_arn

        return AwsExecution(target or state_machine_arn(_given(module), pipeline.name),
                            databricks_runs(project, pipeline, env), map_states(pipeline))
    if cloud == "gcp":
        from glacierc.cloud_gcp import FLAG, GcpExecution

        workflow = target or pipeline_output(_given(module), pipeline.name, "workflow_id", "workflow", FLAG)
        return GcpExecution(workflow, fused_groups(pipeline), env)
    from glacierc.cloud_azure import FLAG as AZURE_FLAG
    from glacierc.cloud_azure import AzureExecution, starter_url

    starter = target or starter_url(pipeline_output(_given(module), pipeline.name, "function_app", "function app",
                                                    AZURE_FLAG), pipeline.name)
    activities = azure_activities(project, pipeline, provider)
    # activity function name -> its group; a mapped group's listing activity -> (the group, its tolerated failures)
    return AzureExecution(starter, {a.name: a.group for a in activities}, env,
                          {a.map.lister: (a.group, a.map.tolerated) for a in activities if a.map is not None})


def map_states(pipeline: Pipeline) -> dict[str, str]:
    """The `Map` state name of each mapped group of the pipeline's state machine (as aws_map_state.py names
    it) -> the group."""
    from glacierc.backends.terraform.aws_states import state_name
    from glacierc.ir.fusion import fused_groups

    mapped = {n.id for n in pipeline.nodes if n.map is not None}
    return {state_name("map", g.id): g.id for g in fused_groups(pipeline) if g.id in mapped}


def databricks_runs(project: Project, pipeline: Pipeline, env: Mapping[str, str]):
    """The Jobs API that follows the pipeline's Databricks runs (cloud_databricks.py), None when no node runs on
    Databricks; CloudUsage when one does and the workspace or token is not given."""
    databricks = {e.name for e in project.executors if e.config_type == "DatabricksConfig"}
    nodes = [n.id for n in pipeline.nodes if n.executor in databricks]
    if not nodes:
        return None
    from glacierc.cloud_databricks import DatabricksRuns

    named = ", ".join(f"`{n}`" for n in nodes[:5]) + (f" and {len(nodes) - 5} more" if len(nodes) > 5 else "")
    return DatabricksRuns(env, f"node{'s' * (len(nodes) > 1)} {named}")


def azure_activities(project: Project, pipeline: Pipeline, provider: Provider | None) -> tuple:
    """The activities of the pipeline's orchestration, as the build named them (the provider's model)."""
    if provider is None:
        raise CloudUsage(f"pipeline `{pipeline.name}` runs on no Azure provider, so its activities are unknown")
    from glacierc.backends.terraform import azure

    model = azure.AzureTarget(project, provider, None).build()
    return tuple(a for o in model.plan.orchestrations if o.pipeline == pipeline.name for a in o.activities)


def _given(module: Path | None) -> Path:
    assert module is not None, "a module is looked up whenever no flag gave the target"
    return module
