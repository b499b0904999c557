"""GLC504 unstorable-boundary-value: a node's result flows to a node on another executor, and its task's
return annotation says it is of a type that cannot be stored between nodes.

Results between executors are stored as data (frames as Parquet, other values as JSON: None, bool, int,
float, str, and lists, tuples and str-keyed dicts of those or of frames). Only what is certain is
reported: an annotation naming a type that is never storable (`set`, `bytes`, `object`, `Series`, a
callable or iterator...). An unannotated result, `Any` or a name the check does not know (a type alias,
a class) is left to the runtime, which refuses an unstorable value with a clear error.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC504"
NAME = "unstorable-boundary-value"
SEVERITY = Severity.ERROR
TITLE = "a result that cannot be stored crosses executors"
WHAT = ("Reports a node whose result goes to a node on another executor while its task's return annotation "
        "names a type that cannot be stored between nodes (`set`, `bytes`, `object`, `pl.Series`, a callable, "
        "an iterator, dates...). Unannotated results and names the check does not know are left to the "
        "runtime, which refuses such a value with an error naming the node.")
WHY = ("Between executors a result is stored as data, never as Python objects: frames as Parquet, other "
       "values as JSON (None, bool, int, float, str, and lists, tuples and str-keyed dicts of those or of "
       "frames). Unpickling stored objects would let whoever can write the store run code as the function.")

INVALID = (
    invalid(HEAD + """\
lambda_exec = provider.serverless(config=LambdaConfig(memory=1024))


@local_exec.task()
def ids() -> set[int]:
    return {1, 2}


@lambda_exec.task()
def count(values) -> int:
    return len(values)


@pipeline()
def flow():
    count(ids())
""",
          (24, 11, 24, 16, ("`ids` (on `local_exec`) passes its result to `count` (on `lambda_exec`) in pipeline `flow`, but "
             "`ids` returns `set[int]`: `set` cannot be stored between executors"))),
)
VALID = (
    valid(HEAD + """\
lambda_exec = provider.serverless(config=LambdaConfig(memory=1024))


@local_exec.task()
def ids() -> list[int]:
    return [1, 2]


@lambda_exec.task()
def count(values) -> int:
    return len(values)


@pipeline()
def flow():
    count(ids())
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


#: Names (last dotted part) of types whose values the runtime can never store between nodes.
UNSTORABLE = frozenset({
    "set", "frozenset", "Set", "FrozenSet", "AbstractSet", "MutableSet", "bytes", "bytearray", "memoryview",
    "object", "complex", "Callable", "Iterator", "Iterable", "Generator", "AsyncIterator", "Series", "Expr",
    "date", "datetime", "time", "timedelta", "Decimal", "Path", "PurePath", "Bucket",
})


def unstorable_names(annotation: str | None) -> list[str]:
    """The never-storable type names an annotation mentions, sorted (empty when none is certain)."""
    if not annotation:
        return []
    try:
        tree = ast.parse(annotation.strip().strip("'\""), mode="eval")
    except SyntaxError:
        return []
    found = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    found |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    return sorted(found & UNSTORABLE)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    tasks = {task.name: task for task in project.tasks}
    for pipeline in project.pipelines:
        by_id = {node.id: node for node in pipeline.nodes}
        reported: set[tuple[str, str]] = set()
        for consumer in pipeline.nodes:
            for producer_id in _producers(consumer):
                producer = by_id.get(producer_id)
                task = tasks.get(producer.task) if producer else None
                if producer is None or task is None or producer.executor == consumer.executor:
                    continue
                names = unstorable_names(task.returns)
                if names and (producer.id, consumer.id) not in reported:
                    reported.add((producer.id, consumer.id))
                    yield _diagnostic(pipeline, producer, consumer, task, names)


def _producers(node: ir.Node) -> Iterator[str]:
    for item in node.inputs:
        if isinstance(item, ir.NodeInput):
            yield item.node
        elif isinstance(item, ir.NodesInput):
            yield from (ref for ref in item.items if isinstance(ref, str))


def _diagnostic(pipeline: ir.Pipeline, producer: ir.Node, consumer: ir.Node, task: ir.Task,
                names: list[str]) -> Diagnostic:
    message = (f"`{producer.id}` (on `{producer.executor}`) passes its result to `{consumer.id}` (on "
               f"`{consumer.executor}`) in pipeline `{pipeline.name}`, but `{task.name}` returns "
               f"`{task.returns}`: {', '.join(f'`{n}`' for n in names)} cannot be stored between executors")
    return Diagnostic(CODE, SEVERITY, message, producer.span,
                      "return a DataFrame/LazyFrame, or plain values (lists, tuples, str-keyed dicts, "
                      "str, int, float, bool, None); or run both tasks on one executor")
