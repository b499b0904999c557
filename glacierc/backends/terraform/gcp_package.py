"""The source package of the Cloud Functions (2nd gen) of one serverless executor, built by glacierc.

Every function of the executor deploys the same zip: `main.py` with one entry point per task (the
function's `entry_point`), `requirements.txt` and, for every pipeline calling any of the tasks, that
pipeline's runner under `glacier_runners/` (once). `packaging.package` writes it deterministically
and `packaging.content_name` names its storage object after its content.
"""

from __future__ import annotations

from collections.abc import Mapping

from glacierc.backends.terraform.common import render_text
from glacierc.backends.terraform.packaging import (
    TaskEntry,
    package,
    shared_runner_files,
)

#: What the generated entry points import; the task code's own imports are the user's to add.
FUNCTION_REQUIREMENTS = "functions-framework>=3,<4\npolars\n"


def function_zip(executor: str, location: str, tasks: tuple[TaskEntry, ...],
                 runner_sources: Mapping[str, str] | None) -> bytes:
    """The source zip shared by the Cloud Functions of `executor`."""
    if runner_sources is None:  # validation only (`check`): no package is built
        return b""
    main = render_text("terraform/gcp/function_main.py.j2", executor=executor, location=location, tasks=tasks)
    files = {"main.py": main, "requirements.txt": FUNCTION_REQUIREMENTS}
    files.update(shared_runner_files(tasks, runner_sources))
    return package(files)
