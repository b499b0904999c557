"""The runner backend: one standalone Polars script per pipeline, `runners/<pipeline>.py`.

`emit(project, sources)` is the build's entry point; `emit_with_diagnostics` also returns what
the backend found (GLC501-GLC503 warnings); `runner_sources` maps pipeline names to runner texts
(what the Terraform backend bundles into cloud functions). See docs/runner.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.nodes import Project

__all__ = ["backend", "emit", "emit_with_diagnostics", "runner_path", "runner_sources", "validate"]


def emit(project: Project, sources: Mapping[str, str]) -> dict[str, str]:
    """`{"runners/<pipeline>.py": text}` for every pipeline of the project."""
    return emit_with_diagnostics(project, sources)[0]


def emit_with_diagnostics(project: Project, sources: Mapping[str, str]
                          ) -> tuple[dict[str, str], tuple[Diagnostic, ...]]:
    from glacierc.backends.runner.emit import emit_runners

    return emit_runners(project, sources)


def validate(project: Project, sources: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """The runner backend's diagnostics without emitting runners (what `check` runs)."""
    from glacierc.backends.runner.problems import runner_problems

    return runner_problems(project, sources)


def backend(project: Project, sources: dict[str, str], earlier: Mapping[str, object]
            ) -> tuple[dict[str, str | bytes], list[Diagnostic]]:
    """The runner backend in the shape of `glacierc.backends.BACKENDS` (runs before terraform, which
    bundles the runners into cloud-function packages)."""
    files, diagnostics = emit_with_diagnostics(project, sources)
    return dict(files), list(diagnostics)


def runner_sources(files: Mapping[str, str], project: Project) -> dict[str, str]:
    """Pipeline name -> runner text, from the files `emit` returned."""
    return {p.name: files[runner_path(p.name)] for p in project.pipelines if runner_path(p.name) in files}


def runner_path(pipeline: str) -> str:
    """Where the runner of `pipeline` goes, relative to OUT."""
    from glacierc.backends.runner.emit import runner_path as path

    return path(pipeline)
