"""What a Step Functions execution history says, event by event, for the follower (cloud_follow.py `Follower.feed`).

A history event is `{"id", "type", "timestamp", "previousEventId", "<type>EventDetails"}`; the helpers here
read one event's parts (its details, its time, the JSON its details hold as text), the group a task state
runs (from its parameters: a Lambda's `Payload`, a Batch job's `Parameters`, an EMR step's name), a
Databricks `submit` and the run it returned. The history is read, never trusted:
anything of the wrong type is left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

EXECUTION_ENDED = {"ExecutionSucceeded": "ok", "ExecutionFailed": "failed", "ExecutionTimedOut": "timed out",
                   "ExecutionAborted": "aborted"}
MAP_RUN_ENDED = ("MapRunSucceeded", "MapRunFailed", "MapRunAborted")


@dataclass
class MapRun:
    """The Map Run of a mapped group's Distributed Map, as the history shows it."""

    arn: str
    ended: float | None = None
    ok: bool = False
    error: tuple[str, str] = ("", "")  # (error, cause) of a failed one


def scheduled_group(parameters: dict) -> str | None:
    """The group a task state runs, from its parameters: a Lambda's `Payload`, a Batch job's `Parameters`, an
    EMR step's name (`glacier <pipeline label> <group>`)."""
    for key in ("Payload", "Parameters"):
        found = parameters.get(key)
        if isinstance(found, dict) and isinstance(found.get("group"), str):
            return found["group"]
    step = parameters.get("Step")
    name = step.get("Name") if isinstance(step, dict) else None
    if isinstance(name, str) and name.startswith("glacier ") and name.count(" ") == 2:
        return name.rsplit(" ", 1)[1]
    return None


def databricks_submit(parameters: dict) -> bool:
    """Whether a task state's parameters invoke the Databricks function's `submit` (aws_runs.py)."""
    payload = parameters.get("Payload")
    return isinstance(payload, dict) and payload.get("action") == "submit"


def submitted_run(output: object) -> str:
    """The run number a `submit` task returned (`{"Payload": {"run": N}}`), "" when it is not there."""
    payload = history_json(output).get("Payload")
    run = payload.get("run") if isinstance(payload, dict) else None
    return run if isinstance(run, str) else ""


def event_seconds(timestamp: object) -> float:
    return timestamp.timestamp() if hasattr(timestamp, "timestamp") else float(timestamp)  # type: ignore[arg-type]


def event_details(event: dict) -> dict:
    """The `<type>EventDetails` of a history event (each type has its own key), or {}."""
    found = next((v for k, v in event.items() if k.endswith("EventDetails")), None)
    return found if isinstance(found, dict) else {}


def history_json(text: object) -> dict:
    """A JSON object the history holds as text; {} for anything else (the history is read, never trusted)."""
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

