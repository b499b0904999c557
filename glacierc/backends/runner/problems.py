"""What the runner backend reports without laying out any runner (GLC501, GLC503): `check` runs it, so a
green check means the runner will carry every name the task code needs. The same closure as `emit`
(shaker.py), without renaming, rendering or the runtime's text."""

from __future__ import annotations

from collections.abc import Mapping

from glacierc.backends.runner.shaker import Shaker
from glacierc.backends.runner.symbols import analyse_modules
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.nodes import Project


def runner_problems(project: Project, sources: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    if not project.pipelines:
        return ()
    shaker = Shaker(project, analyse_modules(project, sources))
    found: set[Diagnostic] = set()
    for pipeline in project.pipelines:
        called = {node.task for node in pipeline.nodes}
        found.update(shaker.problems([t for t in project.tasks if t.name in called], pipeline.name))
    return tuple(sorted(found, key=Diagnostic.sort_key))
