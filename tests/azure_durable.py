"""Drive a generated Azure Functions app offline: its Durable Functions orchestrators replayed by the SDK,
its activities run for real.

There is no Durable Functions host offline: the extension is .NET code inside the Functions host, and its
task hub lives in Azure Storage queues and tables. What runs offline is the Python SDK's replay engine, and
`Host` drives it the way the SDK's own tests do (azure-functions-durable-python, tests/orchestrator/ and
tests/test_utils/ContextBuilder.py): it builds the orchestration context JSON from a history, calls the
app's registered orchestrator function (`Orchestrator.create(...).handle`, what the worker calls), reads the
actions it asks for, and appends TaskScheduled / TaskCompleted (or TaskFailed) events, episode after episode,
until the state says `isDone`. It plays the extension's part: each scheduled activity is the app's real
registered activity function, called with the action's input; a `call_activity_with_retry` is retried as
DTFx does (TaskFailed, a timer, the task again; after the last failure the one more timer the SDK waits for).
Event ids follow the SDK's sequence numbers: every task and retry timer takes the next one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import shutil
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: Azurite's well-known development account (public, the same in every installation).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def azurite_binary() -> Path | str:
    """azurite-blob from `npm install --prefix <repo> azurite` (.ci/run), the PATH, or the runner tests' cache;
    a reason string when there is none."""
    for candidate in (REPO / "node_modules" / ".bin" / "azurite-blob",
                      Path.home() / ".cache" / "glacier-test" / "azurite" / "node_modules" / ".bin" / "azurite-blob"):
        if candidate.exists():
            return candidate
    found = shutil.which("azurite-blob")
    return Path(found) if found else ("Azurite is not installed: npm install --no-save --prefix . azurite "
                                      "(.ci/run does)")


def azurite_command(binary: Path, port: int, location: Path) -> list[str]:
    """The blob emulator on `port` of 127.0.0.1, its data in `location`."""
    return [str(binary), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(location),
            "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry"]


@contextlib.contextmanager
def azurite(binary: Path, location: Path, *options: str) -> Iterator[str]:
    """A blob emulator on a free port of 127.0.0.1 for the duration (with more command-line `options`); yields
    its account URL."""
    from stand_in import emulator, free_port

    port = free_port()
    with emulator([*azurite_command(binary, port, location), *options], port) as started:
        if not started:
            raise RuntimeError("Azurite did not start")
        yield f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"


def azurite_or_skip(tmp_path_factory, *options: str) -> Iterator[str]:
    """The body of a test module's `azurite` fixture (`yield from` it): the account URL of an emulator serving
    while the module runs (with more command-line `options`); the module is skipped without Azurite or
    azure-storage-blob (the dev extra)."""
    import pytest

    binary = azurite_binary()
    if isinstance(binary, str):
        pytest.skip(binary)
    pytest.importorskip("azure.storage.blob", reason="azure-storage-blob (dev extra) creates the containers")
    with azurite(binary, tmp_path_factory.mktemp("azurite"), *options) as url:
        yield url


def azurite_environment(account_url: str) -> dict[str, str]:
    """What reaches the Azurite account at `account_url` from Polars and azure-storage-blob inside the app's code
    (the account key stands in for the identity)."""
    return {"AZURE_STORAGE_ACCOUNT_NAME": AZURITE_ACCOUNT, "AZURE_STORAGE_ACCOUNT_KEY": AZURITE_KEY,
            "AZURE_STORAGE_USE_EMULATOR": "true", "AZURITE_BLOB_STORAGE_URL": account_url.rsplit("/", 1)[0]}


def local_outputs(built: Path, data: Path, objects: dict[str, list[int]]) -> Path:
    """The built pipeline's runner (`built/runners/p.py`) run on local files, what a replayed orchestration's
    outputs are compared with: every `objects` entry (`<container>/<blob name>` -> column `a`) is written under
    `data` as parquet, then the runner runs with `--data-dir data` outside the app's environment; `data`."""
    import os
    import subprocess

    import polars as pl

    for name, values in objects.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        pl.DataFrame({"a": values}).write_parquet(data / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE", "GLACIER"))}
    local = subprocess.run([sys.executable, str(built / "runners" / "p.py"), "--data-dir", str(data)],
                           capture_output=True, text=True, timeout=300, env=env, check=False)
    assert local.returncode == 0, local.stderr
    return data


def blob_service(account_url: str, containers: Iterable[str] = (), *, empty: bool = False):
    """azure-storage-blob's client of the Azurite account at `account_url` (its well-known key stands in for an
    identity), with each of `containers` there: created when missing, and emptied first with `empty`."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
                                                       f"AccountKey={AZURITE_KEY};BlobEndpoint={account_url};")
    for name in containers:
        client = service.get_container_client(name)
        if client.exists():
            if not empty:
                continue
            client.delete_container()
        service.create_container(name)
    return service


CALL_ACTIVITY, CALL_ACTIVITY_WITH_RETRY = 0, 1
EXECUTION_STARTED, TASK_SCHEDULED, TASK_COMPLETED, TASK_FAILED = 0, 4, 5, 6
TIMER_CREATED, TIMER_FIRED, ORCHESTRATOR_STARTED, ORCHESTRATOR_COMPLETED = 10, 11, 12, 13
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
OUT_OF_PROC = "\n\n$OutOfProcData$:"


def load_app(package: bytes, directory: Path):
    """The generated function_app.py of `package`, unpacked into `directory` and imported."""
    zipfile.ZipFile(io.BytesIO(package)).extractall(directory)
    name = f"function_app_{abs(hash(directory))}"
    spec = importlib.util.spec_from_file_location(name, directory / "function_app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def registered(app) -> dict[str, object]:
    """Function name -> the registered function (trigger, user function) of a FunctionApp / DFApp (read once:
    `get_functions` refuses to index an app twice)."""
    if not hasattr(app, "_glacier_registered"):
        app._glacier_registered = {f.get_function_name(): f for f in app.app.get_functions()}
    return app._glacier_registered


@dataclass
class Call:
    """One activity invocation the host made: its function, input, and the error it raised (if any)."""

    activity: str
    event: dict
    error: str | None = None


@dataclass
class Host:
    """Runs one orchestration instance of `app` to its end (see the module docstring)."""

    app: object
    orchestrator: str
    instance_id: str = "0123456789abcdef0123456789abcdef"
    history: list[dict] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)  # every action the orchestrator asked for, in order
    _clock: datetime = field(default_factory=lambda: datetime(2026, 1, 1))
    _sequence: int = 0

    def run(self, episodes: int = 50) -> dict:
        """The orchestrator's final state: {"isDone", "output" or "error", "actions", ...}."""
        functions = registered(self.app)
        handle = functions[self.orchestrator].get_user_function()
        self._event(ORCHESTRATOR_STARTED)
        self._event(EXECUTION_STARTED, IsPlayed=False, Name=self.orchestrator, Version="", Input=None,
                    OrchestrationInstance={"InstanceId": self.instance_id, "ExecutionId": "e"})
        for _ in range(episodes):
            state = self._replay(handle)
            if state.get("isDone") or state.get("error"):
                return state
            new = [a for group in state["actions"] for a in group][len(self.actions):]
            if not new:
                raise AssertionError(f"orchestration waits for nothing the host can give: {state}")
            self.actions += new
            self._event(ORCHESTRATOR_COMPLETED)
            ids = [self._next() for _ in new]
            self._event(ORCHESTRATOR_STARTED)
            for task_id, action in zip(ids, new):
                self._serve(functions, task_id, action)
        raise AssertionError(f"orchestration not done after {episodes} episodes")

    def _replay(self, handle) -> dict:
        """One episode: the SDK replays the orchestrator over the history. A failed orchestration raises with
        its state after the `$OutOfProcData$:` marker, which is what the extension reads."""
        context = json.dumps({"history": self.history, "instanceId": self.instance_id, "isReplaying": False,
                              "parentInstanceId": None, "input": None})
        try:
            return json.loads(handle(context))
        except Exception as error:
            message = str(error)
            if OUT_OF_PROC not in message:
                raise
            return json.loads(message.split(OUT_OF_PROC, 1)[1])

    def _serve(self, functions, task_id: int, action: dict) -> None:
        if action["actionType"] not in (CALL_ACTIVITY, CALL_ACTIVITY_WITH_RETRY):
            raise AssertionError(f"the host runs activities only, not {action}")
        name, event = action["functionName"], json.loads(action["input"])
        attempts = action.get("retryOptions", {}).get("maxNumberOfAttempts", 1)
        for attempt in range(1, attempts + 1):
            self._event(TASK_SCHEDULED, EventId=task_id, Name=name)
            call = Call(name, event)
            self.calls.append(call)
            try:
                result = functions[name].get_user_function()(json.loads(json.dumps(event)))
            except Exception as error:  # the activity failed: the host reports it, as the extension does
                call.error = f"{type(error).__name__}: {error}"
                self._event(TASK_FAILED, TaskScheduledId=task_id, Reason=call.error, Details="")
            else:
                self._event(TASK_COMPLETED, TaskScheduledId=task_id, Result=json.dumps(result))
                return
            if action["actionType"] == CALL_ACTIVITY:
                return
            timer = self._next()
            fire_at = (self._clock + timedelta(milliseconds=action["retryOptions"]["firstRetryIntervalInMilliseconds"]))
            self._event(TIMER_CREATED, EventId=timer, FireAt=fire_at.strftime(TIME_FORMAT))
            self._event(TIMER_FIRED, TimerId=timer, FireAt=fire_at.strftime(TIME_FORMAT))
            if attempt < attempts:
                task_id = self._next()

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence - 1

    def _event(self, kind: int, EventId: int = -1, IsPlayed: bool = False, **values) -> None:
        self._clock += timedelta(seconds=1)
        self.history.append({"EventType": kind, "EventId": EventId, "IsPlayed": IsPlayed,
                             "Timestamp": self._clock.strftime(TIME_FORMAT), **values})


@dataclass
class Started:
    """One orchestration a starter asked the extension to start."""

    orchestrator: str
    body: str


@contextlib.contextmanager
def extension_api() -> Iterator[tuple[str, list[Started]]]:
    """The Durable extension's HTTP API as a starter's client binding reaches it (`rpcBaseUrl`), on a free
    port: POST orchestrators/<name> answers 202 with a new instance id and is recorded. Yields the client
    binding JSON (what the Functions host passes as `durable_client_input`) and the recorded starts."""
    from stand_in import Request, serving

    started: list[Started] = []

    def answer(request: Request) -> tuple[int, object]:
        name = request.route.rsplit("/orchestrators/", 1)[-1]
        started.append(Started(name, request.body.decode()))
        return 202, {"id": f"instance{len(started)}"}

    with serving(answer) as url:
        yield client_binding(f"{url}/runtime/webhooks/durabletask/"), started


def client_binding(base: str) -> str:
    """What the Functions host passes as `durable_client_input`: the extension's URLs below `base`."""
    status = f"{base}instances/INSTANCEID"
    return json.dumps({
        "taskHubName": "hub", "creationUrls": {}, "rpcBaseUrl": base,
        "managementUrls": {"id": "INSTANCEID", "statusQueryGetUri": status, "sendEventPostUri": f"{status}/raiseEvent",
                           "terminatePostUri": f"{status}/terminate", "purgeHistoryDeleteUri": status}})
