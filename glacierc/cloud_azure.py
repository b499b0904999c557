"""A deployed Azure pipeline's execution for `glacierc run --cloud`: a Durable Functions orchestration,
through the app's HTTP starter and the extension's status query API, with urllib.

- Start: `POST https://<function app>.azurewebsites.net/api/orchestrators/<pipeline>` with the function
  key in the `x-functions-key` header (GLACIER_AZURE_FUNCTION_KEY); it answers 202 with the instance's
  management URLs (`statusQueryGetUri`, `terminatePostUri`), which carry their own key.
- Follow: `GET <statusQueryGetUri>&showHistory=true&showHistoryOutput=true`: `runtimeStatus`, `output`
  and `historyEvents`, in which each `TaskCompleted` / `TaskFailed` of a group's activity (its
  `FunctionName`, from the compiler's model) is one attempt, scheduled at `ScheduledTime`, ended at
  `Timestamp`; a completed one's `Result` is the group's node reports, a failed one's `Reason` and
  `Details` say why.
- Stop (Ctrl-C): `POST <terminatePostUri>` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from glacierc.cloud_common import CloudError, CloudUsage, http_json, seconds
from glacierc.cloud_follow import Follower, node_reports

KEY = "GLACIER_AZURE_FUNCTION_KEY"
FLAG = "--starter-url URL"
HISTORY = "showHistory=true&showHistoryOutput=true"
_RUNNING = {"Pending", "Running", "ContinuedAsNew", "Suspended"}
_ENDED = {"Completed": "ok", "Failed": "failed", "Terminated": "aborted", "Canceled": "aborted"}
_APP = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,59}")


class AzureExecution:
    """One orchestration instance started through the app's HTTP starter."""

    engine = "the orchestration"

    def __init__(self, starter: str, activities: Mapping[str, str], env: Mapping[str, str]) -> None:
        """`activities`: activity function name -> the group it runs."""
        if urlsplit(starter).scheme not in ("https", "http"):
            raise CloudUsage(f"not an HTTP(S) starter URL: {starter!r}")
        key = env.get(KEY, "").strip()
        if not key:
            raise CloudUsage(f"no function key: set {KEY} (`az functionapp keys list -g GROUP -n APP --query "
                             "functionKeys.default -o tsv`)")
        self.target, self.activities = starter, dict(activities)
        self.headers = {"x-functions-key": key}
        self.status_uri = self.terminate_uri = ""
        self.seen = 0

    def start(self) -> str:
        started = http_json("POST", self.target, self.headers, {})
        instance, status = started.get("id"), started.get("statusQueryGetUri")
        if not isinstance(instance, str) or not instance or not _is_http(status):
            raise CloudError("the starter did not answer with an instance id and its status URL")
        self.status_uri = str(status)
        self.terminate_uri = str(started.get("terminatePostUri") or "")
        return instance

    def poll(self, follower: Follower) -> str | None:
        joiner = "&" if "?" in self.status_uri else "?"
        status = http_json("GET", f"{self.status_uri}{joiner}{HISTORY}", {})
        events = [e for e in status.get("historyEvents") or [] if isinstance(e, dict)]
        for event in events[self.seen:]:
            self._event(event, follower)
        self.seen = len(events)
        runtime = str(status.get("runtimeStatus"))
        if runtime in _RUNNING or runtime not in _ENDED:
            return None
        when = seconds(status.get("lastUpdatedTime")) or follower.started or 0.0
        output = status.get("output")
        cause = "" if runtime == "Completed" else output if isinstance(output, str) else json.dumps(output)
        error = _error_name(cause) or f"orchestration {runtime.lower()}"
        follower.execution_ended(when, _ENDED[runtime], error, cause)
        return follower.status

    def stop(self) -> None:
        if _is_http(self.terminate_uri):
            http_json("POST", self.terminate_uri.replace("{text}", quote("stopped by the user")), {})

    def _event(self, event: dict, follower: Follower) -> None:
        kind = event.get("EventType")
        if kind == "ExecutionStarted":
            follower.execution_started(seconds(event.get("Timestamp")) or 0.0)
            return
        group = self.activities.get(str(event.get("FunctionName")))
        if group is None or kind not in ("TaskCompleted", "TaskFailed"):
            return
        ended = seconds(event.get("Timestamp")) or 0.0
        follower.group_entered(group, seconds(event.get("ScheduledTime")) or ended)
        if kind == "TaskCompleted":
            follower.group_succeeded(group, ended, node_reports(_result(event.get("Result"))))
        else:
            reason, details = str(event.get("Reason") or ""), str(event.get("Details") or "")
            follower.group_failed(group, ended, _error_name(reason) or "TaskFailed",
                                  "\n".join(p for p in (reason, details) if p))


def starter_url(app: str, pipeline: str) -> str:
    """The HTTP starter of `pipeline` in the function app named `app` (its default host name)."""
    if not _APP.fullmatch(app):
        raise CloudUsage(f"not a function app name: {app!r}; pass {FLAG}")
    return f"https://{app}.azurewebsites.net/api/orchestrators/{quote(pipeline, safe='')}"


def _is_http(uri: object) -> bool:
    return isinstance(uri, str) and urlsplit(uri).scheme in ("https", "http") and bool(urlsplit(uri).netloc)


def _result(value: object) -> object:
    """An activity's result: JSON text, or already an object when showHistoryOutput parsed it."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _error_name(text: str) -> str:
    """The exception name a failure message starts with (`glacier.NodeFailed: ...`, `NodeFailed: ...`)."""
    found = re.search(r"\b((?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*(?:Failed|Error|Orchestrated))\b",
                      text)
    return found.group(1) if found else ""
