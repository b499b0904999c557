"""The deployment package of one Azure Functions app (one app per serverless executor).

The zip holds `function_app.py` (Python v2 programming model: one HTTP function per task of the
executor), `host.json` (the executor's `functionTimeout`), `requirements.txt` (installed by the
remote build) and the runners of the pipelines calling the tasks under `glacier_runners/`. It is
built with `packaging.package`, so its bytes depend only on its contents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from glacierc.backends.terraform.common import render_text
from glacierc.backends.terraform.packaging import PipelineEntry, package, runner_files

APP_REQUIREMENTS = "azure-functions\npolars\n"


@dataclass(frozen=True, slots=True)
class AppFunction:
    task: str
    route: str  # the task's label: the URL path and (prefixed) the Python function name
    pipelines: tuple[PipelineEntry, ...]


def host_json(timeout_seconds: int) -> str:
    hours, rest = divmod(timeout_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return json.dumps({"functionTimeout": f"{hours:02d}:{minutes:02d}:{seconds:02d}", "version": "2.0"},
                      indent=2, sort_keys=True) + "\n"


def app_zip(executor: str, location: str, functions: tuple[AppFunction, ...], timeout_seconds: int,
            runner_sources: Mapping[str, str] | None) -> bytes:
    if runner_sources is None:  # validation only (`check`): no package is built
        return b""
    files = {
        "function_app.py": render_text("terraform/azure/function_app.py.j2", executor=executor,
                                       location=location, functions=functions),
        "host.json": host_json(timeout_seconds),
        "requirements.txt": APP_REQUIREMENTS,
    }
    files.update(runner_files((p for f in functions for p in f.pipelines), runner_sources))
    return package(files)
