"""GLC218 partitions-outside-map: `dataset.partitions()` used other than as a map of one task over it.

Reported by `glacierc/frontend/mapping.py` while lowering a pipeline body; this module holds its code,
documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC218"
NAME = "partitions-outside-map"
SEVERITY = Severity.ERROR
TITLE = "`dataset.partitions()` used other than as `[task(p) for p in dataset.partitions()]`"
WHAT = ("Reports `.partitions()` of a dataset in a `@pipeline` body anywhere but as the only `for` clause of a "
        "list comprehension whose element is one task call taking the partition, or a chain of them on one "
        "executor (`b(a(p))`): outside a comprehension (a `for` loop, an assignment), with an `if` or a second "
        "`for` clause, an element that is neither, or a map nested in another map.")
WHY = ("The objects of a dataset are only known when the pipeline runs, so the compiler cannot unroll the "
       "comprehension: it becomes one mapped node that the local runner and the cloud's engine (Step Functions "
       "Distributed Map) run once per object. Anything else would need the list at compile time.")
HELP = "write `[task(p) for p in {storage}.partitions()]` and do the rest inside the task or in the next task"

#: Its messages (templates: the reporting site fills in the fields).
OUTSIDE = Message(CODE, SEVERITY, "`{storage}.partitions()` outside a comprehension in pipeline `{pipeline}`: "
                  "the objects of a dataset are only known at run time", HELP)
NESTED = Message(CODE, SEVERITY, "a map over `{storage}.partitions()` inside the map over `{outer}.partitions()` "
                 "in pipeline `{pipeline}`: maps do not nest", HELP)
SHAPE = Message(CODE, SEVERITY, "the map over `{storage}.partitions()` in pipeline `{pipeline}` {problem}", HELP)

_TASKS = """\
events = provider.bucket(bucket="data", path="events/*.parquet")

@local_exec.task()
def clean(part) -> pl.LazyFrame:
    return part.scan()

@local_exec.task()
def combine(parts: list) -> pl.DataFrame:
    return pl.concat(parts).collect()

"""

INVALID = (
    invalid(HEAD + _TASKS + """\
@pipeline(name='p')
def p():
    for part in events.partitions():
        clean(part)
""",
            (21, 17, 21, 36, "`events.partitions()` outside a comprehension in pipeline `p`: the objects of a "
                             "dataset are only known at run time")),
    invalid(HEAD + _TASKS + """\
@pipeline(name='p')
def p():
    return combine([clean(part) for part in events.partitions() if part])
""",
            (21, 20, 21, 73, "the map over `events.partitions()` in pipeline `p` is filtered by an `if` (the "
                             "objects are only known at run time)")),
    invalid(HEAD + _TASKS + """\
@pipeline(name='p')
def p():
    return combine([combine([clean(q) for q in events.partitions()]) for part in events.partitions()])
""",
            (21, 29, 21, 68, "a map over `events.partitions()` inside the map over `events.partitions()` in "
                             "pipeline `p`: maps do not nest")),
    invalid(HEAD + _TASKS + """\
@pipeline(name='p')
def p():
    return combine([combine([clean(part)]) for part in events.partitions()])
""",
            (21, 20, 21, 76, "the map over `events.partitions()` in pipeline `p` calls 2 tasks per partition; a "
                             "chain passes each task's result itself to the next (`combine` must take `clean`'s "
                             "result, and only that one of the map)")),
    invalid(HEAD + _TASKS + """\
fn = provider.serverless(config=LambdaConfig())

@fn.task()
def shrink(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.head(10)

@pipeline(name='p')
def p():
    return combine([shrink(clean(part)) for part in events.partitions()])
""",
            (27, 20, 27, 73, "the map over `events.partitions()` in pipeline `p` chains tasks on different "
                             "executors (`clean` on `local_exec`, `shrink` on `fn`); a chain runs as one run per "
                             "object, on one executor")),
)
VALID = (
    valid(HEAD + _TASKS + """\
@pipeline(name='p')
def p():
    return combine([clean(part) for part in events.partitions()])
"""),
    valid(HEAD + _TASKS + """\
@local_exec.task()
def shrink(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.head(10)

@pipeline(name='p')
def p():
    return combine([shrink(clean(part)) for part in events.partitions()])
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
