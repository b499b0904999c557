"""A deployed Azure pipeline's execution for `glacierc run --cloud`: a Durable Functions orchestration,
through the app's HTTP starter and the extension's status query API, with urllib.

- Start: `POST https://<function app>.azurewebsites.net/api/orchestrators/<pipeline>` with the function
  key in the `x-functions-key` header (GLACIER_AZURE_FUNCTION_KEY); it answers 202 with the instance's
  management URLs (`statusQueryGetUri`, `terminatePostUri`), which carry their own key.
- Follow: `GET <statusQueryGetUri>&showHistory=true&showHistoryOutput=true`: `runtimeStatus`, `output`
  and `historyEvents`, in which each `TaskCompleted` / `TaskFailed` of a group's activity (its
  `FunctionName`, from the compiler's model) is one attempt, scheduled at `ScheduledTime`, ended at
  `Timestamp`; a completed one's `Result` is the group's node reports, a failed one's `Reason` and
  `Details` say why. A group run outside the app (a VM's Run Command, an HDInsight Livy batch, a Databricks
  run: runtime/azure_remote.py) returns no node reports, only `{"pipeline", "group", "remote", "detail"}`, the
  service and how its run ended (`run 7 SUCCESS: <state message>`): its nodes have no rows or writes, and
  the run's end state (`databricks: run 7 SUCCESS`) is said under their lines and is their reports' note.
- A mapped node (a Durable fan-out/fan-in): its listing activity's `TaskCompleted` (the map's `lister`)
  enters the node and its `Result` is the list of object keys; then one `TaskCompleted` of the node's activity
  per object, whose `Result` is the item's report or, for an object that failed after its retries,
  `{"status": "failed", "item", "index", "error"}` (the activity reports it rather than raising, so that the
  orchestrator counts the failures; an object's run elsewhere that failed is `RemoteFailed: <nodes> failed on
  <service>: <how it ended>: <the service's text>`, said by how it ended and the text's last line, which for a
  job's output tail is what the job raised). Once every listed object has its result, the node ends with its items
  (cloud_items.py): within the map's `tolerated` failures it is ok, else failed (the orchestrator then raises
  `glacier.NodeFailed` naming the objects).
- Stop (Ctrl-C): `POST <terminatePostUri>` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from glacierc.cloud_common import CloudError, CloudUsage, http_json, seconds
from glacierc.cloud_follow import Follower, node_reports
from glacierc.cloud_items import FIRST, ItemFailure, Items

KEY = "GLACIER_AZURE_FUNCTION_KEY"
FLAG = "--starter-url URL"
HISTORY = "showHistory=true&showHistoryOutput=true"
_RUNNING = {"Pending", "Running", "ContinuedAsNew", "Suspended"}
_ENDED = {"Completed": "ok", "Failed": "failed", "Terminated": "aborted", "Canceled": "aborted"}
_APP = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,59}")


class AzureExecution:
    """One orchestration instance started through the app's HTTP starter."""

    engine = "the orchestration"

    def __init__(self, starter: str, activities: Mapping[str, str], env: Mapping[str, str],
                 maps: Mapping[str, tuple[str, int]] | None = None) -> None:
        """`activities`: activity function name -> the group it runs; `maps`: a mapped group's listing
        activity name -> (the group, the failures it tolerates)."""
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
        self.listers = dict(maps or {})
        self.items: dict[str, _Tally] = {}  # a mapped group whose objects were listed -> its items so far

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
        if kind not in ("TaskCompleted", "TaskFailed"):
            return
        name = str(event.get("FunctionName"))
        if name in self.listers:
            self._listed(event, follower)
            return
        group = self.activities.get(name)
        if group is None:
            return
        ended = seconds(event.get("Timestamp")) or 0.0
        if group in self.items:
            self._item(group, event, follower)
            return
        follower.group_entered(group, seconds(event.get("ScheduledTime")) or ended)
        if kind == "TaskCompleted":
            result = _result(event.get("Result"))
            follower.group_succeeded(group, ended, node_reports(result), remote_run(result))
        else:
            reason, details = str(event.get("Reason") or ""), str(event.get("Details") or "")
            follower.group_failed(group, ended, _error_name(reason) or "TaskFailed",
                                  "\n".join(p for p in (reason, details) if p))

    def _listed(self, event: dict, follower: Follower) -> None:
        """A mapped group's listing ended: the group starts over the keys it listed (a failed listing fails it)."""
        group, tolerated = self.listers[str(event.get("FunctionName"))]
        ended = seconds(event.get("Timestamp")) or 0.0
        follower.group_entered(group, seconds(event.get("ScheduledTime")) or ended)
        keys = _result(event.get("Result")) if event.get("EventType") == "TaskCompleted" else None
        if not isinstance(keys, list):
            reason, details = str(event.get("Reason") or ""), str(event.get("Details") or "")
            follower.group_failed(group, ended, _error_name(reason) or "TaskFailed",
                                  "\n".join(p for p in (reason, details) if p) or "the listing returned no keys")
            return
        self.items[group] = _Tally(len(keys), tolerated)
        self._maybe_ended(group, ended, follower)

    def _item(self, group: str, event: dict, follower: Follower) -> None:
        """One object's run of a mapped group ended: its report, or what it failed with."""
        tally, ended = self.items[group], seconds(event.get("Timestamp")) or 0.0
        found = _result(event.get("Result")) if event.get("EventType") == "TaskCompleted" else None
        if isinstance(found, dict) and found.get("status") != "failed":
            tally.succeeded += 1
        else:
            failed = found if isinstance(found, dict) else {}
            index = failed.get("index")
            error = failed.get("error") if failed else str(event.get("Reason") or "TaskFailed")
            name, _, message = str(error).partition(": ")
            tally.failures.append(ItemFailure(str(failed.get("item") or ""), int(index) if isinstance(index, str)
                                              and index.isascii() and index.isdigit() else None, name,
                                              remote_failure(message) if name == "RemoteFailed" else message))
        self._maybe_ended(group, ended, follower)

    def _maybe_ended(self, group: str, when: float, follower: Follower) -> None:
        tally = self.items[group]
        if tally.succeeded + len(tally.failures) < tally.total:
            return
        del self.items[group]
        failures = sorted(tally.failures, key=lambda f: (f.index is None, f.index or 0, f.item))
        items = Items(tally.total, tally.succeeded, len(failures), tuple(failures[:FIRST]), tally.tolerated)
        ok = len(failures) <= tally.tolerated
        follower.map_ended(group, when, items, ok, "" if ok else "glacier.NodeFailed",
                           "" if ok else f"{len(failures)} of {tally.total} objects failed, more than the "
                                         f"{tally.tolerated} tolerated")


