"""GLC225 generator-task: a task whose body uses `yield`.

Reported by `glacierc/frontend/tasks.py` while lowering a task; the library refuses the same function when
the decorator runs (`glacier.tasks.Task`). This module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, LOAD_PIPELINE, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC225"
NAME = "generator-task"
SEVERITY = Severity.ERROR
TITLE = "a task whose body uses `yield`"
WHAT = "Reports a task function that is a generator: its body uses `yield` or `yield from`."
WHY = ("Every engine calls a task as a plain function: calling a generator function only creates a generator, "
       "so nothing in the body runs unless something iterates it. A write in it would never happen while the "
       "node reports success.")

#: Its messages (templates: the reporting site fills in the fields).
GENERATOR_TASK = Message(CODE, SEVERITY, "task `{task}` uses `yield`, so calling it only makes a generator and "
                         "its body would never run",
                         "return the value (e.g. `return pl.concat(frames)` or a list) instead of yielding it; "
                         "a generator inside the body may stay if the task consumes it")

INVALID = (
    invalid(HEAD + """\
@local_exec.task()
def load(source) -> pl.DataFrame:
    for frame in source.read().iter_slices(1000):
        yield frame
""" + LOAD_PIPELINE,
            (12, 9, 12, 20, "task `load` uses `yield`, so calling it only makes a generator and its body would "
                           "never run")),
    invalid(HEAD + """\
@local_exec.task()
def load(source):
    yield from [source.read()]
""" + LOAD_PIPELINE,
            (11, 5, 11, 31, "task `load` uses `yield`, so calling it only makes a generator and its body would "
                           "never run")),
)
VALID = (
    valid(HEAD + """\
def slices(frame):
    yield from frame.iter_slices(1000)

@local_exec.task()
def load(source) -> pl.DataFrame:
    frames = [pl.DataFrame(s) for s in slices(source.read())]
    return pl.concat(frames)
""" + LOAD_PIPELINE),
    valid(HEAD + """\
@local_exec.task()
def load(source) -> pl.DataFrame:
    def rows():
        yield 1
    squares = (n * n for n in rows())
    return pl.DataFrame({"n": list(squares)})
""" + LOAD_PIPELINE),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
