"""The deployment package of one Azure Functions app (one app per serverless executor).

The zip holds `function_app.py` (Python v2 programming model, laid out in Python from the fixed module
glacierc/entrypoints/azure_functions.py: its tables, then one HTTP function per task of the executor
and, for the pipelines orchestrated in the app, their Durable Functions orchestrators, activities and
starters), `host.json` (the executor's `functionTimeout`, the extension bundle with the
Durable Functions extension, one activity at a time per instance), `requirements.txt` (installed by the remote build: the Functions and
Durable Functions SDKs, then the requirement set of the bundled code, requirements.py) and the runners of the pipelines calling
the tasks under `glacier_runners/`. It is built with `packaging.package`, so its bytes depend only on
its contents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from glacierc.backends.escaping import identifier, py_literal
from glacierc.backends.terraform import azure_orchestration as orchestration
from glacierc.backends.terraform.entry_module import entry_module, flat_table, nested_table
from glacierc.backends.terraform.packaging import PipelineEntry, package, requirements_file, runner_files
from glacierc.runtime.node import staging_variable

ENTRY_MODULE = "azure_functions"
#: What the generated function_app.py imports; the runners' requirements follow (requirements.py).
ENTRY_REQUIREMENTS = ("azure-functions>=1.20,<2", "azure-functions-durable==1.7.0")
#: What a map's listing activity uses (Blob Storage's list, as the app's managed identity): apps with a map only.
MAP_REQUIREMENTS = ("azure-identity>=1.15,<2", "azure-storage-blob>=12.19,<13")
#: Durable Functions (and the timer and HTTP triggers) come with the extension bundle.
EXTENSION_BUNDLE = {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"}
#: One activity at a time per instance: the runner keeps its active run per process, so a second activity
#: waits in the task hub's queue (or runs on another instance) instead of waiting inside its own timeout.
DURABLE_TASK = {"maxConcurrentActivityFunctions": 1}


@dataclass(frozen=True, slots=True)
class AppFunction:
    task: str
    route: str  # the task's label: the URL path and (prefixed) the Python function name
    pipelines: tuple[PipelineEntry, ...]


def host_json(timeout_seconds: int) -> str:
    hours, rest = divmod(timeout_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return json.dumps({"extensionBundle": EXTENSION_BUNDLE, "extensions": {"durableTask": DURABLE_TASK},
                       "functionTimeout": f"{hours:02d}:{minutes:02d}:{seconds:02d}", "version": "2.0"},
                      indent=2, sort_keys=True) + "\n"


def app_source(executor: str, location: str, functions: tuple[AppFunction, ...],
               orchestrations: tuple[orchestration.Orchestration, ...] = ()) -> str:
    """function_app.py: glacierc/entrypoints/azure_functions.py with this app's tables, then its registered
    functions (the tasks' HTTP functions and the orchestrations hosted here)."""
    runners = {p.name: p.runner for f in functions for p in f.pipelines}
    tables = {
        "TASKS": nested_table({f.task: {p.name: (p.runner, p.nodes) for p in f.pipelines} for f in functions}),
        "ORCHESTRATIONS": nested_table({o.orchestrator: {"pipeline": o.pipeline, "run_prefix": o.run_prefix,
                                                         "levels": o.levels} for o in orchestrations}),
        "ORCHESTRATORS": flat_table({o.pipeline: o.orchestrator for o in orchestrations}),
        "GROUPS": nested_table({(o.pipeline, a.group): {
            "activity": a.name, "runner": runners.get(o.pipeline), "nodes": a.nodes, "retries": a.retries,
            "cause": a.cause, **({"remote": a.remote, "staging": staging_variable(o.pipeline)} if a.remote else {}),
            **({"timeout": a.timeout} if a.remote and a.timeout is not None else {}),
            **_map_row(a)}
            for o in orchestrations for a in o.activities}),
        "STOPS": flat_table({(o.pipeline, s.group): s.message for o in orchestrations for s in o.stops}),
    }
    after = [_task_function(f) for f in functions]
    after += [part for o in orchestrations for part in _orchestration_functions(o)]
    after += [START] if orchestrations else []
    return entry_module(ENTRY_MODULE, f"executor {executor} ({location})", tables, after=after)


def _map_row(a: orchestration.Activity) -> dict[str, object]:
    """The GROUPS entries of a mapped node's activity (none for the others, whose rows stay as they were)."""
    if a.map is None:
        return {}
    m = a.map
    return {"map": {"lister": m.lister, "dataset": m.dataset, "container": m.container, "prefix": m.prefix,
                    "batch": m.batch, "tolerated": m.tolerated}}


def _task_function(f: AppFunction) -> str:
    return (f"@app.route(route={py_literal(f.route)}, methods=[\"POST\"])\n"
            f"def {identifier('task_' + f.route)}(req: func.HttpRequest) -> func.HttpResponse:\n"
            f"    return _respond({py_literal(f.task)}, req)\n")


def _orchestration_functions(o: orchestration.Orchestration) -> list[str]:
    name = py_literal(o.orchestrator)
    found = [f"@app.orchestration_trigger(context_name=\"context\", orchestration={name})\n"
             f"def {identifier(o.orchestrator)}(context: df.DurableOrchestrationContext):\n"
             f"    return (yield from orchestrate(context, {name}))\n"]
    for a in o.activities:
        runs = "run_activity" if a.map is None else "run_item_activity"
        found.append(f"@app.activity_trigger(input_name=\"event\", activity={py_literal(a.name)})\n"
                     f"def {identifier(a.name)}(event):\n"
                     f"    return {runs}({py_literal(o.pipeline)}, {py_literal(a.group)}, event)\n")
        if a.map is not None:
            found.append(f"@app.activity_trigger(input_name=\"event\", activity={py_literal(a.map.lister)})\n"
                         f"def {identifier(a.map.lister)}(event):\n"
                         f"    return list_activity({py_literal(o.pipeline)}, {py_literal(a.group)}, event)\n")
    if o.ncrontab:
        found.append(f"@app.timer_trigger(schedule={py_literal(o.ncrontab)}, arg_name=\"timer\", run_on_startup=False)\n"
                     "@app.durable_client_input(client_name=\"client\")\n"
                     f"async def {identifier(o.starter)}(timer: func.TimerRequest, client) -> None:\n"
                     f"    await client.start_new({name})\n")
    return found


#: The HTTP starter, registered when the app orchestrates a pipeline (its code is `_start`).
START = """@app.route(route="orchestrators/{pipeline}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client) -> func.HttpResponse:
    return await _start(req, client)
"""


def app_zip(executor: str, location: str, functions: tuple[AppFunction, ...], timeout_seconds: int,
            runner_sources: Mapping[str, str] | None,
            orchestrations: tuple[orchestration.Orchestration, ...] = ()) -> bytes:
    if runner_sources is None:  # validation only (`check`): no package is built
        return b""
    maps = any(a.map is not None for o in orchestrations for a in o.activities)
    runners = runner_files((p for f in functions for p in f.pipelines), runner_sources)
    entry = ENTRY_REQUIREMENTS + (MAP_REQUIREMENTS if maps else ())
    files = {
        "function_app.py": app_source(executor, location, functions, orchestrations),
        "host.json": host_json(timeout_seconds),
        "requirements.txt": requirements_file(runners, runner_sources, entry),
        **runners,
    }
    if any(a.remote for o in orchestrations for a in o.activities):
        files[REMOTE_MODULE] = remote_source()
    return package(files)


#: The runtime module an activity runs a VM's group with (glacierc/runtime/azure_remote.py, copied).
REMOTE_MODULE = "glacier_remote.py"


def remote_source() -> str:
    from glacierc.runtime import azure_remote

    return Path(azure_remote.__file__).read_text(encoding="utf-8")