class _Tally:
    """The items of a mapped group so far."""

    def __init__(self, total: int, tolerated: int) -> None:
        self.total, self.tolerated, self.succeeded = total, tolerated, 0
        self.failures: list[ItemFailure] = []


def starter_url(app: str, pipeline: str) -> str:
    """The HTTP starter of `pipeline` in the function app named `app` (its default host name)."""
    if not _APP.fullmatch(app):
        raise CloudUsage(f"not a function app name: {app!r}; pass {FLAG}")
    return f"https://{app}.azurewebsites.net/api/orchestrators/{quote(pipeline, safe='')}"


def remote_run(result: object) -> str:
    """Where and how a group run outside the app ended, from its activity's result (`{"remote": "databricks",
    "detail": "run 7 SUCCESS: <state message>"}`; a Run Command's `Succeeded, exit code 0: <output>`, a Livy
    batch's `Livy batch success`): `databricks: run 7 SUCCESS`, without the service's text (a job's output
    tail, not a result); "" for a group the app ran itself."""
    if not isinstance(result, dict) or not isinstance(result.get("remote"), str):
        return ""
    detail = str(result.get("detail") or "")
    state = detail.split(": ", 1)[0].split("\n", 1)[0].strip()
    return f"{result['remote']}: {state}" if state else str(result["remote"])


_REMOTE_FAILED = re.compile(r"(?P<head>.*? failed on [a-z]+: [^:\n]*)(?::\s*(?P<said>.*))?", re.DOTALL)


def remote_failure(message: str) -> str:
    """A run outside the app that failed (`<nodes> failed on databricks: run 7 FAILED: <state message>`), said
    on one line: its head and the last line of the service's text (a job's stderr tail ends with what the job
    raised; a one-line state message is itself)."""
    found = _REMOTE_FAILED.match(message)
    if found is None:
        return message
    said = [line.strip() for line in (found.group("said") or "").splitlines() if line.strip()]
    return found.group("head") + (f": {said[-1]}" if said else "")


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
