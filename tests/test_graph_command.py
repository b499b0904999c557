"""`graph_command`, what `glacierc graph` runs: formats, pipelines, selection, errors; and `graph -o FILE`,
which the command layer writes."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from test_graph_factory import aws_project, node, pipeline

from glacierc.backends.graph import graph_command
from glacierc.backends.graph.render import INSTALL_HINT, RenderError, render
from tests.helpers import EXAMPLES, glacierc

AWS_ETL = str(EXAMPLES / "aws_etl")

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed (apt-get install graphviz)")


def two_pipelines():
    project = aws_project()
    small = pipeline("aws_small", [node("extract", "local_exec", reads=["raw_events"])], [], [["extract"]])
    return dataclasses.replace(project, pipelines=(project.pipelines[0], small))


def test_default_is_dot_on_stdout():
    code, payload, error = graph_command(aws_project(), None, None, None, [])
    assert (code, error) == (0, None)
    assert payload.startswith('digraph "aws_etl" {')


def test_mermaid_on_stdout():
    code, payload, _ = graph_command(aws_project(), "aws_etl", "mermaid", None, [])
    assert code == 0 and "flowchart LR" in payload


@pytest.mark.parametrize(("suffix", "start"), [(".dot", b"digraph"), (".gv", b"digraph"),
                                               (".mmd", b"---\ntitle"), (".MERMAID", b"---\ntitle")])
def test_text_format_from_the_suffix(tmp_path, suffix, start):
    out = tmp_path / "sub" / f"graph{suffix}"
    code, payload, error = graph_command(aws_project(), None, None, out, [])
    assert (code, error) == (0, None) and payload.encode().startswith(start)
    assert not out.parent.exists()  # the backend writes nothing: the command layer does
    result = glacierc("graph", AWS_ETL, "-o", str(out))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert out.read_bytes().startswith(start)
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left behind
    plain = tmp_path / "plain"
    plain.write_text("x")
    assert out.stat().st_mode == plain.stat().st_mode  # same permissions as any new file


@needs_dot
def test_svg_and_png_from_the_suffix(tmp_path):
    code, payload, _ = graph_command(aws_project(), None, None, tmp_path / "g.svg", [])
    assert code == 0 and "<svg" in payload
    code, payload, _ = graph_command(aws_project(), None, None, tmp_path / "g.png", [])
    assert code == 0 and payload.startswith(b"\x89PNG\r\n\x1a\n")
    assert glacierc("graph", AWS_ETL, "-o", str(tmp_path / "g.png")).returncode == 0
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@needs_dot
def test_format_flag_wins_over_the_suffix_and_svg_goes_to_stdout(tmp_path):
    code, payload, _ = graph_command(aws_project(), None, "svg", None, [])
    assert code == 0 and isinstance(payload, str) and "<svg" in payload
    code, payload, _ = graph_command(aws_project(), None, "dot", tmp_path / "g.svg", [])
    assert code == 0 and payload.startswith("digraph")


@needs_dot
def test_png_on_stdout_is_bytes():
    code, payload, _ = graph_command(aws_project(), None, "png", None, ["clean+"])
    assert code == 0 and payload.startswith(b"\x89PNG")


def test_missing_dot_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "g.svg"
    code, payload, error = graph_command(aws_project(), None, None, out, [])
    assert (code, payload) == (2, None)
    assert "apt-get install graphviz" in error and "brew install graphviz" in error
    assert error == INSTALL_HINT
    assert graph_command(aws_project(), None, "dot", None, [])[0] == 0  # text needs no dot
    result = glacierc("graph", AWS_ETL, "-o", str(out), env={"PATH": str(tmp_path)})
    assert result.returncode == 2 and result.stderr.startswith("error: Graphviz's `dot` program is needed")
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", None, None, []), "no pipeline named 'nope'; the input has: aws_etl"),
        ((None, "jpeg", None, []), "unknown --format 'jpeg'; expected one of dot, svg, png, mermaid"),
        ((None, None, Path("g.txt"), []), "cannot tell the format from 'g.txt'"),
        ((None, None, None, ["+enrch"]),
         "--select: pipeline 'aws_etl' has no node 'enrch'; did you mean 'enrich'?"),
        ((None, None, None, ["a@b"]), "invalid selector 'a@b'"),
    ],
)
def test_usage_errors_exit_2_with_a_message(args, message):
    code, payload, error = graph_command(aws_project(), *args)
    assert (code, payload) == (2, None)
    assert error.startswith(message)


def test_no_pipeline_at_all():
    project = dataclasses.replace(aws_project(), pipelines=())
    assert graph_command(project, None, None, None, []) == (
        2, None, "no pipeline found in the input (no function decorated with @pipeline)")


def test_several_pipelines_text_formats_concatenate():
    code, payload, _ = graph_command(two_pipelines(), None, None, None, [])
    assert code == 0
    assert [line for line in payload.splitlines() if line.startswith("digraph")] == [
        'digraph "aws_etl" {', 'digraph "aws_small" {']
    code, payload, _ = graph_command(two_pipelines(), None, "mermaid", None, [])
    assert payload.count("flowchart LR") == 2


def test_several_pipelines_need_a_choice_to_render_or_select():
    code, _, error = graph_command(two_pipelines(), None, "svg", None, [])
    assert code == 2 and error.startswith("the input has several pipelines (aws_etl, aws_small)")
    code, _, error = graph_command(two_pipelines(), None, None, None, ["extract"])
    assert code == 2 and "--select needs --pipeline" in error
    code, payload, _ = graph_command(two_pipelines(), "aws_small", None, None, ["extract"])
    assert code == 0 and payload.startswith('digraph "aws_small"')


def test_unwritable_output_is_a_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = glacierc("graph", AWS_ETL, "-o", str(blocker / "g.dot"))
    assert result.returncode == 2 and result.stderr.startswith(f"error: cannot write {blocker / 'g.dot'}: ")
    assert "Traceback" not in result.stderr and blocker.read_text() == "x"


@needs_dot
def test_render_reports_graphviz_errors():
    with pytest.raises(RenderError, match=r"`dot -Tsvg` failed \(exit 1\)"):
        render("digraph { a -> }", "svg")


@needs_dot
def test_rendering_is_deterministic():
    dot = graph_command(aws_project(), None, None, None, [])[1]
    assert render(dot, "svg") == render(dot, "svg")
