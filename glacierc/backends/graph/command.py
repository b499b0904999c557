"""`glacierc graph`: choose the pipeline(s), select nodes, produce DOT / Mermaid / SVG / PNG.

The CLI parses flags and calls `graph_command`, which returns the picture; the command layer
(glacierc/commands.py) prints it or writes it to `-o FILE`. Every problem a user can cause comes back as
(exit code 2, message), never as an exception.
"""

from __future__ import annotations

from pathlib import Path

from glacierc.backends.graph.dot import to_dot
from glacierc.backends.graph.mermaid import to_mermaid
from glacierc.backends.graph.render import RENDERED_FORMATS, RenderError, render
from glacierc.backends.graph.select import SelectionError, select_nodes
from glacierc.backends.graph.view import build_view
from glacierc.ir.nodes import Pipeline, Project

FORMATS = ("dot", "svg", "png", "mermaid")
SUFFIXES = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".mmd": "mermaid",
            ".mermaid": "mermaid"}

Result = tuple[int, "str | bytes | None", "str | None"]  # (exit code, picture or None, error message)


class UsageError(Exception):
    """A flag combination that cannot work; the message is for the user."""


def graph_command(project: Project, pipeline: str | None, fmt: str | None, output: Path | None,
                  select: list[str], *, columns: bool = False, exclude: list[str] | None = None) -> Result:
    """(exit code, the picture, error message); `output`, the file it is for, chooses the format without
    `fmt` (by its suffix). Nothing is written here."""
    try:
        chosen_fmt = resolve_format(fmt, output)
        pipelines = choose_pipelines(project, pipeline, chosen_fmt, [*select, *(exclude or ())])
        payload = _payload(project, pipelines, chosen_fmt, select, columns, exclude or [])
    except (UsageError, SelectionError, RenderError) as error:
        return 2, None, str(error)
    return 0, payload, None


def resolve_format(fmt: str | None, output: Path | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(f"unknown --format '{fmt}'; expected one of {', '.join(FORMATS)}")
        return fmt
    if output is None:
        return "dot"
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(sorted(SUFFIXES))
        raise UsageError(
            f"cannot tell the format from '{output.name}' (known suffixes: {known}); pass --format"
        )
    return SUFFIXES[suffix]


def choose_pipelines(project: Project, name: str | None, fmt: str,
                     select: list[str]) -> list[Pipeline]:
    pipelines = sorted(project.pipelines, key=lambda p: p.name)
    names = ", ".join(p.name for p in pipelines)
    if not pipelines:
        raise UsageError("no pipeline found in the input (no function decorated with @pipeline)")
    if name is not None:
        matching = [p for p in pipelines if p.name == name]
        if not matching:
            raise UsageError(f"no pipeline named '{name}'; the input has: {names}")
        return matching
    if len(pipelines) > 1 and fmt in RENDERED_FORMATS:
        raise UsageError(f"the input has several pipelines ({names}); choose one with --pipeline "
                         f"to render {fmt}")
    if len(pipelines) > 1 and any(s.strip() for s in select):
        raise UsageError(f"the input has several pipelines ({names}); --select needs --pipeline")
    return pipelines


def _payload(project: Project, pipelines: list[Pipeline], fmt: str, select: list[str],
             columns: bool = False, exclude: list[str] | None = None) -> str | bytes:
    views = [build_view(project, p, select_nodes(p, select, exclude or (), project.tasks), columns=columns)
             for p in pipelines]
    if fmt == "mermaid":
        return "\n".join(to_mermaid(v) for v in views)
    dot = "\n".join(to_dot(v) for v in views)
    if fmt == "dot":
        return dot
    picture = render(dot, fmt)
    return picture.decode("utf-8") if fmt == "svg" else picture
