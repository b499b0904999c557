"""Backends: pure functions from the IR to `{relative path: text or bytes}`. Only the driver writes files."""

from __future__ import annotations

from glacierc.diagnostics.model import Diagnostic
from glacierc.ir import nodes as ir

Files = dict[str, "str | bytes"]


def _graphs(project: ir.Project, sources: dict[str, str]) -> tuple[Files, list[Diagnostic]]:
    from glacierc.backends.graph import emit

    return dict(emit(project)), []


#: name -> emit(project, sources) -> (files relative to OUT, diagnostics). `ir.json` is added by `emit_all`.
BACKENDS = {"graphs": _graphs}


def emit_all(project: ir.Project, sources: dict[str, str],
             diagnostics_so_far: tuple[Diagnostic, ...] = ()) -> tuple[Files, list[Diagnostic]]:
    """Every artifact of `glacierc build` (CONTRACT section 5)."""
    from glacierc.ir.serialize import to_json

    files: Files = {"ir.json": to_json(project, diagnostics_so_far)}
    diagnostics: list[Diagnostic] = []
    for emit in BACKENDS.values():
        produced, found = emit(project, sources)
        files.update(produced)
        diagnostics += found
    return files, diagnostics
