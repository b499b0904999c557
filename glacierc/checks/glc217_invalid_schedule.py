"""GLC217 invalid-schedule: a `@pipeline(schedule=...)` that EventBridge Scheduler would refuse.

A schedule is `rate(n unit)` (a positive whole number; `minute`/`hour`/`day` for 1, `minutes`/`hours`/`days`
otherwise) or `cron(minutes hours day-of-month month day-of-week year)`: six fields, exactly one of
day-of-month and day-of-week is `?`. Judged on the IR (`Pipeline.schedule`, `schedule_span`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC217"
NAME = "invalid-schedule"
SEVERITY = Severity.ERROR
TITLE = "a pipeline schedule that is not a valid cron(...) or rate(...) expression"
WHAT = ("Reports a `@pipeline(schedule=...)` that is not `rate(n unit)` or a six-field `cron(...)` expression "
        "as EventBridge Scheduler accepts them.")
WHY = ("`terraform apply` would fail on the `aws_scheduler_schedule` after the rest of the pipeline was "
       "deployed, or, worse, a five-field Unix cron line would be read as something else.")
HELP = ("write `rate(5 minutes)`, `rate(1 day)` or `cron(0 12 * * ? *)` (minutes hours day-of-month month "
        "day-of-week year; one of the two day fields is `?`)")

_RATE = re.compile(r"rate\((\d+) (minutes?|hours?|days?)\)")
_CRON = re.compile(r"cron\(([^()]*)\)")
_FIELD = re.compile(r"[0-9A-Za-z*,/#?LW-]+")
_DAY_FIELDS = (2, 4)  # day-of-month, day-of-week


def problem(schedule: str) -> str | None:
    """Why `schedule` is refused, or None when it is valid."""
    rate = _RATE.fullmatch(schedule)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count == 0:
            return "a rate must be at least 1"
        if (count == 1) == unit.endswith("s"):
            return f"write `{count} {unit.rstrip('s') if count == 1 else unit + 's'}`"
        return None
    cron = _CRON.fullmatch(schedule)
    if cron is None:
        return "it is neither `rate(n unit)` nor `cron(...)`"
    fields = cron.group(1).split()
    if len(fields) != 6:
        return f"a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not {len(fields)}"
    if not all(_FIELD.fullmatch(f) for f in fields):
        return "a cron field holds only digits, names, `*`, `,`, `-`, `/`, `?`, `L`, `W` and `#`"
    questions = [i for i, f in enumerate(fields) if f == "?"]
    if questions not in ([2], [4]) or any("?" in f for i, f in enumerate(fields) if i not in questions):
        return "exactly one of day-of-month (3rd field) and day-of-week (5th field) must be `?`"
    return None


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for pipeline in project.pipelines:
        if pipeline.schedule is None:
            continue
        reason = problem(pipeline.schedule)
        if reason is not None:
            yield Diagnostic(CODE, SEVERITY, f"pipeline `{pipeline.name}`: invalid schedule "
                             f"{pipeline.schedule!r}: {reason}", pipeline.schedule_span or pipeline.span, help=HELP)


_BODY = """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p', schedule={schedule!r})
def p():
    return load(raw)
"""

INVALID = (
    invalid(HEAD + _BODY.format(schedule="cron(0 12 * * *)"),
            (13, 30, 13, 48, "pipeline `p`: invalid schedule 'cron(0 12 * * *)': a cron expression has 6 fields "
                             "(minutes hours day-of-month month day-of-week year), not 5")),
    invalid(HEAD + _BODY.format(schedule="rate(1 hours)"),
            (13, 30, 13, 45, "pipeline `p`: invalid schedule 'rate(1 hours)': write `1 hour`")),
    invalid(HEAD + _BODY.format(schedule="cron(0 12 * * MON *)"),
            (13, 30, 13, 52, "pipeline `p`: invalid schedule 'cron(0 12 * * MON *)': exactly one of day-of-month "
                             "(3rd field) and day-of-week (5th field) must be `?`")),
    invalid(HEAD + _BODY.format(schedule="every day"),
            (13, 30, 13, 41, "pipeline `p`: invalid schedule 'every day': it is neither `rate(n unit)` nor "
                             "`cron(...)`")),
)
VALID = (
    valid(HEAD + _BODY.format(schedule="cron(0 12 * * ? *)")),
    valid(HEAD + _BODY.format(schedule="rate(5 minutes)")),
    valid(HEAD + _BODY.format(schedule="cron(15 6 ? * MON-FRI *)")),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
