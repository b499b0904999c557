"""`Pipeline.run(mode="local")`: task calls run in the order the compiled runner gives them.

Outside a local run a task call is a plain function call. Inside one, a call runs at once unless it
must wait (for a task named in its `depends_on` that has not run yet, for the result of a node that
waits, or because an earlier waiting node may write storage it uses); a call that waits returns a
`Pending` placeholder, and the waiting nodes run when the pipeline body returns, in call order as
soon as what they wait for is done. That is the compiled runner's order: data edges, `depends_on`
edges and write-before-read edges between storage users, call order between independent nodes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glacier.tasks import Task

_RUN: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("glacier_local_run", default=None)
_WRITE_NAMES = ("write",)
_WRITE_PREFIXES = ("write_", "sink_")


@dataclass(eq=False)
class _Node:
    task: Task[Any, Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    uses: frozenset[int]  # ids of the buckets the call may read or write
    writes: frozenset[int]
    done: bool = False
    value: Any = None


class Pending:
    """The result of a task call that runs after the pipeline body; pass it to other tasks."""

    __slots__ = ("_node", "_path")

    def __init__(self, node: _Node, path: tuple[Any, ...] = ()) -> None:
        self._node, self._path = node, path

    def __getitem__(self, key: Any) -> Pending:
        return Pending(self._node, (*self._path, key))

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"the result of task {self._node.task.name!r} is only known once it has run, after "
                        "the tasks it depends on: index it (`pair[0]`) instead of unpacking it")

    def __bool__(self) -> bool:
        raise TypeError(f"the result of task {self._node.task.name!r} cannot be tested in the pipeline body; "
                        "do it inside a task")

    def __repr__(self) -> str:
        return f"<pending result of task {self._node.task.name!r}>"

    def resolve(self) -> Any:
        value = self._node.value
        for key in self._path:
            value = value[key]
        return value


@dataclass
class _Run:
    nodes: list[_Node] = field(default_factory=list)

    def call(self, task: Task[Any, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        uses, writes = _storage_use(task, args, kwargs)
        node = _Node(task, args, kwargs, uses, writes)
        self.nodes.append(node)
        if self._blocked(node, final=False):
            return Pending(node)
        return self._execute(node)

    def finish(self, result: Any) -> Any:
        while waiting := [n for n in self.nodes if not n.done]:
            ready = next((n for n in waiting if not self._blocked(n, final=True)), None)
            if ready is None:
                names = ", ".join(n.task.name for n in waiting)
                raise RuntimeError(f"these task calls wait for each other (a dependency cycle): {names}")
            self._execute(ready)
        return _resolved(result)

    def _blocked(self, node: _Node, *, final: bool) -> bool:
        earlier = self.nodes[: self.nodes.index(node)]
        if any(not p._node.done for p in _pendings((node.args, node.kwargs))):
            return True
        for wanted in node.task.depends_on:
            matching = [n for n in self.nodes if n is not node and _is(n.task, wanted)]
            if any(not n.done for n in matching) or (not matching and not final):
                return True
        return any(not e.done and e.writes & node.uses for e in earlier)

    def _execute(self, node: _Node) -> Any:
        token = _RUN.set(None)  # a task calling another task inside its body makes a plain call
        try:
            node.value = node.task.fn(*_resolved(node.args), **_resolved(node.kwargs))
        finally:
            _RUN.reset(token)
        node.done = True
        return node.value


def call_task(task: Task[Any, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A task call: plain outside a local pipeline run, ordered inside one."""
    run = _RUN.get()
    if run is None:
        return task.fn(*args, **kwargs)
    return run.call(task, args, kwargs)


@contextmanager
def _active(run: _Run) -> Iterator[None]:
    token = _RUN.set(run)
    try:
        yield
    finally:
        _RUN.reset(token)


def run_local(body: Callable[[], Any]) -> Any:
    """Run a pipeline body and every task call it makes, in the compiled runner's order."""
    run = _Run()
    with _active(run):
        result = body()
        return run.finish(result)


def _is(task: Task[Any, Any], wanted: object) -> bool:
    return task is wanted or (isinstance(wanted, str) and task.name == wanted)


def _pendings(value: Any) -> Iterator[Pending]:
    if isinstance(value, Pending):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _pendings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _pendings(item)


def _resolved(value: Any) -> Any:
    if isinstance(value, Pending):
        return value.resolve()
    if isinstance(value, list | tuple) and any(True for _ in _pendings(value)):
        return type(value)(_resolved(item) for item in value)
    if isinstance(value, dict) and any(True for _ in _pendings(value)):
        return {key: _resolved(item) for key, item in value.items()}
    return value


def _storage_use(task: Task[Any, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[frozenset[int], frozenset[int]]:
    """Buckets the call may use (arguments, parameter defaults, module-level names in the body) and
    those it may write (when the body calls `write`, `write_*` or `sink_*`): an over-approximation,
    so that a later reader never runs before a waiting writer."""
    from glacier.storage import Bucket

    fn = task.fn
    names = _code_names(fn.__code__)
    candidates = [*args, *kwargs.values(), *(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]
    candidates += [fn.__globals__[n] for n in names if n in fn.__globals__]
    buckets = [c for c in candidates if isinstance(c, Bucket)]
    uses = frozenset(id(b) for c in buckets for b in (c, c.dataset) if b is not None)  # a partition: its dataset too
    writes = uses if any(n in _WRITE_NAMES or n.startswith(_WRITE_PREFIXES) for n in names) else frozenset()
    return uses, writes


def _code_names(code: Any) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            names |= _code_names(constant)
    return names
