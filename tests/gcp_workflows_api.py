"""A stand-in of the Workflows Executions API (v1) on a free local port, for `glacierc run --cloud` on GCP.

It serves the part `glacierc/cloud_gcp.py` calls, and checks each request as the service would: a bearer
token on every call, `POST v1/{workflow}/executions` with `{"argument": "{}"}` (anything else is 400; an
unknown workflow 404), `GET v1/{execution}`, `GET v1/{execution}/stepEntries` (two entries a page, so the
paging is exercised) and `POST v1/{execution}:cancel`. A new execution runs the deployed definition with
tests/gcp_workflows_interpreter.py in a thread (its calls served by the built functions and jobs), and its
step entries are the interpreter's: what the follower reads is what the definition did.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from gcp_workflows_interpreter import Interpreter, WorkflowError
from stand_in import Answer, Request, serving

PAGE = 2


@dataclass
class Run:
    interpreter: Interpreter
    start: str
    state: str = "ACTIVE"
    end: str | None = None
    result: str | None = None
    error: dict | None = None


@dataclass
class Api:
    workflow: str
    interpreter_of: Callable[[str], Interpreter]  # execution id -> the interpreter running it
    token: str
    runs: dict[str, Run] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Authorization
    crashes: list[str] = field(default_factory=list)  # the harness's own failures, never the workflow's

    def answer(self, request: Request) -> Answer:
        method, path, auth, body = request.method, request.path, request.headers.get("Authorization"), request.json()
        self.requests.append((method, path, auth))
        if auth != f"Bearer {self.token}":
            return 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials."}}
        if not path.startswith("/v1/projects/"):
            return 404, {"error": {"code": 404, "message": f"no such path {path}"}}
        name, _, query = path.removeprefix("/v1/").partition("?")
        if method == "POST" and name == f"{self.workflow}/executions":
            if body != {"argument": "{}"}:
                return 400, {"error": {"code": 400, "message": f"unexpected execution body {body!r}"}}
            return 200, self._create()
        if method == "POST" and name.startswith(self.workflow) and name.endswith(":cancel"):
            run = self._run(name.removesuffix(":cancel"))
            if run is not None and run.state == "ACTIVE":
                run.state, run.end = "CANCELLED", _now()
            return (404, {}) if run is None else (200, {})
        if method == "GET" and name.endswith("/stepEntries"):
            run = self._run(name.removesuffix("/stepEntries"))
            return (404, {}) if run is None else (200, _page(list(run.interpreter.entries), query))
        if method == "GET":
            run = self._run(name)
            return (404, {"error": {"code": 404, "message": "not found"}}) if run is None else (200, self._get(name))
        return 404, {"error": {"code": 404, "message": f"no such workflow or method: {method} {name}"}}

    def _create(self) -> dict:
        execution = str(uuid.uuid4())
        name = f"{self.workflow}/executions/{execution}"
        run = Run(self.interpreter_of(execution), _now())
        self.runs[name] = run
        threading.Thread(target=self._execute, args=(run,), daemon=True).start()
        return {"name": name, "state": "ACTIVE", "startTime": run.start}

    def _execute(self, run: Run) -> None:
        try:
            value = run.interpreter.run()
        except WorkflowError as error:
            run.error, state = {"payload": json.dumps(error.value), "context": "main"}, "FAILED"
        except Exception as error:  # the interpreter refused the definition: the test must fail
            self.crashes.append(f"{type(error).__name__}: {error}")
            run.error, state = {"payload": json.dumps(str(error))}, "FAILED"
        else:
            run.result, state = json.dumps(value), "SUCCEEDED"
        run.end = _now()
        run.state = state  # last: a reader seeing the end state sees its time, result and error

    def _run(self, name: str) -> Run | None:
        return self.runs.get(name)

    def _get(self, name: str) -> dict:
        run = self.runs[name]
        found = {"name": name, "state": run.state, "startTime": run.start, "argument": "{}"}
        if run.end is not None and run.state != "ACTIVE":
            found["endTime"] = run.end
        if run.result is not None:
            found["result"] = run.result
        if run.error is not None:
            found["error"] = run.error
        return found


def _page(entries: list[dict], query: str) -> dict:
    options = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    start = int(options.get("pageToken") or 0)
    page = {"stepEntries": entries[start:start + PAGE]}
    if start + PAGE < len(entries):
        page["nextPageToken"] = str(start + PAGE)
    return page


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


@contextlib.contextmanager
def workflows_api(workflow: str, interpreter_of: Callable[[str], Interpreter], token: str) -> Iterator[tuple[str, Api]]:
    """The API's base URL (what CLOUDSDK_API_ENDPOINT_OVERRIDES_WORKFLOWEXECUTIONS says) and its state."""
    api = Api(workflow, interpreter_of, token)
    with serving(lambda request: api.answer(request)) as url:  # looked up per request: a test may replace it
        yield f"{url}/", api
