"""What the AWS and GCP targets know the same way about the pipelines they orchestrate: which pipelines are
theirs, each pipeline's fused groups (computed once), which groups a task's function leads, the nodes'
timeouts, and the staging variable of every pipeline a function runs in.

`PipelineGroups` is mixed into a `Target`; the target calls `init_pipeline_groups` from its `__init__` and
implements `staging_location` (the cloud's staging URI of one pipeline's bucket).
"""

from __future__ import annotations

import functools

from glacierc.backends.terraform.blocks import Value
from glacierc.backends.terraform.common import provider_pipelines, unique_labels
from glacierc.backends.terraform.orchestration_common import node_timeouts
from glacierc.ir.fusion import Group, fused_groups
from glacierc.ir.nodes import Pipeline, Project, Provider, Task
from glacierc.runtime.node import staging_variable


#: task -> pipeline -> fused group led by one of the task's nodes -> the group's nodes
TaskGroups = dict[str, dict[str, dict[str, tuple[str, ...]]]]


class PipelineGroups:
    """The pipelines of one provider and their fused groups (see the module docstring)."""

    project: Project

    def init_pipeline_groups(self, project: Project, provider: Provider) -> None:
        #: pipeline name -> label of its state machine / workflow
        self.pipeline_labels = unique_labels(provider_pipelines(project, provider))
        self._groups: dict[str, tuple[Group, ...]] = {}
        self._pipelines_of_task: dict[str, list[str]] | None = None

    def my_pipelines(self) -> list[Pipeline]:
        """The pipelines this target orchestrates, by name."""
        return [p for p in sorted(self.project.pipelines, key=lambda p: p.name) if p.name in self.pipeline_labels]

    def fused(self, pipeline: Pipeline) -> tuple[Group, ...]:
        """The pipeline's fused groups (`glacierc.ir.fusion`), computed once."""
        if pipeline.name not in self._groups:
            self._groups[pipeline.name] = fused_groups(pipeline)
        return self._groups[pipeline.name]

    def groups_of(self, tasks: list[Task]) -> TaskGroups:
        """task -> pipeline -> fused group led by one of its nodes -> the group's nodes (for the handler)."""
        names = {t.name for t in tasks}
        found: TaskGroups = {}
        for pipeline in sorted(self.project.pipelines, key=lambda p: p.name):
            task_of = {n.id: n.task for n in pipeline.nodes}
            for group in self.fused(pipeline):
                task = task_of[group.id]
                if task in names:
                    found.setdefault(task, {}).setdefault(pipeline.name, {})[group.id] = group.nodes
        return found

    @functools.cached_property
    def node_timeouts(self) -> dict[str, dict[str, int | None]]:
        """pipeline -> node -> timeout, for the pipelines of this module (computed once)."""
        return node_timeouts(self.project.tasks, self.my_pipelines())

    def staging_location(self, pipeline_label: str) -> Value:
        """The staging URI of the pipeline labelled `pipeline_label` (the cloud's bucket expression)."""
        raise NotImplementedError

    def staging_environment(self, task: Task) -> tuple[tuple[str, Value], ...]:
        """The staging bucket of every pipeline of this provider running `task`, each in a variable of its own
        (`staging_variable`): the runtime reads the one of the pipeline it runs, so a function shared by two
        pipelines stages each pipeline's results in that pipeline's bucket."""
        if self._pipelines_of_task is None:
            self._pipelines_of_task = {}
            for pipeline in self.my_pipelines():
                for name in dict.fromkeys(n.task for n in pipeline.nodes):
                    self._pipelines_of_task.setdefault(name, []).append(pipeline.name)
        return tuple((staging_variable(name), self.staging_location(self.pipeline_labels[name]))
                     for name in self._pipelines_of_task.get(task.name, ()))
