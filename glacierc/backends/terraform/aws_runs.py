"""How a state machine runs a fused group that is not a Lambda invocation: an EMR step, an AWS Batch job or a
Databricks run.

- `StepRun` (a `SparkConfig` executor): `arn:aws:states:::elasticmapreduce:addStep.sync` of a
  `command-runner.jar` step on the executor's cluster running
  `python3.11 /opt/glacier/<executor>/glacier_job.py PIPELINE GROUP RUN_ID STAGING_URI` (aws_job_package.py); the
  arguments are an intrinsic `States.Array` so the execution's name is the run id. `ActionOnFailure` is
  `CONTINUE`: a failed step fails the state, not the cluster.
- `BatchRun` (an `EC2Config` executor): `arn:aws:states:::batch:submitJob.sync` on the executor's job queue
  and job definition, whose command takes the job's `Parameters` `pipeline`, `group`, `run_id` and
  `staging` (`Ref::` substitution; each one argument, no shell).

- `DatabricksRun` (a `DatabricksConfig` executor): a one-branch `Parallel` whose branch invokes the generated
  Lambda (glacierc/entrypoints/aws_databricks.py) to submit a one-time job run, then waits and polls it
  until it ends (`databricks_branch`); a run that did not succeed is the branch's `Fail`.

Each waits for its step, job or run, so its failure is the state's, caught and retried as a Lambda
invocation is. PIPELINE is the pipeline's label in the module (an identifier), GROUP the leading node's id.

An item of a mapped node (one object of a Distributed Map, `item_state`) is the same step or job with two more
arguments, ITEM (the object's key) and INDEX (its position), taken with the run id from the child execution's
input (the map's `ItemSelector`: a child execution has a name of its own). A Batch item runs the executor's
items job definition, whose command has the two more `Ref::` parameters, and is named after its index
(`job_name`). `slots` is how many steps or jobs of
the executor run at once (EMR: the cluster's step concurrency; Batch: the compute environment's vCPUs over a
job's), the bound of a map's `MaxConcurrency`: an item queued behind others would spend its `TimeoutSeconds`
waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from glacierc.backends.terraform.aws_job_package import PYTHON, emr_folder
from glacierc.backends.terraform.orchestration_common import Joined, Ref

EMR_ADD_STEP = "arn:aws:states:::elasticmapreduce:addStep.sync"
BATCH_SUBMIT = "arn:aws:states:::batch:submitJob.sync"
STEP_NAME_MAX, JOB_NAME_MAX = 256, 128
#: The digits of an item's index (a Distributed Map's items are numbered from 0; 10 digits reach 9,999,999,999).
ITEM_INDEX_DIGITS = 10
_INTRINSIC_SPECIAL = "\\'{}"


@dataclass(frozen=True, slots=True)
class StepRun:
    """A group run as an EMR step on the cluster of executor `executor` (its label)."""

    executor: str
    pipeline: str  # the pipeline's label
    cluster: Ref  # the cluster's id
    staging: Ref  # the staging bucket's name
    slots: int = 1  # steps running at once: the cluster's step_concurrency_level


@dataclass(frozen=True, slots=True)
class BatchRun:
    """A group run as an AWS Batch job on the queue and job definition of executor `executor` (its label)."""

    executor: str
    pipeline: str
    queue: Ref  # the job queue's ARN
    definition: Ref  # the job definition's ARN (with its revision); of a mapped node's items, the items one
    staging: Ref  # the staging bucket's URI
    slots: int = 1  # jobs the compute environment runs at once


@dataclass(frozen=True, slots=True)
class DatabricksRun:
    """A group run as a one-time Databricks job run, submitted and polled by the generated Lambda `function`."""

    executor: str
    pipeline: str
    function: Ref


Run = StepRun | BatchRun | DatabricksRun
#: Seconds between two polls of a Databricks run.
DATABRICKS_POLL_SECONDS = 30
DATABRICKS_FAILED = "glacier.DatabricksRunFailed"


def intrinsic_literal(value: str) -> str:
    """`value` as a string literal of an intrinsic function: `'...'` with `\\`, `'`, `{` and `}` escaped."""
    return "'" + "".join("\\" + ch if ch in _INTRINSIC_SPECIAL else ch for ch in value) + "'"


def task_state(run: StepRun | BatchRun, group: str) -> dict[str, object]:
    """The `Task` state's `Resource` and `Parameters` for `run` of the group led by `group`."""
    if isinstance(run, StepRun):
        return {"Resource": EMR_ADD_STEP, "Parameters": _step(run, group)}
    return {"Resource": BATCH_SUBMIT, "Parameters": _job(run, group)}


