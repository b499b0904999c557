"""Helpers of the runner tests: build runners from real compiler output and run them as users do.

(Named test_runner_* to sit with the runner tests; it defines no tests itself.)
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

from glacierc.backends.runner import emit_with_diagnostics
from glacierc.diagnostics.model import Severity
from glacierc.driver import compile_project

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures" / "runner"


def runners_of(path: Path | str, env: dict[str, str] | None = None) -> tuple[dict[str, str], tuple]:
    """{pipeline file stem: runner text} and the runner backend's diagnostics (no compile errors allowed, but
    GLC501/GLC502: `check` refuses names and arguments the runner cannot provide, and the fixture `unsupported` drives the runner
    backend past it on purpose, to show that such a node fails at run time with a clear message)."""
    result = compile_project([str(path)], env=env or {})
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR and d.code not in ("GLC501", "GLC502")]
    assert not errors, errors
    files, diagnostics = emit_with_diagnostics(result.project, result.sources)
    return {Path(name).stem: text for name, text in files.items()}, diagnostics


def runner_text(path: Path | str, env: dict[str, str] | None = None) -> str:
    runners, _ = runners_of(path, env)
    assert len(runners) == 1, sorted(runners)
    return next(iter(runners.values()))


def write_runner(directory: Path, path: Path | str, env: dict[str, str] | None = None) -> Path:
    """Build the only runner of `path` into `directory/runners/`."""
    runners, _ = runners_of(path, env)
    assert len(runners) == 1, sorted(runners)
    (stem, text), = runners.items()
    target = directory / "runners" / f"{stem}.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def copy_data(example: str, directory: Path) -> Path:
    """A fresh copy of examples/<example>/data (laid out as <bucket>/<path>)."""
    target = directory / "data"
    shutil.copytree(EXAMPLES / example / "data", target)
    return target


def run(runner: Path, *args: str, cwd: Path, isolated: bool = False, timeout: int = 300) -> subprocess.CompletedProcess:
    """`python runner.py ARGS` in `cwd`. `isolated`: see `isolated_command`."""
    command = isolated_command(cwd) if isolated else [sys.executable]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if isolated:
        env["PYTHONPATH"] = os.pathsep.join([str(cwd / "poison"), sysconfig.get_paths()["purelib"]])
    return subprocess.run([*command, str(runner), *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def isolated_command(directory: Path) -> list[str]:
    """A Python whose path lacks the project.

    `-S` skips the `site` module, so the venv's `.pth` files — the editable install that puts the
    repository and `stdlib/` on sys.path — are never read; PYTHONPATH then gives back only the
    venv's site-packages (for polars) behind a directory whose `glacier.py` and `glacierc.py` raise
    on import, so any import of them fails loudly instead of finding some other copy.
    """
    poison = directory / "poison"
    poison.mkdir(exist_ok=True)
    for name in ("glacier", "glacierc"):
        (poison / f"{name}.py").write_text(f"raise ImportError('the runner imported {name}')\n")
    return [sys.executable, "-S"]


def load_module(path: Path, name: str = "runner_under_test") -> ModuleType:
    """Import a runner file as a module (its tasks and helpers, without running main)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def files_under(directory: Path) -> list[str]:
    """Every file below `directory`, relative and sorted (hidden staging files included)."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
