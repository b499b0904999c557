"""What `glacierc run` and `glacierc run --cloud` share before running: which pipeline of the compiled project
runs, and the compile's diagnostics on standard error."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from glacierc.diagnostics.model import Diagnostic

USAGE, FAILED = 2, 1


def choose_pipeline(project, pipeline: str | None) -> str | int:
    """The pipeline to run (the only one, or the one `--pipeline` names), else the exit status after saying why."""
    names = sorted(p.name for p in project.pipelines)
    if not names:
        print("error: no pipeline found (decorate a function with @pipeline)", file=sys.stderr)
        return FAILED
    if pipeline is None:
        if len(names) == 1:
            return names[0]
        print(f"error: several pipelines; choose one with --pipeline: {', '.join(names)}", file=sys.stderr)
        return USAGE
    if pipeline not in names:
        print(f"error: no pipeline `{pipeline}`; pipelines: {', '.join(names)}", file=sys.stderr)
        return USAGE
    return pipeline


def show_diagnostics(diagnostics: Sequence[Diagnostic], compiled) -> None:
    """The diagnostics in the `full` format on standard error, uncoloured."""
    if diagnostics:
        from glacierc.diagnostics.render import render

        sys.stderr.write(render("full", list(diagnostics), compiled.texts, compiled.files, color=False))
