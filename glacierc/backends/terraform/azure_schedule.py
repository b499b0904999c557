"""`@pipeline(schedule=...)` as the NCRONTAB expression of an Azure Functions timer trigger.

A schedule is written as EventBridge Scheduler reads it (GLC217 checks that): `cron(minutes hours
day-of-month month day-of-week year)` or `rate(n unit)`. NCRONTAB has six fields too, but they are
`second minute hour day month day-of-week`, with no year, no `?`, `L`, `W` or `#`, and Sunday is 0 (in
EventBridge, 1). `ncrontab` converts what can be expressed exactly and says why the rest cannot:

- `cron(...)`: second 0; `?` becomes `*`; day-of-week numbers shift down by one (names stay); the year
  must be `*`; `L`, `W` and `#` have no equivalent.
- `rate(n minutes|hours)` becomes a step (`*/n`) of the minute or hour field when `n` divides the hour
  or the day, so the runs are evenly spaced; `rate(1 day)` is midnight UTC. A step that does not divide
  its unit (`rate(7 minutes)`, `rate(2 days)`) would restart every hour, day or month: not expressible.

A timer runs on the clock (UTC unless WEBSITE_TIME_ZONE is set), where an EventBridge rate starts when the
schedule is created: the runs are as often, aligned to the clock.
"""

from __future__ import annotations

import re

_RATE = re.compile(r"rate\((\d+) (minute|hour|day)s?\)")
_CRON = re.compile(r"cron\(([^()]*)\)")
_NUMBER = re.compile(r"\d+")
#: unit -> (the units per next-larger unit a step must divide, the NCRONTAB for every one, for a step)
_RATES = {
    "minute": (60, "0 * * * * *", "0 */{n} * * * *"),
    "hour": (24, "0 0 * * * *", "0 0 */{n} * * *"),
    "day": (1, "0 0 0 * * *", ""),
}


def ncrontab(schedule: str) -> tuple[str | None, str | None]:
    """(the NCRONTAB expression, None) or (None, why `schedule` cannot be one). `schedule` passed GLC217."""
    rate = _RATE.fullmatch(schedule)
    if rate:
        return _rate(int(rate.group(1)), rate.group(2))
    cron = _CRON.fullmatch(schedule)
    if cron is None:
        return None, "it is neither `rate(n unit)` nor `cron(...)`"
    fields = cron.group(1).split()
    if len(fields) != 6:
        return None, "a cron expression has 6 fields"
    minutes, hours, day, month, weekday, year = fields
    if year not in ("*", "?"):
        return None, f"NCRONTAB has no year field (the year is `{year}`); write `*`"
    for name, value in (("day-of-month", day), ("day-of-week", weekday)):
        special = sorted(set(value) & set("LW#"))
        if special:
            return None, (f"NCRONTAB has no `{'`, `'.join(special)}` (in the {name} field `{value}`); list the days "
                          "instead")
    if any(not 1 <= int(n) <= 7 for n in _NUMBER.findall(weekday.partition("/")[0])):
        return None, f"day-of-week numbers run from 1 (Sunday) to 7 (Saturday), not `{weekday}`"
    fields = [minutes, hours, day, month, _weekday(weekday)]
    return "0 " + " ".join("*" if f == "?" else f for f in fields), None


def _rate(count: int, unit: str) -> tuple[str | None, str | None]:
    per, every, step = _RATES[unit]
    if count == 1:
        return every, None
    if count == per:  # rate(60 minutes), rate(24 hours): once per larger unit
        larger = {"minute": "hour", "hour": "day"}[unit]
        return _RATES[larger][1], None
    if step and per % count == 0:
        return step.format(n=count), None
    if unit == "day":
        return None, f"a timer restarts day steps every month, so every {count} days is not evenly spaced; use " \
                     "`rate(1 day)` or a cron(...) expression with the days"
    return None, (f"{count} does not divide {per}: a timer restarts {unit} steps every "
                  f"{'hour' if unit == 'minute' else 'day'}, so every {count} {unit}s is not evenly spaced; use a "
                  f"divisor of {per} or a cron(...) expression")


def _weekday(value: str) -> str:
    """EventBridge day-of-week numbers (SUN=1 .. SAT=7) as NCRONTAB ones (SUN=0 .. SAT=6); names unchanged."""
    items = []
    for item in value.split(","):
        days, _, step = item.partition("/")
        days = _NUMBER.sub(lambda m: str(int(m.group()) - 1), days)
        items.append(f"{days}/{step}" if step else days)
    return ",".join(items)
