"""The graph backend on real compiler output: the examples and tests/fixtures/graph/*."""

from __future__ import annotations

import shutil
import sys
import subprocess
from pathlib import Path

import pytest

from glacierc.backends.graph import emit, graph_command, pipeline_mermaid
from glacierc.driver import compile_project

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "quickstart": ROOT / "examples/quickstart/pipeline.py",
    "aws_etl": ROOT / "examples/aws_etl/pipeline.py",
    "gcp_analytics": ROOT / "examples/gcp_analytics/pipeline.py",
    **{f"fixture_{p.parent.name}": p for p in sorted((ROOT / "tests/fixtures/graph").glob("*/pipeline.py"))},
}
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed (apt-get install graphviz)")


def project_of(name: str):
    result = compile_project([SOURCES[name]], env={})
    assert not result.has_errors, result.diagnostics
    return result.project


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_dot_snapshot(name, snapshot):
    assert emit(project_of(name)) == snapshot


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_mermaid_snapshot(name, snapshot):
    project = project_of(name)
    assert {p.name: pipeline_mermaid(project, p) for p in project.pipelines} == snapshot


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_two_compilations_give_identical_bytes(name):
    first, second = project_of(name), project_of(name)
    assert emit(first) == emit(second)
    assert graph_command(first, None, "mermaid", None, []) == graph_command(second, None, "mermaid", None, [])


@needs_dot
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_graphviz_renders_every_dot_without_warnings(name):
    for path, text in emit(project_of(name)).items():
        done = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, check=False)
        assert done.returncode == 0, f"{path}: {done.stderr.decode()}"
        assert done.stderr == b"", f"{path}: {done.stderr.decode()}"


def test_every_pipeline_has_a_graph_file():
    project = project_of("aws_etl")
    assert sorted(emit(project)) == ["graphs/aws_etl.dot"]


def test_repeated_task_calls_and_depends_on_in_the_fixture():
    dot = emit(project_of("fixture_all_kinds"))["graphs/shop.dot"]
    assert '"task:load_2" [label=<<b>load_2</b><br/><font point-size="9">load &#183; local</font>>' in dot
    assert '"task:stage" -> "task:summarise" [style=dashed' in dot
    assert '"task:stage" -> "storage:staging" [color="#D55E00", penwidth=2];' in dot
    assert '"storage:staging" -> "task:summarise" [color="#56B4E9", arrowhead=empty];' in dot
    for shape in ("box", "hexagon", "box3d", "component", "cylinder"):
        assert f"shape={shape}," in dot


def test_selection_on_an_example():
    project = project_of("gcp_analytics")
    code, dot, _ = graph_command(project, None, "dot", None, ["+join_all"])
    assert code == 0
    assert '"task:aggregate"' not in dot and '"task:publish"' not in dot and "storage:report" not in dot
    assert all(f'"task:{n}"' in dot for n in ("load", "load_2", "load_3", "completed_orders", "join_all"))


def test_the_mermaid_in_the_docs_is_what_the_backend_prints():
    docs = (ROOT / "docs/graph.md").read_text()
    block = docs.split("```mermaid\n", 1)[1].split("```", 1)[0]
    code, payload, _ = graph_command(project_of("aws_etl"), None, "mermaid", None, ["+enrich"])
    assert code == 0 and payload == block


def test_the_picture_in_the_docs_exists():
    docs = (ROOT / "docs/graph.md").read_text()
    assert "![aws_etl as drawn by glacierc graph](img/aws_etl.svg)" in docs
    svg = (ROOT / "docs/img/aws_etl.svg").read_text()
    assert "<title>aws_etl</title>" in svg and "task:enrich" in svg


def test_read_and_write_of_one_storage_by_one_task():
    dot = emit(project_of("fixture_bare_task"))["graphs/bare.dot"]
    assert '"storage:table" -> "task:bump" [color="#56B4E9", arrowhead=empty];' in dot
    assert '"task:bump" -> "storage:table" [color="#D55E00", penwidth=2];' in dot
    assert '"task:bump" -> "task:show" [style=dashed, color="#777777", fontcolor="#777777", label="table"];' in dot


def test_importing_the_backend_stays_light():
    code = ("import sys, glacierc.backends.graph; "
            "print(sorted(m for m in ('graphviz', 'jinja2', 'polars', 'libcst') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
