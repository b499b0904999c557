"""Shared test helpers: run the real CLI, compile fixtures and pipeline sources."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"
EXAMPLE_NAMES = ("quickstart", "aws_etl", "gcp_analytics")


def glacierc(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the installed `glacierc` entry point (the console script, as users do)."""
    script = Path(sys.executable).with_name("glacierc")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "glacierc"]
    return subprocess.run([*command, *args], cwd=cwd or ROOT, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})}, timeout=300)


def fixture_env(directory: Path) -> dict[str, str]:
    env_file = Path(directory) / "env.txt"
    if not env_file.exists():
        return {}
    pairs = [line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line]
    return {name: value for name, value in pairs}


def build_source(source: str, root: Path) -> Path:
    """`source` written as `root/pipeline.py` and built into `root/out` (asserting no errors); `root/out`."""
    from glacierc.driver import build

    (root / "pipeline.py").write_text(source, encoding="utf-8")
    result = build([str(root / "pipeline.py")], root / "out", {})
    assert not result.has_errors, [d.message for d in result.diagnostics]
    return root / "out"
