"""The graph backend: pictures of each pipeline as Graphviz DOT (and Mermaid, SVG, PNG on demand).

`emit(project)` is the build's entry point: `{"graphs/<pipeline>.dot": text}` for every pipeline.
`graph_command` (command.py) is what `glacierc graph` calls.
"""

from __future__ import annotations

from collections.abc import Iterable

from glacierc.backends.graph.command import graph_command
from glacierc.backends.graph.dot import to_dot
from glacierc.backends.graph.mermaid import to_mermaid
from glacierc.backends.graph.select import SelectionError, select_nodes
from glacierc.backends.graph.view import GraphView, build_view
from glacierc.backends.names import file_stem
from glacierc.ir.nodes import Pipeline, Project

__all__ = [
    "SelectionError", "GraphView", "build_view", "emit", "file_stem", "graph_command", "pipeline_dot",
    "pipeline_mermaid", "select_nodes", "to_dot", "to_mermaid",
]


def emit(project: Project) -> dict[str, str]:
    """`graphs/<pipeline>.dot` for every pipeline of the project."""
    return {
        f"graphs/{file_stem(p.name)}.dot": pipeline_dot(project, p)
        for p in sorted(project.pipelines, key=lambda p: p.name)
    }


def pipeline_dot(project: Project, pipeline: Pipeline, selectors: Iterable[str] = ()) -> str:
    """DOT of one pipeline; raises SelectionError for a selector naming no node."""
    return to_dot(build_view(project, pipeline, select_nodes(pipeline, selectors, (), project.tasks)))


def pipeline_mermaid(project: Project, pipeline: Pipeline, selectors: Iterable[str] = ()) -> str:
    return to_mermaid(build_view(project, pipeline, select_nodes(pipeline, selectors, (), project.tasks)))
