"""The compiler as a library: what `Pipeline.run(mode="analyze" | "generate")` in `glacier` calls."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from glacierc.driver import BuildResult, CompileResult, compile_project
from glacierc.driver import build as _build


def analyze_source_file(path: str | Path, env: Mapping[str, str] | None = None) -> CompileResult:
    """Statically analyse the file (nothing in it is executed): IR, DAG and diagnostics."""
    return compile_project([str(path)], env)


def build(path: str | Path, output_dir: str | Path, env: Mapping[str, str] | None = None) -> BuildResult:
    """`glacierc build PATH -o OUTPUT_DIR`, atomically; nothing is written when the input has errors."""
    return _build([str(path)], Path(output_dir), env)


__all__ = ["analyze_source_file", "build", "CompileResult", "BuildResult"]
