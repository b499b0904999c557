"""dbt-style node selection: NODE, +NODE, NODE+, +NODE+, N+NODE, NODE+N, @NODE."""

from __future__ import annotations

import pytest
from test_graph_factory import all_kinds_project, aws_project

from glacierc.backends.graph import build_view, select_nodes
from glacierc.backends.graph.select import SelectionError, Selector, parse_selector

AWS = aws_project().pipelines[0]  # extract -> clean -> enrich <- load_users; enrich -> save ..> audit


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        ([], {"extract", "clean", "load_users", "enrich", "save", "audit"}),
        (["enrich"], {"enrich"}),
        (["+enrich"], {"enrich", "clean", "extract", "load_users"}),
        (["enrich+"], {"enrich", "save", "audit"}),
        (["+clean+"], {"extract", "clean", "enrich", "save", "audit"}),
        (["1+enrich"], {"enrich", "clean", "load_users"}),
        (["extract+2"], {"extract", "clean", "enrich"}),
        (["@clean"], {"extract", "clean", "load_users", "enrich", "save", "audit"}),
        (["@save"], {"extract", "clean", "load_users", "enrich", "save", "audit"}),
        (["save+"], {"save", "audit"}),  # order edges count as dependencies
        (["extract", "audit"], {"extract", "audit"}),
        (["extract audit"], {"extract", "audit"}),  # space-separated, like dbt
        (["clean", "+clean"], {"clean", "extract"}),
    ],
)
def test_selection(selectors, expected):
    assert select_nodes(AWS, selectors) == expected


def test_at_includes_ancestors_of_descendants_only():
    pipeline = all_kinds_project().pipelines[0]  # load -> fn -> box <- load_2; box -> spark ..> notify
    assert select_nodes(pipeline, ["@fn"]) == {"load", "load_2", "fn", "box", "spark", "notify"}
    assert select_nodes(pipeline, ["spark+"]) == {"spark", "notify"}
    assert select_nodes(pipeline, ["@spark"]) == {"load", "load_2", "fn", "box", "spark", "notify"}


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("a", Selector("a", 0, 0)),
        ("+a", Selector("a", None, 0)),
        ("a+", Selector("a", 0, None)),
        ("3+a+1", Selector("a", 3, 1)),
        ("@a", Selector("a", 0, 0, at=True)),
        ("mod.task_2", Selector("mod.task_2", 0, 0)),
    ],
)
def test_parse_selector(raw, parsed):
    assert parse_selector(raw) == parsed


@pytest.mark.parametrize("raw", ["+", "++a", "a++", "@+a", "a@", "+a+b"])
def test_malformed_selector_is_a_selection_error(raw):
    with pytest.raises(SelectionError, match="invalid selector"):
        select_nodes(AWS, [raw])


def test_unknown_node_suggests_a_close_name():
    with pytest.raises(SelectionError) as error:
        select_nodes(AWS, ["+enrch"])
    assert str(error.value) == "--select: pipeline 'aws_etl' has no node 'enrch'; did you mean 'enrich'?"


def test_unknown_node_lists_the_nodes_when_nothing_is_close():
    with pytest.raises(SelectionError) as error:
        select_nodes(AWS, ["zzz"])
    assert "its nodes are: audit, clean, enrich, extract, load_users, save" in str(error.value)


def test_view_keeps_selected_nodes_their_storage_and_edges_among_them():
    project = aws_project()
    view = build_view(project, AWS, select_nodes(AWS, ["save+"]))
    assert [b.id for c in view.clusters for b in c.nodes] == ["save", "audit"]
    assert [s.name for s in view.storage] == ["curated"]
    assert {(line.source, line.target, line.style) for line in view.lines} == {
        ("save", "audit", "order"),
        ("curated", "audit", "read"),
        ("save", "curated", "write"),
    }
    assert view.levels == (("save",), ("audit",))


def test_view_drops_clusters_left_empty():
    view = build_view(aws_project(), AWS, select_nodes(AWS, ["clean"]))
    assert [c.executor for c in view.clusters] == ["lambda_exec"]
    assert view.storage == () and view.lines == ()
