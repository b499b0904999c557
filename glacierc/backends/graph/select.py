"""Node selection for `glacierc graph`: dbt's `--select`/`--exclude` syntax (NODE, +NODE, NODE+, 2+NODE,
NODE+1, @NODE, tag:NAME, path:FILE).

The one parser of that syntax is the runtime's (glacierc/runtime/selection.py, which runners copy for their
own `--select`), so `graph --select` and `run --select` take the same selectors by construction; this module
only describes a pipeline of the IR as that parser wants it. A malformed selector or one that picks nothing
raises `SelectionError`, whose message is meant for the user as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from glacierc.ir.nodes import Pipeline, Task
from glacierc.runtime.selection import SelectionError, SelectionNode, Selector, choose, parse_selector

__all__ = ["SelectionError", "Selector", "parse_selector", "select_nodes"]


def select_nodes(pipeline: Pipeline, selectors: Iterable[str], excluded: Iterable[str] = (),
                 tasks: Iterable[Task] = ()) -> frozenset[str]:
    """The node ids the selectors pick, less those `excluded` picks; every node when there are no selectors.
    `tasks` (the project's) give `tag:` and `path:` their tags and files."""
    return frozenset(choose(list(selectors), list(excluded), selection_nodes(pipeline, tasks), pipeline.name))


def selection_nodes(pipeline: Pipeline, tasks: Iterable[Task] = ()) -> dict[str, SelectionNode]:
    by_name = {task.name: task for task in tasks}
    parents: dict[str, list[str]] = {node.id: [] for node in pipeline.nodes}
    for edge in pipeline.edges:
        if edge.source in parents and edge.target in parents:
            parents[edge.target].append(edge.source)
    described = {}
    for node in pipeline.nodes:
        task = by_name.get(node.task)
        described[node.id] = SelectionNode(tuple(sorted(set(parents[node.id]))), task.tags if task else (),
                                           task.span.file if task else "")
    return described
