"""The Mermaid backend on hand-built IR: snapshots, determinism, escaping, ids."""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_graph_dot import shuffled
from test_graph_factory import all_kinds_project, aws_project, executor, node, pipeline

from glacierc.backends.graph import pipeline_mermaid
from glacierc.backends.graph.mermaid import text
from glacierc.ir.nodes import Edge, Project

PROJECTS = {"aws": aws_project, "all_kinds": all_kinds_project}


def mermaid_of(project: Project, selectors=()) -> str:
    return pipeline_mermaid(project, project.pipelines[0], selectors)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_mermaid_snapshot(name, snapshot):
    assert mermaid_of(PROJECTS[name]()) == snapshot


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_same_ir_same_bytes_whatever_the_order(name):
    project = PROJECTS[name]()
    assert mermaid_of(project) == mermaid_of(project) == mermaid_of(shuffled(project))


def test_shape_of_the_flowchart():
    out = mermaid_of(aws_project())
    assert out.startswith('---\ntitle: "aws_etl (aws)"\n---\nflowchart LR\n')
    assert '  subgraph x_lambda_exec["lambda_exec (serverless: LambdaConfig)"]' in out
    assert ('  s_curated[("<b>curated</b><br/>acme-curated/daily/country_activity.parquet'
            '<br/><i>parquet</i>")]') in out
    assert '  t_extract -->|"events"| t_clean' in out  # data edge labelled with its parameter
    assert "  t_save -.->|\"curated\"| t_audit" in out  # order edge dotted
    assert "  t_save ==> s_curated" in out  # write thick
    assert '  s_raw_events -->|"source"| t_extract' in out  # read


def test_link_styles_point_at_the_right_edges():
    out = mermaid_of(aws_project())
    links = [line.strip() for line in out.splitlines() if re.match(r"  \S+ (-->|-\.->|==>)", line)]
    styles = {line.split()[2]: line.split()[1] for line in out.splitlines() if "linkStyle" in line}
    assert len(links) == 9
    assert all("-.->" in links[int(i)] for i in styles["stroke:#777777"].split(","))
    assert all(links[int(i)].startswith("s_") for i in styles["stroke:#56B4E9"].split(","))
    assert all("==>" in links[int(i)] for i in styles["stroke:#D55E00"].split(","))


def test_user_text_is_entity_escaped():
    assert text('b"<&>|#') == "b#quot;#lt;#amp;#gt;#124;#35;"
    assert text("caf\u00e9 \u00b7") == "caf#233; #183;"
    out = mermaid_of(all_kinds_project())
    assert out.isascii()
    assert "<b>b#quot;#lt;#amp;#gt;#124;#35;</b><br/>raw/b #lt;x#gt;.json" in out


def test_ids_are_sanitised_and_unique():
    nodes = [node("a.b", "x.y"), node("a_b", "x.y")]
    project = Project(executors=(executor("x.y", "local"),),
                      pipelines=(pipeline("p", nodes, [Edge("a.b", "a_b", "data", "df")],
                                          [["a.b"], ["a_b"]]),))
    out = mermaid_of(project)
    assert 'subgraph x_x_y["x.y (local)"]' in out
    assert 't_a_b("<b>a.b</b>' in out and 't_a_b_2("<b>a_b</b>' in out
    assert '  t_a_b -->|"df"| t_a_b_2' in out


def test_reserved_words_never_become_bare_ids():
    nodes = [node("end", "graph"), node("subgraph", "graph")]
    project = Project(executors=(executor("graph", "local"),),
                      pipelines=(pipeline("p", nodes, [], [["end", "subgraph"]]),))
    out = mermaid_of(project)
    assert "t_end(" in out and "t_subgraph(" in out and "subgraph x_graph[" in out


def test_no_title_cloud_when_no_provider_is_known():
    project = dataclasses.replace(aws_project(), providers=())
    assert mermaid_of(project).startswith('---\ntitle: "aws_etl"\n---\n')