def item_state(run: StepRun | BatchRun, group: str) -> dict[str, object]:
    """`task_state` for one object of the map of `group`: the run id, the object's key and index come from the
    child execution's input (`$.run_id`, `$.item`, `$.index`: the map's ItemSelector)."""
    if isinstance(run, StepRun):
        return {"Resource": EMR_ADD_STEP, "Parameters": _step(run, group, item=True)}
    return {"Resource": BATCH_SUBMIT, "Parameters": _job(run, group, item=True)}


def databricks_branch(run: DatabricksRun, group: str, name: Callable[[str], str],
                      item: bool = False) -> dict[str, object]:
    """The branch of a one-branch `Parallel`: submit, then wait / poll / check until the run ends; its own
    `Fail` when the run did not succeed (the `Parallel` state catches it like any failure of the group).
    `name(verb)` is the state's name (state names are unique in the whole machine). `item`: the branch runs one
    object of a Distributed Map, whose input (the map's `ItemSelector`) holds the parent execution's name as
    `run_id`, the object's key as `item` and its position as `index`."""
    invoke = "arn:aws:states:::lambda:invoke"
    submit, wait, poll, check, done, failed = (name(v) for v in ("submit", "wait", "poll", "check", "done",
                                                                 "run failed"))
    payload = {"action": "submit", "executor": run.executor, "pipeline": run.pipeline, "group": group,
               **({"run_id.$": "$.run_id", "item.$": "$.item", "index.$": "$.index"} if item
                  else {"run_id.$": "$$.Execution.Name"})}
    return {"StartAt": submit, "States": {
        submit: {"Type": "Task", "Resource": invoke, "Parameters": {"FunctionName": run.function, "Payload": payload},
                 "ResultSelector": {"run.$": "$.Payload.run"}, "ResultPath": "$.databricks", "Next": wait},
        wait: {"Type": "Wait", "Seconds": DATABRICKS_POLL_SECONDS, "Next": poll},
        poll: {"Type": "Task", "Resource": invoke,
               "Parameters": {"FunctionName": run.function, "Payload": {"action": "poll", "run.$": "$.databricks.run"}},
               "ResultSelector": {"run.$": "$.Payload.run", "state.$": "$.Payload.state",
                                  "message.$": "$.Payload.message"},
               "ResultPath": "$.databricks", "Next": check},
        check: {"Type": "Choice", "Default": failed, "Choices": [
            {"Variable": "$.databricks.state", "StringEquals": "RUNNING", "Next": wait},
            {"Variable": "$.databricks.state", "StringEquals": "SUCCESS", "Next": done}]},
        done: {"Type": "Succeed"},
        failed: {"Type": "Fail", "Error": DATABRICKS_FAILED,
                 "Cause": f"the Databricks run of {'an object of ' if item else ''}group {group} did not succeed"},
    }}


def _step(run: StepRun, group: str, item: bool = False) -> dict[str, object]:
    fixed = [PYTHON, f"{emr_folder(run.executor)}/glacier_job.py", run.pipeline, group]
    run_id, rest = ("$.run_id", ", $.item, $.index") if item else ("$$.Execution.Name", "")
    args = Joined(("States.Array(", *(intrinsic_literal(a) + ", " for a in fixed), f"{run_id}, 's3://",
                   run.staging, f"'{rest})"))
    return {"ClusterId": run.cluster, "Step": {
        "Name": f"glacier {run.pipeline} {group}"[:STEP_NAME_MAX],
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args.$": args},
    }}


def _job(run: BatchRun, group: str, item: bool = False) -> dict[str, object]:
    parameters: dict[str, object] = {"pipeline": run.pipeline, "group": group, "staging": run.staging}
    parameters.update({"run_id.$": "$.run_id", "item.$": "$.item", "index.$": "$.index"} if item
                      else {"run_id.$": "$$.Execution.Name"})
    return {**job_name(run.pipeline, group, item), "JobQueue": run.queue, "JobDefinition": run.definition,
            "Parameters": parameters}


def job_name(pipeline: str, group: str, item: bool = False) -> dict[str, str]:
    """The job's `JobName` as Batch takes it (letters, digits, `-` and `_`, the first alphanumeric: `glacier-`
    starts it; JOB_NAME_MAX characters): `glacier-<pipeline label>-<group>`, other characters as `-`. An item's
    is `JobName.$`, that name and `-<index>` (`States.Format` on the item's `$.index`, a whole number of at most
    ITEM_INDEX_DIGITS digits, kept whole: the name before it is cut), so the objects' jobs are told apart."""
    raw = f"glacier-{pipeline}-{group}"
    name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in raw)
    if not item:
        return {"JobName": name[:JOB_NAME_MAX]}
    base = name[:JOB_NAME_MAX - 1 - ITEM_INDEX_DIGITS] + "-"
    template = intrinsic_literal(base).removesuffix("'") + "{}'"  # the escaped name, then the index's placeholder
    return {"JobName.$": f"States.Format({template}, $.index)"}
