"""What moto 5.2.5 lacks for a Distributed Map's items, added to a running emulator (tests/aws_emulator.py) for
as long as a `with map_children():` block lasts.

moto's interpreter (moto/stepfunctions/parser, LocalStack's) runs each item of a Distributed Map in a worker
thread of the parent execution and counts it in the Map Run (DescribeMapRun's `itemCounts`), but keeps no
child execution: `ListExecutions(mapRunArn=...)` answers 500 (it requires a state machine ARN) and there is
nothing to `DescribeExecution`. It also ignores `ToleratedFailureCount` ("currently have no effect"): a map
whose items fail succeeds. This harness adds, from what the interpreter itself did:

- a child execution per item, recorded when the worker ends it: its ARN (the Map Run's state machine ARN with
  `:execution:` and a UUID, as Step Functions names children), the input the map's `ItemSelector` gave it, its
  status (SUCCEEDED, FAILED with the error and cause the item's program ended with, TIMED_OUT, ABORTED) and
  dates;
- `ListExecutions(mapRunArn=, statusFilter=, maxResults=, nextToken=)` and `DescribeExecution` of a child, in
  the shapes of the Step Functions API reference (ExecutionListItem, DescribeExecutionOutput);
- `ToleratedFailureCount`: more failed, timed-out or aborted items than it allows fail the Map Run with
  `States.ExceedToleratedFailureThreshold`, which the Map state's Catch then handles as Step Functions does.

Everything else (the history, DescribeMapRun, the items' Lambda invocations) is moto's own.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import threading
import uuid
from dataclasses import dataclass

_LOCAL = threading.local()
_LOCK = threading.Lock()


@dataclass
class Child:
    arn: str
    map_run: str
    machine: str
    input: object
    status: str
    start: datetime.datetime
    stop: datetime.datetime
    error: str | None = None
    cause: str | None = None

    def listed(self) -> dict:
        return {"executionArn": self.arn, "stateMachineArn": self.machine, "mapRunArn": self.map_run,
                "name": self.arn.rsplit(":", 1)[1], "status": self.status, "startDate": self.start,
                "stopDate": self.stop}

    def described(self) -> dict:
        found = {**self.listed(), "input": json.dumps(self.input)}
        if self.error is not None:
            found["error"] = self.error
        if self.cause is not None:
            found["cause"] = self.cause
        return found


CHILDREN: dict[str, list[Child]] = {}  # Map Run ARN -> its child executions, in the order they ended


def _status(env) -> tuple[str, str | None, str | None]:
    from moto.stepfunctions.parser.asl.eval.program_state import (
        ProgramEnded,
        ProgramError,
        ProgramStopped,
        ProgramTimedOut,
    )

    state = env.program_state()
    if isinstance(state, ProgramError):
        details = state.error or {}
        return "FAILED", details.get("error"), details.get("cause")
    if isinstance(state, ProgramTimedOut):
        return "TIMED_OUT", "States.Timeout", None
    if isinstance(state, ProgramStopped):
        return "ABORTED", None, None
    if isinstance(state, ProgramEnded):
        return "SUCCEEDED", None, None
    return "FAILED", None, None  # the worker caught what the program raised


@contextlib.contextmanager
def map_children():
    """Child executions, their two APIs and ToleratedFailureCount, until the block ends."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (  # noqa: E501
        DistributedIterationComponent,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor_worker import (  # noqa: E501
        DistributedItemProcessorWorker,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.responses import StepFunctionResponse

    own = {(owner, name): owner.__dict__.get(name) for owner, name in (
        (DistributedItemProcessorWorker, "_eval_input"), (DistributedItemProcessorWorker, "_eval_job"),
        (DistributedIterationComponent, "_map_run"), (StepFunctionResponse, "list_executions"),
        (StepFunctionResponse, "describe_execution"))}
    originals = {(DistributedItemProcessorWorker, "_eval_input"): DistributedItemProcessorWorker._eval_input,
                 (DistributedItemProcessorWorker, "_eval_job"): DistributedItemProcessorWorker._eval_job,
                 (DistributedIterationComponent, "_map_run"): DistributedIterationComponent._map_run,
                 (StepFunctionResponse, "list_executions"): StepFunctionResponse.list_executions,
                 (StepFunctionResponse, "describe_execution"): StepFunctionResponse.describe_execution}

    def eval_input(self, env_frame):
        originals[(DistributedItemProcessorWorker, "_eval_input")](self, env_frame)
        _LOCAL.selected = copy.deepcopy(env_frame.states.get_input())

    def eval_job(self, env, job):
        _LOCAL.selected = job.job_input
        start = datetime.datetime.now(tz=datetime.timezone.utc)
        originals[(DistributedItemProcessorWorker, "_eval_job")](self, env, job)
        record = self._map_run_record
        status, error, cause = _status(env)
        machine = record.map_state_machine_arn
        child = Child(f"{machine.replace(':stateMachine:', ':execution:')}:{uuid.uuid4()}", record.map_run_arn,
                      machine, _LOCAL.selected, status, start, datetime.datetime.now(tz=datetime.timezone.utc),
                      error, cause)
        with _LOCK:
            CHILDREN.setdefault(record.map_run_arn, []).append(child)

    def map_run(self, env, eval_input):
        originals[(DistributedIterationComponent, "_map_run")](self, env, eval_input)
        record = eval_input.map_run_record
        counts = record.item_counter
        failed = counts.failed.get() + counts.timed_out.get() + counts.aborted.get()
        if failed > (record.tolerated_failure_count or 0):
            name = StatesErrorNameType.StatesExceedToleratedFailureThreshold
            raise FailureEventException(FailureEvent(
                env=env, error_name=StatesErrorName(typ=name), event_type=HistoryEventType.ExecutionFailed,
                event_details=EventDetails(executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=name.to_name(), cause="The specified tolerated failure threshold was exceeded"))))

    def list_executions(self):
        map_run = self._get_param("mapRunArn")
        if not map_run:
            return originals[(StepFunctionResponse, "list_executions")](self)
        wanted = self._get_param("statusFilter")
        with _LOCK:
            found = [c for c in CHILDREN.get(map_run, []) if wanted in (None, c.status)]
        start = int(self._get_param("nextToken") or 0)
        size = self._get_int_param("maxResults") or 100
        page = found[start:start + size]
        more = {"nextToken": str(start + size)} if start + size < len(found) else {}
        return ActionResult({"executions": [c.listed() for c in page], **more})

    def describe_execution(self):
        arn = self._get_param("executionArn")
        with _LOCK:
            child = next((c for runs in CHILDREN.values() for c in runs if c.arn == arn), None)
        if child is None:
            return originals[(StepFunctionResponse, "describe_execution")](self)
        return ActionResult(child.described())

    replacements = {(DistributedItemProcessorWorker, "_eval_input"): eval_input,
                    (DistributedItemProcessorWorker, "_eval_job"): eval_job,
                    (DistributedIterationComponent, "_map_run"): map_run,
                    (StepFunctionResponse, "list_executions"): list_executions,
                    (StepFunctionResponse, "describe_execution"): describe_execution}
    for (owner, name), function in replacements.items():
        setattr(owner, name, function)
    try:
        yield CHILDREN
    finally:
        for (owner, name), function in own.items():
            if function is None:  # inherited: drop the replacement
                delattr(owner, name)
            else:
                setattr(owner, name, function)
        CHILDREN.clear()
