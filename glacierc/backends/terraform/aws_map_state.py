"""The Distributed Map state of a mapped node (`[clean(p) for p in events.partitions()]`): a pure function.

`ItemReader` lists the dataset's bucket below its prefix (`s3:listObjectsV2`, the part of the path before
its first wildcard); each listed object is one item, run as a child execution (ProcessorConfig DISTRIBUTED,
STANDARD) of one `lambda:invoke` of the mapped task's function with the payload `{"pipeline", "group",
"run_id", "item": <object key>, "index": <its position>}`. The function runs the task on that object when
the key matches the dataset's path (others under the prefix are skipped) and stages its result under
`<staging>/<execution name>/<node>/<index>.*`, which the combining node reads back in index order. The
task's `retries` and `timeout` apply per item (a chain of mapped tasks, `[b(a(p)) ...]`, is one group: one
invocation per object runs the whole chain, the largest `retries` and the sum of the timeouts); `MaxConcurrency` is the map's `partitions(max_parallel=)`, else
the function's reserved concurrency (LambdaConfig.reserved_concurrency), else MAX_CONCURRENCY;
`ToleratedFailureCount` is its `partitions(tolerated_failures=)` (0 by default): one more failing object fails
the map (as the local runner does), caught into the node's Fail state. Items return only their status, so
the map's output stays small; the map's own output is dropped (`ResultPath: null`). On a Databricks
executor an item is a one-time Databricks run instead (`_databricks_item`): the group's submit / wait / poll
loop of aws_runs.py in a one-branch `Parallel`, the submit payload carrying the item's `run_id`, `item` and
`index`, so the run's job stages its result under the same keys.

On an EMR or vm executor (`function` a `StepRun` / `BatchRun`) an item is that executor's own run instead: an
`addStep.sync` on the cluster or a `submitJob.sync` on the queue (aws_runs.item_state) whose job entry gets the
same run id, key and index, and returns a fixed `{"status": "done"}` (the service's description of the step or
job would fill the map's output). `MaxConcurrency` is then at most the executor's `slots` (what it runs at
once): more would queue on the cluster or in the job queue, each waiting item's `TimeoutSeconds` running.
"""

from __future__ import annotations

from glacier.config import LambdaConfig
from glacier.datasets import prefix

from glacierc.backends.terraform.aws_runs import BatchRun, DatabricksRun, StepRun, databricks_branch, item_state
from glacierc.backends.terraform.aws_states import NODE_FAILED, limits, state_name
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Node, Project, Task

MAX_CONCURRENCY = 40  # child executions at once when neither the map nor the function says
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"


def dataset_location(project: Project, node: Node) -> tuple[str, str]:
    """(bucket, prefix) the map lists: the mapped node's dataset's bucket and the prefix of its path."""
    storage = project.storage_named(node.map or "")
    return storage.bucket, prefix(storage.path)


def map_states(project: Project, node: Node, tasks: list[Task], function: object, cause: str) -> dict[str, dict]:
    """The Map state of mapped `node` (the tasks of its group, the node's and those of its chain
    `[b(a(p)) ...]`, run by `function` in one invocation per object) and the Fail state it ends in."""
    bucket, start = dataset_location(project, node)
    failed = state_name("failed", node.id)
    item: dict[str, object] = _databricks_item(function, node, tasks) if isinstance(function, DatabricksRun) else {
        "Type": "Task", **_item_run(function, node.id), **limits(tasks), "End": True}
    run_item = state_name("run item", node.id)
    state = {
        "Type": "Map",
        "ItemReader": {"Resource": LIST_OBJECTS, "Parameters": {"Bucket": bucket, "Prefix": start}},
        "ItemSelector": {"pipeline": _pipeline_of(project, node), "group": node.id,
                         "run_id.$": "$$.Execution.Name", "item.$": "$$.Map.Item.Value.Key",
                         "index.$": "States.Format('{}', $$.Map.Item.Index)"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": run_item, "States": {run_item: item}},
        "MaxConcurrency": max_concurrency(project, node, function),
        "ToleratedFailureCount": node.map_limits.tolerated_failures,
        "ResultPath": None,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": failed}],
    }
    return {state_name("map", node.id): state,
            failed: {"Type": "Fail", "Error": NODE_FAILED, "Cause": f"{cause} failed (mapped over {node.map})"}}


def _databricks_item(run: DatabricksRun, node: Node, tasks: list[Task]) -> dict[str, object]:
    """One object as a Databricks run: the group's submit / wait / poll loop in a one-branch `Parallel` (its
    `Retry` resubmits; the run's `timeout_seconds` is the timeout), keeping only the run's number and state."""
    branch = databricks_branch(run, node.id, lambda verb: state_name(f"{verb} item", node.id), item=True)
    retry = {k: v for k, v in limits(tasks).items() if k != "TimeoutSeconds"}
    return {"Type": "Parallel", "Branches": [branch], "ResultSelector": {"run.$": "$[0].databricks.run",
                                                                       "state.$": "$[0].databricks.state"},
            **retry, "End": True}


def _item_run(function: object, node: str) -> dict[str, object]:
    """What one item runs: the mapped task's function, or a step or job of its executor."""
    if isinstance(function, (StepRun, BatchRun)):
        return {**item_state(function, node), "ResultSelector": {"status": "done"}}
    return {"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": function, "Payload.$": "$"},
            "ResultSelector": {"status.$": "$.Payload.status"}}


def max_concurrency(project: Project, node: Node, function: object = None) -> int:
    """The map's `max_parallel`, else the function's reserved concurrency, else MAX_CONCURRENCY; for the items of
    a step or job, at most the executor's `slots`."""
    if isinstance(function, (StepRun, BatchRun)):
        wanted = node.map_limits.max_parallel
        return min(function.slots, wanted) if wanted is not None else function.slots
    if node.map_limits.max_parallel is not None:
        return node.map_limits.max_parallel
    reserved = typed_config(project.executor(node.executor).config, LambdaConfig).reserved_concurrency
    return reserved if reserved is not None and reserved > 0 else MAX_CONCURRENCY


def _pipeline_of(project: Project, node: Node) -> str:
    return next(p.name for p in project.pipelines if any(n is node for n in p.nodes))
