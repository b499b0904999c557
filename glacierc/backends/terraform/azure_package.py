"""The deployment package of one Azure Functions app (one app per serverless executor).

The zip holds `function_app.py` (Python v2 programming model: one HTTP function per task of the
executor and, for the pipelines orchestrated in the app, their Durable Functions orchestrators,
activities and starters), `host.json` (the executor's `functionTimeout`, the extension bundle with the
Durable Functions extension, one activity at a time per instance), `requirements.txt` (installed by the remote build; Polars and the
Durable Functions SDK pinned to the versions the suite runs) and the runners of the pipelines calling
the tasks under `glacier_runners/`. It is built with `packaging.package`, so its bytes depend only on
its contents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from glacierc.backends.terraform import azure_orchestration as orchestration
from glacierc.backends.terraform.common import render_text
from glacierc.backends.terraform.packaging import PipelineEntry, package, runner_files

APP_REQUIREMENTS = "azure-functions>=1.20,<2\nazure-functions-durable==1.7.0\npolars==2.1.0\n"
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
    """function_app.py: the tasks' HTTP functions and the orchestrations hosted in this app."""
    runners = {p.name: p.runner for f in functions for p in f.pipelines}
    return render_text("terraform/azure/function_app.py.j2", executor=executor, location=location,
                       functions=functions, orchestrations=orchestrations,
                       runners={o.pipeline: runners.get(o.pipeline) for o in orchestrations},
                       node_failed=orchestration.NODE_FAILED, not_orchestrated=orchestration.NOT_ORCHESTRATED,
                       retry_interval=orchestration.RETRY_FIRST_INTERVAL_MS)


def app_zip(executor: str, location: str, functions: tuple[AppFunction, ...], timeout_seconds: int,
            runner_sources: Mapping[str, str] | None,
            orchestrations: tuple[orchestration.Orchestration, ...] = ()) -> bytes:
    if runner_sources is None:  # validation only (`check`): no package is built
        return b""
    files = {
        "function_app.py": app_source(executor, location, functions, orchestrations),
        "host.json": host_json(timeout_seconds),
        "requirements.txt": APP_REQUIREMENTS,
    }
    files.update(runner_files((p for f in functions for p in f.pipelines), runner_sources))
    return package(files)
