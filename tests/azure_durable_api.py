"""A stand-in of a Function App's HTTP surface and of the Durable extension's HTTP API on one free local
port, for `glacierc run --cloud` on Azure.

- `POST /api/orchestrators/<pipeline>` is the app's own registered HTTP starter (`start`), called as the
  Functions host calls it: only with the function key in `x-functions-key` (else 401, as the host answers),
  with a durable client binding whose URLs are this server's. The SDK's real client then asks
- `POST /runtime/webhooks/durabletask/orchestrators/<orchestrator>`, which starts an instance: the
  orchestration is replayed by tests/azure_durable.py's `Host` in a thread, its activities the app's real
  ones; and the follower polls
- `GET /runtime/webhooks/durabletask/instances/<id>?showHistory=true&showHistoryOutput=true`, answered in
  the shape of the extension's status query: `runtimeStatus`, `output`, `createdTime`, `lastUpdatedTime` and
  `historyEvents` translated from the Host's history as the extension shows it (a `TaskScheduled` folded
  into the `TaskCompleted` / `TaskFailed` that ends it, with its `FunctionName` and `ScheduledTime`).
- `POST .../instances/<id>/terminate` is accepted and recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from azure_durable import EXECUTION_STARTED, TASK_COMPLETED, TASK_FAILED, TASK_SCHEDULED, Host, client_binding, \
    registered
from stand_in import Answer, Request, serving

HOOKS = "/runtime/webhooks/durabletask/"


@dataclass
class Instance:
    host: Host
    state: dict | None = None
    crash: str | None = None


@dataclass
class Api:
    app: object
    key: str
    base: str = ""
    instances: dict[str, Instance] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, x-functions-key
    terminated: list[str] = field(default_factory=list)

    def answer(self, request: Request) -> Answer:
        method, path, key, body = request.method, request.path, request.headers.get("x-functions-key"), request.body
        self.requests.append((method, path, key))
        route = request.route
        if method == "POST" and route.startswith("/api/orchestrators/"):
            if key != self.key:
                return 401, None
            return self._start(route.removeprefix("/api/orchestrators/"), body)
        if method == "POST" and route.startswith(f"{HOOKS}orchestrators/"):
            return self._create(route.removeprefix(f"{HOOKS}orchestrators/"))
        if method == "POST" and route.startswith(f"{HOOKS}instances/") and route.endswith("/terminate"):
            self.terminated.append(route)
            return 202, None
        if method == "GET" and route.startswith(f"{HOOKS}instances/"):
            instance = self.instances.get(route.removeprefix(f"{HOOKS}instances/"))
            return (404, None) if instance is None else (200, _status(instance))
        return 404, None

    def _start(self, pipeline: str, body: bytes) -> tuple[int, object]:
        import azure.functions as func
        from azure.durable_functions.models.utils.http_utils import _close_session

        start = registered(self.app)["start"].get_user_function()
        request = func.HttpRequest(method="POST", url=f"{self.base}api/orchestrators/{pipeline}", body=body,
                                   route_params={"pipeline": pipeline})
        binding = client_binding(f"{self.base}{HOOKS[1:]}")

        async def call():  # one event loop per request; the SDK keeps one HTTP session, closed after it
            try:
                return await start(request, client=binding)
            finally:
                await _close_session()

        response = asyncio.run(call())
        body = response.get_body()
        return response.status_code, json.loads(body) if body else None

    def _create(self, orchestrator: str) -> tuple[int, object]:
        number = len(self.instances) + 1
        instance = Instance(Host(self.app, orchestrator, instance_id=f"{number:032x}"))
        self.instances[instance.host.instance_id] = instance
        threading.Thread(target=_run, args=(instance,), daemon=True).start()
        return 202, {"id": instance.host.instance_id}


def _run(instance: Instance) -> None:
    try:
        instance.state = instance.host.run()
    except Exception as error:  # the harness's own failure: reported, and the test fails on it
        instance.crash = f"{type(error).__name__}: {error}"


def _status(instance: Instance) -> dict:
    history = list(instance.host.history)
    state = instance.state
    events = _shown(history)
    last = history[-1]["Timestamp"] if history else None
    found: dict = {"name": instance.host.orchestrator, "instanceId": instance.host.instance_id,
                   "createdTime": history[0]["Timestamp"] if history else None, "lastUpdatedTime": last,
                   "runtimeStatus": "Running", "output": None, "historyEvents": events}
    if instance.crash is not None:
        found.update(runtimeStatus="Failed", output=f"harness crashed: {instance.crash}")
    elif state is not None and state.get("error"):
        found.update(runtimeStatus="Failed", output=f"Orchestrator function '{instance.host.orchestrator}' "
                                                    f"failed: {state['error']}")
    elif state is not None and state.get("isDone"):
        found.update(runtimeStatus="Completed", output=state.get("output"))
    if found["runtimeStatus"] != "Running":
        events.append({"EventType": "ExecutionCompleted", "OrchestrationStatus": found["runtimeStatus"],
                       "Result": found["output"], "Timestamp": last})
    return found


def _shown(history: list[dict]) -> list[dict]:
    """The history as the status query shows it: scheduled tasks folded into their ends."""
    scheduled: dict[int, dict] = {}
    shown = []
    for event in history:
        kind = event["EventType"]
        if kind == EXECUTION_STARTED:
            shown.append({"EventType": "ExecutionStarted", "FunctionName": event.get("Name"),
                          "Timestamp": event["Timestamp"]})
        elif kind == TASK_SCHEDULED:
            scheduled[event["EventId"]] = event
        elif kind in (TASK_COMPLETED, TASK_FAILED):
            start = scheduled.get(event["TaskScheduledId"], {})
            common = {"FunctionName": start.get("Name"), "ScheduledTime": start.get("Timestamp"),
                      "Timestamp": event["Timestamp"]}
            if kind == TASK_COMPLETED:
                shown.append({"EventType": "TaskCompleted", **common, "Result": json.loads(event["Result"])})
            else:
                shown.append({"EventType": "TaskFailed", **common, "Reason": event["Reason"],
                              "Details": event["Details"]})
    return shown


@contextlib.contextmanager
def function_app_api(app, key: str) -> Iterator[tuple[str, Api]]:
    """The app's base URL (`http://127.0.0.1:PORT/`) and the stand-in's state."""
    api = Api(app, key)
    with serving(lambda request: api.answer(request)) as url:  # looked up per request: a test may replace it
        api.base = f"{url}/"
        yield api.base, api
