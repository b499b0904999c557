"""The options of `@executor.task(...)`: one catalogue, read by the library and by the compiler.

`Task.__init__` validates its options with `option_problem`, and `glacierc` reports the same
message (GLC302) for a static option value, so code the compiler passes never fails in the library
and the other way round. Names in `depends_on` are checked when the pipeline runs (the library) or
against the project's tasks (the compiler, GLC202).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TaskOption:
    """One keyword option of `@executor.task(...)`: name, default and documentation."""

    name: str
    default: object
    doc: str


#: Every keyword `@executor.task(...)` takes, in signature order.
TASK_OPTIONS: tuple[TaskOption, ...] = (
    TaskOption("name", None, "Task name (default: the function's name); also the first positional argument."),
    TaskOption("depends_on", (), "Tasks, or task names, that must finish before this task starts."),
    TaskOption("retries", 0, "Extra attempts after a failure (0..100)."),
    TaskOption("timeout", None, "Seconds one attempt may take (a positive integer), None = no limit."),
    TaskOption("tags", (), "Labels of the task (strings), shown in the IR and graphs."),
)
OPTION_NAMES = tuple(option.name for option in TASK_OPTIONS)
MAX_RETRIES = 100


def option_problem(option: str, value: object) -> str | None:
    """None when `value` is allowed for `option`, else the message the library raises with."""
    check = _CHECKS.get(option)
    if check is None:
        return f"@task has no option {option!r}; options: {', '.join(OPTION_NAMES)}"
    return check(value)


def _name(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return None
    return f"task name must be a non-empty string, got {value!r}"


def _depends_on(value: object) -> str | None:
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        if isinstance(item, str) and not item:
            return "depends_on names an empty task name"
        if not isinstance(item, str) and not _is_task(item):
            return f"depends_on must list tasks or task names, got {item!r} ({type(item).__name__})"
    return None


def _is_task(value: object) -> bool:
    return type(value).__name__ == "Task" and hasattr(value, "fn")


def _retries(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRIES:
        return f"retries must be an integer in 0..{MAX_RETRIES}, got {value!r}"
    return None


def _timeout(value: object) -> str | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return None
    return f"timeout must be a positive whole number of seconds or None, got {value!r}"


def _tags(value: object) -> str | None:
    items = value if isinstance(value, list | tuple) else None
    if items is None or not all(isinstance(item, str) and item for item in items):
        return f"tags must be a list of non-empty strings, got {value!r}"
    return None


_CHECKS = {"name": _name, "depends_on": _depends_on, "retries": _retries, "timeout": _timeout, "tags": _tags}
