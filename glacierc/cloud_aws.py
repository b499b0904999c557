"""A deployed AWS pipeline's execution for `glacierc run --cloud`: a Step Functions execution, started and
read through boto3 (the `cloud` extra) with its usual configuration: credentials, AWS_REGION / the ARN's
region, AWS_ENDPOINT_URL. Its history events feed the follower (cloud_follow.py `Follower.feed`); a Databricks
group's run, which the history shows only as submitted, is followed to its end through the Jobs API
(cloud_databricks.py) on every poll. A mapped node's Distributed Map is followed through its Map Run (cloud_map_runs.py):
once the history shows it ended, DescribeMapRun counts its items and ListExecutions / DescribeExecution of its
failed child executions name the first failed objects.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from glacierc.cloud_common import CloudError, CloudUsage, pipeline_output
from glacierc.cloud_databricks import DatabricksRuns
from glacierc.cloud_follow import Follower
from glacierc.cloud_sfn_history import MAP_RUN_ENDED
from glacierc.cloud_map_runs import map_items

INSTALL = "pip install 'glacier-pipeline[cloud]'"
FLAG = "--state-machine-arn ARN"


class AwsExecution:
    """One execution of a state machine."""

    engine = "the state machine"

    def __init__(self, machine: str, databricks: DatabricksRuns | None = None,
                 map_states: dict[str, str] | None = None) -> None:
        """`databricks`: the Jobs API of the workspace the pipeline's Databricks groups run in (None: none do);
        `map_states`: the Map state name of each mapped group, as the build named it."""
        self.target = machine
        self.client = _client(_boto3(), machine)
        self.databricks = databricks
        self.map_states = dict(map_states or {})
        self.execution = ""
        self.seen = 0

    def start(self) -> str:
        name = f"glacierc-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        try:
            started = self.client.start_execution(stateMachineArn=self.target, name=name, input="{}")
        except Exception as error:  # botocore's errors: no such machine, no credentials, endpoint unreachable
            raise CloudError(str(error)) from None
        self.execution = started["executionArn"]
        return name

    def poll(self, follower: Follower) -> str | None:
        """Feed the history to `follower` as it grows; None while running, else the final status."""
        status = self.client.describe_execution(executionArn=self.execution)["status"]
        events = self._history()
        pending = events[self.seen:]
        self.seen = len(events)
        while pending:  # a Map Run's items are described where it ended, before the states after it start
            cut = next((i + 1 for i, e in enumerate(pending) if e["type"] in MAP_RUN_ENDED), len(pending))
            follower.feed(pending[:cut], self.map_states)
            self._follow_maps(follower)
            pending = pending[cut:]
        self._follow_runs(follower)
        if status == "RUNNING":
            return None
        return "ok" if status == "SUCCEEDED" else status.lower().replace("_", " ")

    def _follow_runs(self, follower: Follower) -> None:
        """Each Databricks run the history shows submitted and the follower has not seen end: ended yet?"""
        for group, run in sorted(follower.runs.items()):
            if self.databricks is None:
                raise CloudError(f"group `{group}` submitted Databricks run {run}, but no workspace is known")
            state = self.databricks.state(run)
            if state.ended:
                where = f" ({state.url})" if state.url else ""
                follower.run_ended(group, state.when, state.result == "SUCCESS",
                                   f"Databricks run {run}{where} ended {state.result}", state.message)

    def _follow_maps(self, follower: Follower) -> None:
        """Each Map Run the history shows ended: its items, counted and the first failed ones described."""
        for group, run in sorted(follower.maps.items()):
            if run.ended is not None:
                items = map_items(self.client, run.arn)
                follower.map_ended(group, run.ended, items, run.ok, *run.error)

    def stop(self) -> None:
        self.client.stop_execution(executionArn=self.execution, error="glacierc.Interrupted",
                                   cause="stopped by the user")

    def _history(self) -> list[dict]:
        events, token = [], None
        while True:
            page = self.client.get_execution_history(executionArn=self.execution, maxResults=1000,
                                                     **({"nextToken": token} if token else {}))
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return sorted(events, key=lambda e: e["id"])


def state_machine_arn(module: Path, pipeline: str) -> str:
    """The ARN in the `pipelines` output of the Terraform applied in `module`."""
    return pipeline_output(module, pipeline, "state_machine_arn", "state machine", FLAG)


def _boto3():
    try:
        import boto3  # type: ignore[import-untyped]  # an optional dependency (the `cloud` extra), without types
    except ImportError:
        raise CloudUsage(f"--cloud talks to AWS Step Functions through boto3, which is not installed: {INSTALL}")
    return boto3


def _client(boto3, machine: str):
    """A Step Functions client in the state machine's region (the ARN's fourth field)."""
    parts = machine.split(":")
    if len(parts) < 7 or parts[:3] != ["arn", parts[1], "states"] or parts[5] != "stateMachine":
        raise CloudUsage(f"not a state machine ARN: {machine!r} (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)")
    return boto3.client("stepfunctions", region_name=parts[3])
