"""The Step Functions definition (Amazon States Language) of one pipeline: a pure function of the IR.

Encoding (docs/cloud.md): the pipeline's fused groups (`glacierc.ir.fusion`) are ordered by level; a
level holding one group is a `Task` state, a level holding several is a `Parallel` state with one
branch per group, and the levels follow each other (`Next`). A group of a Lambda (serverless or local
executor) is one `lambda:invoke` of the function of its first node's task, with the payload
`{"pipeline", "group", "run_id"}` (`run_id` is the execution's name, so results are staged under
`<staging>/<execution name>/`); a group of an EMR cluster is an `addStep.sync`, of a vm executor a Batch
`submitJob.sync`, with the same three values as arguments, of a Databricks executor a one-branch `Parallel`
submitting and polling a job run (aws_runs.py); its output is dropped
(`ResultPath: null`) so every state sees the execution input. A task's `retries` become a `Retry` on
`States.ALL` (the group retries with the largest count of its nodes), its `timeout` the state's
`TimeoutSeconds` (the sum over the group when every node has one). Any failure is caught into a `Fail`
state of its group, whose `Error` is `glacier.NodeFailed` and whose `Cause` names each node, its task and
its source line. A group whose executor has no invocation (another provider's executor) becomes
a `Fail` state `glacier.NotOrchestrated` naming its nodes, so nothing runs past it by accident (the levels
after a lone one are left out: unreachable states are invalid ASL). A mapped node (a group of its own) is a
Distributed Map state listing its dataset's prefix, one child execution per object (aws_map_state.py): a
Lambda invocation, an EMR step or a Batch job.

`definition` returns plain data with the function references left as given (a `Ref` for the
Terraform module, ARN strings in tests); `canonical_json` is it as bytes with sorted keys. Terraform
reads it with `templatefile` from `states/<pipeline>.asl.json`, written by `template_json`: every string
has `${` and `%{` escaped for the template (so no user text, such as a pipeline or file name, becomes an
interpolation) and each `Ref` is the only interpolation, `${name}`, a variable the module passes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from glacierc.backends.terraform.aws_runs import BatchRun, DatabricksRun, StepRun, databricks_branch, task_state
from glacierc.ir.fusion import Group, fused_groups, group_levels
from glacierc.backends.terraform.orchestration_common import Ref, canonical_json, describe, template_json
from glacierc.ir.nodes import Pipeline, Project, Task

__all__ = ["Ref", "canonical_json", "definition", "describe", "state_name", "template_json"]

NODE_FAILED = "glacier.NodeFailed"
NOT_ORCHESTRATED = "glacier.NotOrchestrated"
RETRY_INTERVAL_SECONDS = 1
RETRY_BACKOFF = 2.0
NAME_MAX = 80  # state names


def state_name(prefix: str, lead: str) -> str:
    """`<prefix> <lead>` within the 80 characters a state name may have (a hash keeps long ones apart)."""
    name = f"{prefix} {lead}"
    if len(name) <= NAME_MAX:
        return name
    return f"{name[: NAME_MAX - 9]}~{hashlib.sha256(lead.encode()).hexdigest()[:8]}"


def definition(project: Project, pipeline: Pipeline, function_of: Callable[[Group], object | None],
               service_of: Mapping[str, str] | None = None, groups: tuple[Group, ...] | None = None) -> dict:
    """The ASL of `pipeline`; `function_of(group)` is the Lambda running it, or a `StepRun` / `BatchRun`
    (None: not orchestrated),
    `service_of` names each executor's service for the messages of groups that are not."""
    groups = fused_groups(pipeline) if groups is None else groups
    by_id = {g.id: g for g in groups}
    context = _Context(project, pipeline, function_of, service_of)
    levels = group_levels(pipeline, groups)
    states: dict[str, dict] = {}
    names = []
    for index, level in enumerate(levels):
        if len(level) == 1:
            group_states = _group_states(context, by_id[level[0]])
            names.append(next(iter(group_states)))
            states.update(group_states)
            if states[names[-1]]["Type"] == "Fail":
                break  # a group that cannot run: the levels after it would be unreachable
        else:
            name = state_name("level", str(index + 1))
            names.append(name)
            states[name] = {"Type": "Parallel", "ResultPath": None, "Branches": [
                _branch(_group_states(context, by_id[lead]))
                for lead in level]}
    for name, following in zip(names, [*names[1:], None]):
        if states[name]["Type"] != "Fail":
            states[name].update({"Next": following} if following else {"End": True})
    return {"Comment": f"glacier pipeline {pipeline.name} ({pipeline.span.file}:{pipeline.span.line})",
            "StartAt": names[0], "States": states} if names else {}


