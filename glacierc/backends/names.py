"""The one place user names become identifiers and file names in the artifacts.

`identifier` gives Terraform labels and Python names (letters, digits and `_`); `file_stem` gives
the stem of `runners/<stem>.py` and `graphs/<stem>.dot`. Both are many-to-one, so `clashes`
reports pipelines whose artifact files would coincide (GLC406) instead of overwriting one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from glacierc.checks.glc406_artifact_name_clash import SAME_FILES
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.nodes import Pipeline

_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]+")
_NOT_FILE = re.compile(r"[^\w.-]", flags=re.ASCII)


def identifier(name: str) -> str:
    """Letters, digits and `_`, never starting with a digit, never empty."""
    cleaned = _NOT_IDENTIFIER.sub("_", name).strip("_") or "unnamed"
    return f"_{cleaned}" if cleaned[0].isdigit() else cleaned


def file_stem(name: str) -> str:
    """A file name stem: ASCII letters, digits, `_`, `-` and `.` (not leading); the rest becomes `_`."""
    return _NOT_FILE.sub("_", name).lstrip(".") or "_"


def clashes(pipelines: Iterable[Pipeline]) -> list[Diagnostic]:
    """GLC406 on every pipeline whose artifact files (compared ignoring case, as on macOS and
    Windows) are those of a pipeline declared before it."""
    first: dict[str, Pipeline] = {}
    found: list[Diagnostic] = []
    for pipeline in sorted(pipelines, key=lambda p: (p.span.file, p.span.line, p.span.column, p.name)):
        stem = file_stem(pipeline.name)
        other = first.setdefault(stem.lower(), pipeline)
        if other is not pipeline:
            found.append(SAME_FILES.diagnostic(pipeline.span, pipeline=pipeline.name, other=other.name, stem=stem))
    return found
