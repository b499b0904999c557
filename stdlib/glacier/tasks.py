"""Tasks: plain functions bound to the execution resource they run on."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

from glacier._task_options import option_problem

if TYPE_CHECKING:
    from glacier.execution import ExecutionResource

P = ParamSpec("P")
R = TypeVar("R")


class Task(Generic[P, R]):
    """A function bound to an executor; calling the task calls the function in-process.

    `retries` and `timeout` describe how the generated runner and the cloud resources run the
    task; an in-process call runs the function once, as written. `depends_on` lists tasks or task
    names (names are resolved when a pipeline runs). Options are checked against the catalogue the
    compiler uses (`glacier._task_options`).
    """

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        executor: ExecutionResource,
        name: str | None = None,
        depends_on: Iterable[Task[Any, Any] | str] | Task[Any, Any] | str = (),
        retries: int = 0,
        timeout: int | None = None,
        tags: Iterable[str] = (),
    ) -> None:
        if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):  # called plainly: never awaited (GLC224)
            raise TypeError(f"task `{fn.__name__}` is defined with `async def`; define it with `def`")
        if inspect.isgeneratorfunction(fn):  # called plainly: its body runs only if iterated (GLC225)
            raise TypeError(f"task `{fn.__name__}` uses `yield`, so calling it only makes a generator; return "
                            "the value instead")
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.executor = executor
        self.name: str = _checked("name", name if name is not None else fn.__name__)
        items = (depends_on,) if isinstance(depends_on, Task | str) else tuple(depends_on)
        self.depends_on: tuple[Task[Any, Any] | str, ...] = _checked("depends_on", items)
        self.retries: int = _checked("retries", retries)
        self.timeout: int | None = _checked("timeout", timeout)
        self.tags: tuple[str, ...] = _checked("tags", tuple(tags) if not isinstance(tags, str) else tags)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        from glacier.local_run import call_task

        return call_task(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<Task {self.name!r} on {self.executor.kind} executor>"


def _checked(option: str, value: Any) -> Any:
    problem = option_problem(option, value)
    if problem is None:
        return value
    raise (TypeError if option == "depends_on" else ValueError)(f"{problem}")
