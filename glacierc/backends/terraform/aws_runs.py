"""How a state machine runs a fused group that is not a Lambda invocation: an EMR step or an AWS Batch job.

- `StepRun` (a `SparkConfig` executor): `arn:aws:states:::elasticmapreduce:addStep.sync` of a
  `command-runner.jar` step on the executor's cluster running
  `python3.11 /opt/glacier/<executor>/glacier_job.py PIPELINE GROUP RUN_ID STAGING_URI` (aws_job_package.py); the
  arguments are an intrinsic `States.Array` so the execution's name is the run id. `ActionOnFailure` is
  `CONTINUE`: a failed step fails the state, not the cluster.
- `BatchRun` (an `EC2Config` executor): `arn:aws:states:::batch:submitJob.sync` on the executor's job queue
  and job definition, whose command takes the job's `Parameters` `pipeline`, `group`, `run_id` and
  `staging` (`Ref::` substitution; each one argument, no shell).

Both wait for the step or job (`.sync`), so its failure is the state's, caught and retried as a Lambda
invocation is. PIPELINE is the pipeline's label in the module (an identifier), GROUP the leading node's id.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacierc.backends.terraform.aws_job_package import PYTHON, emr_folder
from glacierc.backends.terraform.orchestration_common import Joined, Ref

EMR_ADD_STEP = "arn:aws:states:::elasticmapreduce:addStep.sync"
BATCH_SUBMIT = "arn:aws:states:::batch:submitJob.sync"
STEP_NAME_MAX, JOB_NAME_MAX = 256, 128
_INTRINSIC_SPECIAL = "\\'{}"


@dataclass(frozen=True, slots=True)
class StepRun:
    """A group run as an EMR step on the cluster of executor `executor` (its label)."""

    executor: str
    pipeline: str  # the pipeline's label
    cluster: Ref  # the cluster's id
    staging: Ref  # the staging bucket's name


@dataclass(frozen=True, slots=True)
class BatchRun:
    """A group run as an AWS Batch job on the queue and job definition of executor `executor` (its label)."""

    executor: str
    pipeline: str
    queue: Ref  # the job queue's ARN
    definition: Ref  # the job definition's ARN (with its revision)
    staging: Ref  # the staging bucket's URI


Run = StepRun | BatchRun


def intrinsic_literal(value: str) -> str:
    """`value` as a string literal of an intrinsic function: `'...'` with `\\`, `'`, `{` and `}` escaped."""
    return "'" + "".join("\\" + ch if ch in _INTRINSIC_SPECIAL else ch for ch in value) + "'"


def task_state(run: Run, group: str) -> dict[str, object]:
    """The `Task` state's `Resource` and `Parameters` for `run` of the group led by `group`."""
    if isinstance(run, StepRun):
        return {"Resource": EMR_ADD_STEP, "Parameters": _step(run, group)}
    return {"Resource": BATCH_SUBMIT, "Parameters": _job(run, group)}


def _step(run: StepRun, group: str) -> dict[str, object]:
    fixed = [PYTHON, f"{emr_folder(run.executor)}/glacier_job.py", run.pipeline, group]
    args = Joined(("States.Array(", *(intrinsic_literal(a) + ", " for a in fixed), "$$.Execution.Name, 's3://",
                   run.staging, "')"))
    return {"ClusterId": run.cluster, "Step": {
        "Name": f"glacier {run.pipeline} {group}"[:STEP_NAME_MAX],
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args.$": args},
    }}


def _job(run: BatchRun, group: str) -> dict[str, object]:
    name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in f"glacier-{run.pipeline}-{group}")
    return {"JobName": name[:JOB_NAME_MAX], "JobQueue": run.queue, "JobDefinition": run.definition,
            "Parameters": {"pipeline": run.pipeline, "group": group, "run_id.$": "$$.Execution.Name",
                           "staging": run.staging}}
