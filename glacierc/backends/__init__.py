"""Backends: pure functions from the IR to `{relative path: text or bytes}`. Only the driver writes files."""

from __future__ import annotations

from glacierc.diagnostics.model import Diagnostic
from glacierc.ir import nodes as ir


def emit_all(project: ir.Project, sources: dict[str, str],
             diagnostics_so_far: tuple[Diagnostic, ...] = ()) -> tuple[dict[str, str | bytes], list[Diagnostic]]:
    """Every artifact of `glacierc build` (CONTRACT section 5)."""
    from glacierc.ir.serialize import to_json

    files: dict[str, str | bytes] = {"ir.json": to_json(project, diagnostics_so_far)}
    diagnostics: list[Diagnostic] = []
    return files, diagnostics
