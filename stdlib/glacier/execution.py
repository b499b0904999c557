"""Execution resources: where a task's code runs (local process, serverless, VM, cluster)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, overload

from glacier.config import Config
from glacier.tasks import Task

if TYPE_CHECKING:
    from glacier.provider import Provider

P = ParamSpec("P")
R = TypeVar("R")

Kind = Literal["local", "serverless", "vm", "cluster"]


@dataclass(frozen=True, eq=False)
class ExecutionResource:
    """A place to run tasks, created by `Provider.local/serverless/vm/cluster`."""

    kind: Kind
    provider: Provider
    config: Config | None = None

    @overload
    def task(self, fn: Callable[P, R], /) -> Task[P, R]: ...

    @overload
    def task(
        self,
        name: str | None = None,
        /,
        *,
        depends_on: Iterable[Task[Any, Any] | str] = (),
        retries: int = 0,
        timeout: int | None = None,
        tags: Iterable[str] = (),
    ) -> Callable[[Callable[P, R]], Task[P, R]]: ...

    @overload
    def task(
        self,
        /,
        *,
        name: str | None = None,
        depends_on: Iterable[Task[Any, Any] | str] = (),
        retries: int = 0,
        timeout: int | None = None,
        tags: Iterable[str] = (),
    ) -> Callable[[Callable[P, R]], Task[P, R]]: ...

    def task(
        self,
        fn_or_name: Callable[..., Any] | str | None = None,
        /,
        *,
        name: str | None = None,
        depends_on: Iterable[Task[Any, Any] | str] = (),
        retries: int = 0,
        timeout: int | None = None,
        tags: Iterable[str] = (),
    ) -> Any:
        """Bind a function to this executor: `@executor.task` or `@executor.task(name=..., ...)`."""
        return bind_task(
            self, fn_or_name, name=name, depends_on=depends_on, retries=retries, timeout=timeout, tags=tags
        )


def bind_task(
    executor: ExecutionResource,
    fn_or_name: Callable[..., Any] | str | None,
    *,
    name: str | None,
    depends_on: Iterable[Task[Any, Any] | str],
    retries: int,
    timeout: int | None,
    tags: Iterable[str] = (),
) -> Any:
    """Shared by `@executor.task`, `@executor.task(...)`, `@task` and `@task(...)`."""
    if isinstance(fn_or_name, str):
        if name is not None:
            raise TypeError("task name given twice (positionally and as name=)")
        fn_or_name, name = None, fn_or_name
    options: dict[str, Any] = {
        "name": name, "depends_on": depends_on, "retries": retries, "timeout": timeout, "tags": tags,
    }  # fmt: skip
    if fn_or_name is not None:
        if not callable(fn_or_name):
            raise TypeError(f"@task expects a function, got {fn_or_name!r}")
        return Task(fn_or_name, executor=executor, **options)

    def decorate(fn: Callable[P, R]) -> Task[P, R]:
        return Task(fn, executor=executor, **options)

    return decorate
