"""A deployed GCP pipeline's execution for `glacierc run --cloud`: a Cloud Workflows execution, through the
Workflows Executions REST API (v1) with urllib.

- Start: `POST {endpoint}v1/{workflow}/executions` with `{"argument": "{}"}` (the workflow id is the
  `workflow_id` of the `pipelines` output, `projects/P/locations/L/workflows/W`).
- Follow: `GET {endpoint}v1/{execution}` for its state, result and error, and its step entries
  (`GET .../stepEntries`, paged) for the groups' progress: each entry of a `run_<group>` step of `main`
  is one attempt of that group, of a `map_<node>` step the run of a mapped node (gcp_workflows.py names
  the steps), started at its `createTime` and ended at its `updateTime` when it succeeded or failed (its
  `exception.payload` says why; an error raised in a branch of a `parallel` step comes as Workflows'
  `UnhandledBranchError`, read through to what the branches raised: cloud_gcp_payloads.py).
- Results: the execution returns (and its error carries) `results`, what each group's Cloud Function
  returned by the group's lead: the nodes' reports (status, seconds, rows, output, writes, plan), read
  when the execution ends into the nodes of the report (`Follower.group_results`). Jobs return none: their
  nodes have the step entry's duration. It returns (and carries) `items` too, each mapped node's tally
  (objects listed, succeeded, failed, the first failed ones with their errors): a step entry carries no
  variables, so a mapped node's end is told with its item lines (`Follower.map_ended`, cloud_items.py)
  once the execution ended: in its place when the execution ended before the poll that saw the map end,
  else after the lines of the groups told meanwhile.
- Stop (Ctrl-C): `POST {endpoint}v1/{execution}:cancel`.

Credentials are the usual ones: an OAuth access token from GOOGLE_OAUTH_ACCESS_TOKEN, else from
`gcloud auth print-access-token`. The endpoint is gcloud's own override when set
(CLOUDSDK_API_ENDPOINT_OVERRIDES_WORKFLOWEXECUTIONS), else https://workflowexecutions.googleapis.com/.
A step entry carries no call result, so the progress lines of groups that ended before the execution show
no rows; the report has them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from urllib.parse import quote

from glacierc.cloud_common import CloudError, CloudUsage, http_json, seconds
from glacierc.cloud_follow import Follower
from glacierc.cloud_gcp_payloads import failure, group_results, map_items, raised_errors, returned_or_raised
from glacierc.cloud_items import Items
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
        self.map_steps = {f"map_{g.id}" for g in groups}
        self.results: dict[str, dict[str, dict]] = {}  # group -> {node: report}, once the execution ended
        self.items: dict[str, Items] = {}  # mapped group -> its tally, once the execution ended
        #: mapped group -> (when, state, error payload) of its step's end, told once the tally is known
        self.maps_ended: dict[str, tuple[float, str, object]] = {}
        self.finished = False  # the execution ended (its results and tallies are read)
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
        self.finished = state in _ENDED
        if self.finished:  # read before the last entries, so that their lines show the results and tallies
            found = returned_or_raised(execution)
            self.results, self.items = group_results(found), map_items(found)
        for entry in self._step_entries():
            self._entry(entry, follower)
        if state not in _ENDED:
            return None
        for group in list(self.maps_ended):
            self._map_ended(group, follower)
        for group, reports in self.results.items():
            follower.group_results(group, reports)
        ended = seconds(execution.get("endTime")) or when or 0.0
        error = execution.get("error")
        error, cause = failure(error.get("payload") if isinstance(error, dict) else None) \
            if state != "SUCCEEDED" else ("", "")
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
        exception = entry.get("exception")
        payload = exception.get("payload") if isinstance(exception, dict) else None
        if state in _ENTRY_ENDED and str(entry.get("step")) in self.map_steps:
            self.maps_ended[group] = (ended, state, payload)  # its tally comes with the execution's end
            if self.finished:  # known now: told in its place, before the entries after it
                self._map_ended(group, follower)
        elif state == "STATE_SUCCEEDED":
            follower.group_succeeded(group, ended, self.results.get(group, {}))
        elif state == "STATE_FAILED":
            follower.group_failed(group, ended, *failure(payload))

    def _map_ended(self, group: str, follower: Follower) -> None:
        """A mapped group's step ended: its items when the execution gave its tally, else the step's end."""
        ended, state, payload = self.maps_ended.pop(group)
        error, cause = failure(payload) if state == "STATE_FAILED" else ("", "")
        items = self.items.get(group)
        if items is not None:  # the tally lists the failed objects: the error's own object line is left out
            raised = next((r for r in raised_errors(payload) if isinstance(r.get("message"), str)), None)
            follower.map_ended(group, ended, items, state == "STATE_SUCCEEDED", error,
                               str(raised["message"]) if raised is not None else cause)
        elif state == "STATE_SUCCEEDED":
            follower.group_succeeded(group, ended, {})
        else:
            follower.group_failed(group, ended, error, cause)


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


def _entry_order(entry: dict) -> tuple[int, str]:
    text = str(entry.get("entryId") or "")
    return (int(text) if text.isdigit() else 0, str(entry.get("name") or ""))
