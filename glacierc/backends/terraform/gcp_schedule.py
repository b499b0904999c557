"""`@pipeline(schedule=...)` as Cloud Scheduler's unix-cron line.

The language's schedules are EventBridge's (`rate(n unit)`, six-field `cron(...)`, checked by GLC217);
Cloud Scheduler takes five-field unix cron. `unix_cron` translates what has an exact equivalent and says
why for the rest (reported as GLC401 on the schedule): a rate must divide its next unit (every 15
minutes, every 6 hours; days only 1 or 7), a cron's year must be `*`, and `L`, `W`, `#` have no unix
form. Day-of-week numbers shift from 1-7 (SUN-SAT) to 0-6; `?` becomes `*`.
"""

from __future__ import annotations

import re

_RATE = re.compile(r"rate\((\d+) (minute|hour|day)s?\)")
_CRON = re.compile(r"cron\(([^()]*)\)")
_NUMBER = re.compile(r"\d+")


def unix_cron(schedule: str) -> tuple[str | None, str | None]:
    """(the unix-cron line, None) or (None, why GCP cannot run `schedule` exactly)."""
    rate = _RATE.fullmatch(schedule)
    if rate:
        return _rate(int(rate.group(1)), rate.group(2))
    cron = _CRON.fullmatch(schedule)
    fields = cron.group(1).split() if cron else []
    if len(fields) != 6:
        return None, "it is not a rate(...) or six-field cron(...) expression"
    minutes, hours, day, month, weekday, year = fields
    if year != "*":
        return None, "Cloud Scheduler has no year field: write `*` as the year"
    if any(mark in field for field in fields for mark in "LW#"):
        return None, "`L`, `W` and `#` have no unix-cron equivalent in Cloud Scheduler"
    weekday = _NUMBER.sub(lambda m: str(int(m.group()) - 1), weekday) if weekday != "?" else "*"
    day = "*" if day == "?" else day
    if weekday.startswith("-") or "/-" in weekday or ",-" in weekday:
        return None, "day-of-week numbers run from 1 (SUN) to 7 (SAT)"
    return " ".join((minutes, hours, day, month, weekday)), None


def _rate(count: int, unit: str) -> tuple[str | None, str | None]:
    if unit == "minute":
        if count % 60 == 0:
            return _rate(count // 60, "hour")
        if 60 % count == 0:
            return ("* * * * *" if count == 1 else f"*/{count} * * * *"), None
    elif unit == "hour":
        if count % 24 == 0:
            return _rate(count // 24, "day")
        if 24 % count == 0:
            return ("0 * * * *" if count == 1 else f"0 */{count} * * *"), None
    elif count in (1, 7):
        return ("0 0 * * *" if count == 1 else "0 0 * * 0"), None
    return None, f"every {count} {unit}s is no unix-cron schedule (Cloud Scheduler); use a rate that divides " \
                 "the next unit, or a cron(...) expression"
