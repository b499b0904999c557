"""The DOT backend on hand-built IR: snapshots, determinism, escaping, and Graphviz accepting it."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pytest
from test_graph_factory import all_kinds_project, aws_project

from glacierc.backends.graph import emit, file_stem, pipeline_dot
from glacierc.ir.nodes import Project

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed (apt-get install graphviz)")
PROJECTS = {"aws": aws_project, "all_kinds": all_kinds_project}


def shuffled(project: Project) -> Project:
    """The same project with every collection in reverse order."""
    pipelines = tuple(
        dataclasses.replace(p, nodes=p.nodes[::-1], edges=p.edges[::-1],
                            levels=tuple(level[::-1] for level in p.levels))
        for p in project.pipelines
    )
    return dataclasses.replace(
        project, providers=project.providers[::-1], storage=project.storage[::-1],
        executors=project.executors[::-1], pipelines=pipelines[::-1],
    )


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_dot_snapshot(name, snapshot):
    assert emit(PROJECTS[name]()) == snapshot


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_same_ir_same_bytes_whatever_the_order(name):
    project = PROJECTS[name]()
    assert emit(project) == emit(project) == emit(shuffled(project))


@needs_dot
@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_graphviz_accepts_the_dot(name):
    for text in emit(PROJECTS[name]()).values():
        done = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stderr == b"", done.stderr.decode()  # no warnings either
        assert b"<svg" in done.stdout


def test_emit_writes_one_file_per_pipeline_under_graphs():
    assert list(emit(aws_project())) == ["graphs/aws_etl.dot"]
    assert list(emit(all_kinds_project())) == ["graphs/all_kinds.dot"]


@pytest.mark.parametrize(
    ("name", "stem"),
    [("etl", "etl"), ("all kinds", "all_kinds"), ("../up", "_up"), ("a/b", "a_b"), ("v1.2-x", "v1.2-x")],
)
def test_file_stem(name, stem):
    assert file_stem(name) == stem


def test_dot_is_ascii_and_names_are_quoted_and_escaped():
    project = all_kinds_project()
    text = pipeline_dot(project, project.pipelines[0])
    assert text.isascii()
    assert 'digraph "all kinds" {' in text
    assert 'subgraph "cluster_etl.local" {' in text
    assert '"storage:b\\"<&>|#" -> "task:load_2"' in text  # DOT string escaping
    assert "<b>b&quot;&lt;&amp;&gt;|#</b>" not in text  # quotes are not entity-escaped in HTML text
    assert "<b>b\"&lt;&amp;&gt;|#</b>" in text
    assert "load &#183; local" in text  # task name differs from node id


def test_levels_become_rank_constraints_with_newrank():
    project = aws_project()
    text = pipeline_dot(project, project.pipelines[0])
    assert "newrank=true" in text  # rank=same across clusters needs the global ranking
    assert '{rank=same; "task:extract"; "task:load_users";}' in text


def test_edge_styles():
    project = aws_project()
    text = pipeline_dot(project, project.pipelines[0])
    assert '"task:extract" -> "task:clean" [label="events"];' in text
    assert '"task:save" -> "task:audit" [style=dashed' in text
    assert ('"storage:raw_events" -> "task:extract" '
            '[color="#56B4E9", arrowhead=empty, label="source"];') in text
    assert '"task:save" -> "storage:curated" [color="#D55E00", penwidth=2];' in text


def test_legend_lists_only_what_the_picture_uses():
    project = aws_project()
    text = pipeline_dot(project, project.pipelines[0], ["save"])
    legend = next(line for line in text.splitlines() if '"legend:"' in line)
    assert ">local<" in legend and ">storage<" in legend and "writes" in legend
    assert ">serverless<" not in legend and "order (" not in legend and "reads" not in legend


def test_selection_keeps_the_title_and_drops_the_rest():
    project = aws_project()
    text = pipeline_dot(project, project.pipelines[0], ["clean"])
    assert '"task:clean"' in text and '"task:extract"' not in text and "storage:" not in text
    assert "<b>aws_etl</b>" in text
