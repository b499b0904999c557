"""Pipelines: a function whose task calls define the DAG, runnable in-process."""

from __future__ import annotations

import functools
import importlib
import inspect
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar, overload

from glacier.storage import use_data_dir

P = ParamSpec("P")
R = TypeVar("R")

MODES = ("local", "analyze", "generate")


class Pipeline(Generic[P, R]):
    """A pipeline function; call it directly or through `run()`."""

    def __init__(self, fn: Callable[P, R], *, name: str | None = None, schedule: str | None = None) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name = name if name is not None else fn.__name__
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"pipeline name must be a non-empty string, got {self.name!r}")
        #: When the deployed pipeline starts by itself: "cron(...)" (six fields) or "rate(n unit)", as
        #: EventBridge Scheduler writes them; checked by glacierc (GLC217). None: started by hand.
        self.schedule = schedule

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Pipeline {self.name!r}>"

    def run(
        self,
        mode: str = "local",
        *,
        data_dir: str | os.PathLike[str] | None = None,
        output_dir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Any:
        """Run the pipeline in-process ("local"), or hand its source file to the compiler.

        - ``"local"``: call the function and return its result; with `data_dir`, every bucket
          `b` with path `p` resolves to `data_dir/b/p` for the duration of the call. Task calls
          run in the compiled runner's order (`depends_on` and write-before-read included).
        - ``"analyze"``: the compiler's analysis of the file that defines the pipeline.
        - ``"generate"``: build the artifacts of that file into `output_dir` (default ``out``).

        For the compiler modes, `env` gives the values of environment variables the code reads
        with `os.getenv` / `os.environ` (as `glacierc -e NAME=VALUE`); by default the process's
        own environment, as the running code would see it.
        """
        if mode == "local":
            from glacier.local_run import run_local

            with use_data_dir(data_dir):
                return run_local(self.fn)
        values = dict(os.environ if env is None else env)
        if mode == "analyze":
            return _compiler_function("analyze_source_file")(self._source_file(), values)
        if mode == "generate":
            build = _compiler_function("build")
            return build(self._source_file(), Path(output_dir if output_dir is not None else "out"), values)
        raise ValueError(f"unknown run mode {mode!r}; expected one of {', '.join(MODES)}")

    def _source_file(self) -> Path:
        source = inspect.getsourcefile(self.fn)
        if source is None:
            raise RuntimeError(f"pipeline {self.name!r} has no source file for the compiler to read")
        return Path(source)


def _compiler_function(name: str) -> Callable[..., Any]:
    """`glacierc.api.<name>`, imported only when a compiler mode is used."""
    try:
        api = importlib.import_module("glacierc.api")
        return getattr(api, name)
    except (ImportError, AttributeError) as error:
        raise RuntimeError(
            f"this run mode requires the glacierc compiler (glacierc.api.{name}): {error}"
        ) from error


@overload
def pipeline(fn: Callable[P, R], /) -> Pipeline[P, R]: ...


@overload
def pipeline(name: str | None = None, /, *, schedule: str | None = None
             ) -> Callable[[Callable[P, R]], Pipeline[P, R]]: ...


@overload
def pipeline(*, name: str | None = None, schedule: str | None = None
             ) -> Callable[[Callable[P, R]], Pipeline[P, R]]: ...


def pipeline(fn_or_name: Callable[..., Any] | str | None = None, /, *, name: str | None = None,
             schedule: str | None = None) -> Any:
    """`@pipeline`, `@pipeline("etl")` or `@pipeline(name="etl", schedule="rate(1 day)")`."""
    if callable(fn_or_name):
        return Pipeline(fn_or_name, name=name)
    if fn_or_name is not None:
        if name is not None:
            raise TypeError("pipeline name given twice (positionally and as name=)")
        name = fn_or_name

    def decorate(fn: Callable[P, R]) -> Pipeline[P, R]:
        return Pipeline(fn, name=name, schedule=schedule)

    return decorate
