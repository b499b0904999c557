"""Tasks: plain functions bound to the execution resource they run on."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

if TYPE_CHECKING:
    from glacier.execution import ExecutionResource

P = ParamSpec("P")
R = TypeVar("R")


class Task(Generic[P, R]):
    """A function bound to an executor; calling the task calls the function in-process.

    `retries` and `timeout` describe how the generated runner and the cloud resources run the
    task; an in-process call runs the function once, as written.
    """

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        executor: ExecutionResource,
        name: str | None = None,
        depends_on: Iterable[Task[Any, Any]] = (),
        retries: int = 0,
        timeout: int | float | None = None,
    ) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.executor = executor
        self.name = _check_name(name if name is not None else fn.__name__)
        self.depends_on = _check_depends_on(self.name, depends_on)
        self.retries = _check_retries(retries)
        self.timeout = _check_timeout(timeout)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Task {self.name!r} on {self.executor.kind} executor>"


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"task name must be a non-empty string, got {name!r}")
    return name


def _check_depends_on(name: str, depends_on: Iterable[object]) -> tuple[Task[Any, Any], ...]:
    if isinstance(depends_on, Task):
        depends_on = (depends_on,)
    tasks: list[Task[Any, Any]] = []
    for item in depends_on:
        if not isinstance(item, Task):
            kind = type(item).__name__
            raise TypeError(f"task {name!r}: depends_on must list tasks, got {item!r} ({kind})")
        tasks.append(item)
    return tuple(tasks)


def _check_retries(retries: object) -> int:
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an integer >= 0, got {retries!r}")
    return retries


def _check_timeout(timeout: object) -> int | float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    return timeout

