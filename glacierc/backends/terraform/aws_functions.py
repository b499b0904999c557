"""The Lambda half of `AwsTarget` (aws.py): a Lambda function per task of a serverless (or local) executor,
all deploying one package of the executor, the layer of what that package imports, and what `check` measures
of both without packing anything (GLC412, GLC415).

A mixin so that aws.py keeps the module's other services and its files; everything here reads and fills the
same `AwsModule` (`self.module`, aws_model.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

from glacierc.backends.terraform import aws_compute as compute
from glacierc.backends.terraform import aws_layers
from glacierc.backends.terraform.aws_model import AwsModule
from glacierc.backends.terraform.aws_package import handler, lambda_files, zip_path
from glacierc.backends.terraform.common import tasks_by_executor, unique_labels
from glacierc.backends.terraform.orchestration_common import group_timeout
from glacierc.backends.terraform.packaging import (
    PipelineEntry,
    TaskEntry,
    files_size,
    package,
    pipeline_entries,
    task_entries,
)
from glacierc.backends.terraform.pipeline_groups import PipelineGroups, TaskGroups
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.nodes import Executor, Project, Service, Task

#: The services whose nodes run as Lambda functions (local nodes of an AWS pipeline run in a generated one).
LAMBDA_SERVICES = (Service.LAMBDA, Service.LOCAL)


class LambdaFunctions(PipelineGroups):
    """Mixed into `AwsTarget`, which calls `init_pipeline_groups` and sets `function_of_task` in `__init__`."""

    module: AwsModule
    project: Project
    runner_sources: Mapping[str, str] | None
    #: task name -> label of its Lambda function
    function_of_task: dict[str, str]

    def task_inputs(self, executors: list[tuple[Executor, Service]]
                    ) -> tuple[dict[str, list[Task]], dict[str, str], Mapping[str, tuple[PipelineEntry, ...]]]:
        """The tasks of every executor, the label of every task, and the pipelines calling each task."""
        tasks = tasks_by_executor(self.project)
        task_labels = unique_labels(t.name for e, _ in executors for t in tasks.get(e.name, ()))
        return tasks, task_labels, pipeline_entries(self.project, self.runner_sources)

    def functions(self, executor: Executor, label: str, tasks: list[Task], task_labels: dict[str, str],
                  entries: Mapping[str, tuple[PipelineEntry, ...]]) -> None:
        """A Lambda function per task, all deploying one package of the executor (its own entry each)."""
        shared, groups, files = self.executor_package(executor, tasks, task_labels, entries)
        zip_file = zip_path(label)
        content = package(files) if files is not None else b""  # no runner sources: no package
        self.module.zips[zip_file] = content
        zip_hash = base64.b64encode(hashlib.sha256(content).digest()).decode()
        timeouts = self.node_timeouts
        layer = self.layer(executor, shared, files_size(files or {}))
        for task, entry in zip(tasks, shared, strict=True):
            self.function_of_task[task.name] = task_labels[task.name]
            self.module.functions.append(compute.lambda_function(
                task, executor, task_labels[task.name], label, handler(entry), zip_file, zip_hash,
                self.staging_environment(task), group_timeout(timeouts, groups.get(task.name, {})),
                layers=(layer.arn,) if layer else ()))

    def executor_package(self, executor: Executor, tasks: list[Task], task_labels: dict[str, str],
                         entries: Mapping[str, tuple[PipelineEntry, ...]]
                         ) -> tuple[tuple[TaskEntry, ...], TaskGroups, dict[str, str] | None]:
        """The entries of the executor's `tasks` in its package, their fused groups, and the package's files
        (aws_package.lambda_files; None without runner sources)."""
        shared = task_entries((t.name for t in tasks), task_labels, entries)
        groups = self.groups_of(tasks)
        if self.runner_sources is None:
            return shared, groups, None
        location = f"{executor.span.file}:{executor.span.line}"
        return shared, groups, lambda_files(executor.name, location, shared, self.runner_sources, groups)

    def measured_package_problems(self, executors: list[tuple[Executor, Service]]) -> list[Diagnostic]:
        """GLC412 and GLC415 of the Lambda `executors`' packages and layers, measured as `functions` and `layer`
        measure them in a build (the same files, the same wheels), packing nothing; none without runner sources."""
        if self.runner_sources is None:
            return []
        tasks, task_labels, entries = self.task_inputs(executors)
        sizes: dict[str, int] = {}  # the layers a build would pack, by label
        problems: list[Diagnostic] = []
        for executor in (e for e, kind in executors if kind in LAMBDA_SERVICES):
            shared, _, files = self.executor_package(executor, tasks.get(executor.name, []), task_labels, entries)
            measured = aws_layers.measure_executor_layer(executor, shared, self.runner_sources, self.project, sizes,
                                                         files_size(files or {}))
            if measured.problem is not None:
                problems.append(measured.problem)
            else:
                sizes[measured.label] = measured.size
        return problems

    def layer(self, executor: Executor, shared: tuple[TaskEntry, ...], package_size: int) -> aws_layers.Layer | None:
        """The layer of what the executor's package imports, or None (and GLC412, or GLC415 when the package of
        `package_size` unzipped bytes and the layer exceed Lambda's limit) when it cannot be built; nothing
        without runner sources (`check`)."""
        if self.runner_sources is None:
            return None
        layer, content, problem = aws_layers.executor_layer(executor, shared, self.runner_sources, self.project,
                                                            self.module.layers, package_size)
        if problem is not None:
            self.module.diagnostics.append(problem)
        if layer is not None and content is not None:
            self.module.layers[layer.label] = layer
            self.module.zips[layer.zip_file] = content
        return layer