def _branch(states: dict[str, dict]) -> dict:
    first = next(iter(states))
    if states[first]["Type"] != "Fail":
        states[first]["End"] = True
    return {"StartAt": first, "States": states}


class _Context:
    """What every group's states are built from; nodes and tasks by id (looked up once)."""

    def __init__(self, project: Project, pipeline: Pipeline, function_of, service_of) -> None:
        self.project, self.pipeline, self.function_of, self.service_of = project, pipeline, function_of, service_of or {}
        self.nodes = {n.id: n for n in pipeline.nodes}
        self.tasks = {t.name: t for t in project.tasks}

    def task(self, node_id: str) -> Task:
        return self.tasks[self.nodes[node_id].task]


def _group_states(context: _Context, group: Group) -> dict[str, dict]:
    """The task state of `group` and the Fail state it ends in (the first is the one to enter)."""
    pipeline = context.pipeline
    cause = "; ".join(describe(context.nodes[n]) for n in group.nodes)
    function = context.function_of(group)
    if function is not None and context.nodes[group.id].map is not None:
        from glacierc.backends.terraform.aws_map_state import map_states

        return map_states(context.project, context.nodes[group.id], [context.task(n) for n in group.nodes],
                          function, cause)
    if function is None:
        service = context.service_of.get(group.executor, "this executor")
        return {state_name("not orchestrated", group.id): {
            "Type": "Fail", "Error": NOT_ORCHESTRATED,
            "Cause": f"{cause}: runs on {service}, which the state machine does not invoke yet"}}
    failed = state_name("failed", group.id)
    task: dict[str, object] = {"Type": "Task"}
    if isinstance(function, DatabricksRun):  # a one-branch Parallel: it takes no TimeoutSeconds (the run has it)
        task = {"Type": "Parallel",
                "Branches": [databricks_branch(function, group.id, lambda verb: state_name(verb, group.id))]}
    elif isinstance(function, (StepRun, BatchRun)):
        task.update(task_state(function, group.id))
    else:
        task.update({"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {
            "FunctionName": function,
            "Payload": {"pipeline": pipeline.name, "group": group.id, "run_id.$": "$$.Execution.Name"}}})
    task.update({"ResultPath": None,
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": failed}]})
    found = limits([context.task(n) for n in group.nodes])
    task.update({k: v for k, v in found.items() if task["Type"] == "Task" or k != "TimeoutSeconds"})
    return {state_name("run", group.id): task,
            failed: {"Type": "Fail", "Error": NODE_FAILED, "Cause": f"{cause} failed"}}


def limits(tasks: list[Task]) -> dict[str, object]:
    """`Retry` from the tasks' largest `retries`, `TimeoutSeconds` the sum of their timeouts (when all have one)."""
    found: dict[str, object] = {}
    retries = max(t.retries for t in tasks)
    if retries:
        found["Retry"] = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": retries,
                           "IntervalSeconds": RETRY_INTERVAL_SECONDS, "BackoffRate": RETRY_BACKOFF}]
    timeouts = [t.timeout for t in tasks if t.timeout is not None]
    if len(timeouts) == len(tasks):
        found["TimeoutSeconds"] = sum(timeouts)
    return found
