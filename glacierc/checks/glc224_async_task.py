"""GLC224 async-task: a task defined with `async def`.

Reported by `glacierc/frontend/tasks.py` while lowering a task; the library refuses the same function when
the decorator runs (`glacier.tasks.Task`). This module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, LOAD_PIPELINE, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC224"
NAME = "async-task"
SEVERITY = Severity.ERROR
TITLE = "a task defined with `async def`"
WHAT = "Reports a task function defined with `async def`."
WHY = ("Every engine calls a task as a plain function: the runner, the cloud functions and `run(mode=\"local\")` "
       "would get a coroutine that nothing awaits, so the node would report success without its body ever "
       "running.")

#: Its messages (templates: the reporting site fills in the fields).
ASYNC_TASK = Message(CODE, SEVERITY, "task `{task}` is defined with `async def`; its body would never run",
                     "define it with `def`; inside it, run what must be awaited with `asyncio.run(...)`")

INVALID = (
    invalid(HEAD + """\
@local_exec.task()
async def load(source) -> pl.DataFrame:
    return source.read()
""" + LOAD_PIPELINE,
            (10, 11, 10, 15, "task `load` is defined with `async def`; its body would never run")),
)
VALID = (
    valid(HEAD + """\
import asyncio

async def fetch(source) -> pl.DataFrame:
    return source.read()

@local_exec.task()
def load(source) -> pl.DataFrame:
    return asyncio.run(fetch(source))
""" + LOAD_PIPELINE),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
