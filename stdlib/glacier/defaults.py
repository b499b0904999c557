"""The implicit local provider and executor behind a bare `@task`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar, overload

from glacier.config import LocalConfig
from glacier.execution import ExecutionResource, bind_task
from glacier.provider import Provider
from glacier.tasks import Task

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_PROVIDER = Provider(config=LocalConfig())
DEFAULT_EXECUTOR: ExecutionResource = DEFAULT_PROVIDER.local()


@overload
def task(fn: Callable[P, R], /) -> Task[P, R]: ...


@overload
def task(
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
    *,
    name: str | None = None,
    depends_on: Iterable[Task[Any, Any] | str] = (),
    retries: int = 0,
    timeout: int | None = None,
        tags: Iterable[str] = (),
) -> Callable[[Callable[P, R]], Task[P, R]]: ...


def task(
    fn_or_name: Callable[..., Any] | str | None = None,
    /,
    *,
    name: str | None = None,
    depends_on: Iterable[Task[Any, Any] | str] = (),
    retries: int = 0,
    timeout: int | None = None,
        tags: Iterable[str] = (),
) -> Any:
    """`@task` / `@task(...)`: bind a function to the implicit local executor."""
    return bind_task(
        DEFAULT_EXECUTOR, fn_or_name, name=name, depends_on=depends_on, retries=retries, timeout=timeout, tags=tags
    )
