"""A deployed GCP pipeline's execution for `glacierc run --cloud`: a Cloud Workflows execution, through the
Workflows Executions REST API (v1) with urllib.

- Start: `POST {endpoint}v1/{workflow}/executions` with `{"argument": "{}"}` (the workflow id is the
  `workflow_id` of the `pipelines` output, `projects/P/locations/L/workflows/W`).
- Follow: `GET {endpoint}v1/{execution}` for its state, result and error, and its step entries
  (`GET .../stepEntries`, paged) for the groups' progress: each entry of a `run_<group>` step of `main`
  is one attempt of that group, of a `map_<node>` step the run of a mapped node (gcp_workflows.py names
  the steps), started at its `createTime` and ended at its `updateTime` when it succeeded or failed (its
  `exception.payload` says why). A mapped node's error names the object that failed and its call's
  error (`object`, `error` of the raised map), shown under the node's message.
- Results: the execution returns (and its error carries) `results`, what each group's Cloud Function
  returned by the group's lead: the nodes' reports (status, seconds, rows, output, writes, plan), read
  when the execution ends into the nodes of the report (`Follower.group_results`). Jobs and maps return
  none: their nodes have the step entry's duration.
- Stop (Ctrl-C): `POST {endpoint}v1/{execution}:cancel`.

Credentials are the usual ones: an OAuth access token from GOOGLE_OAUTH_ACCESS_TOKEN, else from
`gcloud auth print-access-token`. The endpoint is gcloud's own override when set
(CLOUDSDK_API_ENDPOINT_OVERRIDES_WORKFLOWEXECUTIONS), else https://workflowexecutions.googleapis.com/.
A step entry carries no call result, so the progress lines of groups that ended before the execution show
no rows; the report has them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from urllib.parse import quote

from glacierc.cloud_common import CloudError, CloudUsage, http_json, seconds
from glacierc.cloud_follow import Follower, node_reports
from glacierc.ir.fusion import Group

ENDPOINT = "https://workflowexecutions.googleapis.com/"
ENDPOINT_OVERRIDE = "CLOUDSDK_API_ENDPOINT_OVERRIDES_WORKFLOWEXECUTIONS"
TOKEN = "GOOGLE_OAUTH_ACCESS_TOKEN"
FLAG = "--workflow projects/P/locations/L/workflows/W"
_SEGMENT = r"[A-Za-z0-9._-]+"
_WORKFLOW = re.compile(rf"projects/{_SEGMENT}/locations/{_SEGMENT}/workflows/{_SEGMENT}")
_EXECUTION = re.compile(rf"{_WORKFLOW.pattern}/executions/{_SEGMENT}")
_ENDED = {"SUCCEEDED": "ok", "FAILED": "failed", "CANCELLED": "aborted", "UNAVAILABLE": "failed"}
_ENTRY_ENDED = ("STATE_SUCCEEDED", "STATE_FAILED")


class GcpExecution:
    """One execution of a deployed workflow."""

    engine = "the workflow"

    def __init__(self, workflow: str, groups: tuple[Group, ...], env: Mapping[str, str]) -> None:
        if not _WORKFLOW.fullmatch(workflow):
            raise CloudUsage(f"not a workflow id: {workflow!r} (projects/PROJECT/locations/REGION/workflows/NAME)")
        self.target = workflow
        self.base = (env.get(ENDPOINT_OVERRIDE) or ENDPOINT).rstrip("/") + "/v1/"
        self.headers = {"Authorization": f"Bearer {access_token(env)}"}
        #: gcp_workflows.step_name("run", lead), and a mapped node's `map_<node>` (gcp_workflows_map.map_step)
        self.steps = {f"{kind}_{g.id}": g.id for g in groups for kind in ("run", "map")}
        self.results: dict[str, dict[str, dict]] = {}  # group -> {node: report}, once the execution ended
        self.execution = ""
        self.entries: dict[str, str] = {}  # step entry name -> the last state fed

    def start(self) -> str:
        started = http_json("POST", f"{self.base}{self.target}/executions", self.headers, {"argument": "{}"})
        name = started.get("name")
        if not isinstance(name, str) or not _EXECUTION.fullmatch(name):
            raise CloudError(f"the new execution has no valid name: {str(name)[:200]!r}")
        self.execution = name
        return name.rsplit("/", 1)[1]

    def poll(self, follower: Follower) -> str | None:
        execution = http_json("GET", f"{self.base}{self.execution}", self.headers)
        when = seconds(execution.get("startTime"))
        if when is not None:
            follower.execution_started(when)
        state = execution.get("state")
        if state in _ENDED:  # read before the last entries, so that their lines show the results
            self.results = _results(execution)
        for entry in self._step_entries():
            self._entry(entry, follower)
        if state not in _ENDED:
            return None
        for group, reports in self.results.items():
            follower.group_results(group, reports)
        ended = seconds(execution.get("endTime")) or when or 0.0
        error, cause = _failure(execution.get("error")) if state != "SUCCEEDED" else ("", "")
        follower.execution_ended(ended, _ENDED[str(state)], error or f"execution {str(state).lower()}", cause)
        return follower.status

    def stop(self) -> None:
        http_json("POST", f"{self.base}{self.execution}:cancel", self.headers, {})

    def _step_entries(self) -> list[dict]:
        found: list[dict] = []
        token = ""
        while True:
            page = http_json("GET", f"{self.base}{self.execution}/stepEntries?pageSize=100"
                                    + (f"&pageToken={quote(token, safe='')}" if token else ""), self.headers)
            found += [e for e in page.get("stepEntries", []) if isinstance(e, dict)]
            token = page.get("nextPageToken") or ""
            if not isinstance(token, str) or not token:
                return sorted(found, key=_entry_order)

    def _entry(self, entry: dict, follower: Follower) -> None:
        group = self.steps.get(str(entry.get("step")))
        name, state = str(entry.get("name") or entry.get("entryId")), str(entry.get("state"))
        if group is None or entry.get("routine", "main") != "main" or self.entries.get(name) in _ENTRY_ENDED:
            return
        if name not in self.entries:
            follower.group_entered(group, seconds(entry.get("createTime")) or 0.0)
        self.entries[name] = state
        ended = seconds(entry.get("updateTime")) or 0.0
        if state == "STATE_SUCCEEDED":
            follower.group_succeeded(group, ended, self.results.get(group, {}))
        elif state == "STATE_FAILED":
            exception = entry.get("exception")
            payload = exception.get("payload") if isinstance(exception, dict) else None
            follower.group_failed(group, ended, *_failure({"payload": payload}))


def access_token(env: Mapping[str, str]) -> str:
    """GOOGLE_OAUTH_ACCESS_TOKEN, else what `gcloud auth print-access-token` prints."""
    token = env.get(TOKEN, "").strip()
    if token:
        return token
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise CloudUsage(f"no Google credentials: set {TOKEN}, or install gcloud and run `gcloud auth login`")
    done = subprocess.run([gcloud, "auth", "print-access-token"], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise CloudUsage(f"`gcloud auth print-access-token` failed: {done.stderr.strip()[:300]} "
                         f"(run `gcloud auth login`, or set {TOKEN})")
    return done.stdout.strip()


def _results(execution: dict) -> dict[str, dict[str, dict]]:
    """group -> {node: report}: the `results` the definition returns (a succeeded execution's `result`) or
    raises (a failed one's error payload); {} when there are none (read, never trusted)."""
    if execution.get("state") == "SUCCEEDED":
        text = execution.get("result")
    else:
        error = execution.get("error")
        text = error.get("payload") if isinstance(error, dict) else None
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    found = data.get("results") if isinstance(data, dict) else None
    return {str(g): node_reports(r) for g, r in sorted(found.items())} if isinstance(found, dict) else {}


def _failure(error: object) -> tuple[str, str]:
    """(name, cause) of a Workflows error: its payload is the JSON of what was raised, `glacier.NodeFailed`
    with its message (whose `error` is the call's), or a call's own HTTP / connector error (its tag names
    it: HttpError, OperationError; its body or message says why); else plain text."""
    payload = error.get("payload") if isinstance(error, dict) else None
    try:
        raised = json.loads(payload) if isinstance(payload, str) else payload
    except ValueError:
        return "", str(payload)
    if not isinstance(raised, dict):
        return "", "" if raised is None else str(raised)
    code, tags = raised.get("code"), raised.get("tags")
    if isinstance(code, str):  # raised by the definition: its message names the nodes (a map's, its object)
        return code, str(raised.get("message") or "") + _failed_object(raised)
    name = str(tags[0]) if isinstance(tags, list) and tags else ""
    return name, _call_error(raised)


def _failed_object(raised: dict) -> str:
    """A map's error names the object that failed (the last one, when failures were tolerated) and the error
    its call raised: a line `object `<name>`: <tag>: <what the call said>`, or "" when it names none."""
    name, error = raised.get("object"), raised.get("error")
    if not isinstance(name, str) or not name:
        return ""
    said = ""
    if isinstance(error, dict):
        tags = error.get("tags")
        tag = str(tags[0]) if isinstance(tags, list) and tags else ""
        said = ": ".join(p for p in (tag, _call_error(error).strip().splitlines()[0] if _call_error(error).strip()
                                      else "") if p)
    elif error is not None:
        said = str(error)
    return f"\nobject `{name}`" + (f": {said}" if said else "")


def _call_error(error: dict) -> str:
    """What a failed call raised: a function's HTTP error body, or the connector's message."""
    body = error.get("body")
    if isinstance(body, str) and body.strip():
        return body.strip()
    if isinstance(body, dict | list):
        return json.dumps(body, sort_keys=True)
    return str(error.get("message") or "")


def _entry_order(entry: dict) -> tuple[int, str]:
    text = str(entry.get("entryId") or "")
    return (int(text) if text.isdigit() else 0, str(entry.get("name") or ""))
