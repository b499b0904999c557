"""GLC220 invalid-map-option: an argument of `dataset.partitions(...)` that is not one of its options, or
not a whole number in range known statically.

Reported by `glacierc/frontend/mapping.py` while lowering a map; this module holds its code, documentation
and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, Case, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC220"
NAME = "invalid-map-option"
SEVERITY = Severity.ERROR
TITLE = "an argument of `dataset.partitions(...)` that is not a valid map option"
WHAT = ("Reports an argument of `dataset.partitions(...)` in a map that is positional, names no option, or whose "
        "value is not a whole number known statically in range: `max_parallel=` (runs at once, at least 1) and "
        "`tolerated_failures=` (failing objects the map tolerates, at least 0) are its only options.")
WHY = ("The options become the cloud engine's settings at build time (Step Functions `MaxConcurrency` and "
       "`ToleratedFailureCount`, Workflows `concurrency_limit`, the size of a Durable `task_all` batch): a value "
       "known only at run time, or out of range, cannot be deployed.")
HELP = "write `{storage}.partitions(max_parallel=8, tolerated_failures=0)` with whole numbers written in the code"

#: Its messages (templates: the reporting site fills in the fields).
POSITIONAL = Message(CODE, SEVERITY, "`{storage}.partitions()` in pipeline `{pipeline}` takes keyword arguments only "
                     "(`max_parallel=`, `tolerated_failures=`)", HELP)
UNKNOWN = Message(CODE, SEVERITY, "`{storage}.partitions()` in pipeline `{pipeline}` has no option `{option}`; its "
                  "options are `max_parallel` and `tolerated_failures`", HELP)
NOT_A_NUMBER = Message(CODE, SEVERITY, "`{option}=` of `{storage}.partitions()` in pipeline `{pipeline}` must be a "
                       "whole number known statically, got {got}", HELP)
OUT_OF_RANGE = Message(CODE, SEVERITY, "`{option}={value}` of `{storage}.partitions()` in pipeline `{pipeline}` is "
                       "out of range: it must be at least {least}", HELP)
REPEATED = Message(CODE, SEVERITY, "`{option}=` is given twice to `{storage}.partitions()` in pipeline `{pipeline}`",
                   HELP)

_TASKS = """\
events = provider.bucket(bucket="data", path="events/*.parquet")

@local_exec.task()
def clean(part) -> pl.LazyFrame:
    return part.scan()

@local_exec.task()
def combine(parts: list) -> pl.DataFrame:
    return pl.concat(parts).collect()

"""


def _map(options: str) -> str:
    return HEAD + _TASKS + f"""\
@pipeline(name='p')
def p():
    return combine([clean(part) for part in events.partitions({options})])
"""


def _refused(options: str, message: str) -> Case:
    """The map given `options`, and `message` on them (line 21 of `_map`, from column 63)."""
    return invalid(_map(options), (21, 63, 21, 63 + len(options), message))


INVALID = (
    _refused("max_parallel=0",
             "`max_parallel=0` of `events.partitions()` in pipeline `p` is out of range: it must be at least 1"),
    _refused("tolerated_failures=-1",
             "`tolerated_failures=-1` of `events.partitions()` in pipeline `p` is out of range: it must be at least 0"),
    _refused("parallel=4", "`events.partitions()` in pipeline `p` has no option `parallel`; its options are "
                           "`max_parallel` and `tolerated_failures`"),
    _refused("4", "`events.partitions()` in pipeline `p` takes keyword arguments only "
                  "(`max_parallel=`, `tolerated_failures=`)"),
    _refused("max_parallel=2.5", "`max_parallel=` of `events.partitions()` in pipeline `p` must be a whole number "
                                 "known statically, got 2.5"),
    _refused("tolerated_failures=None", "`tolerated_failures=` of `events.partitions()` in pipeline `p` must be a "
                                        "whole number known statically, got None"),
    _refused("max_parallel=True", "`max_parallel=` of `events.partitions()` in pipeline `p` must be a whole number "
                                  "known statically, got True"),
)
VALID = (
    valid(_map("max_parallel=8, tolerated_failures=2")),
    valid(_map("")),
    valid(_map("max_parallel=None, tolerated_failures=0")),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
