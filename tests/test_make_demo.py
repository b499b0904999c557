"""`make demo` installs the runtime dependencies only and says how to put glacierc on PATH; the demo itself runs
with the dev-only packages unimportable (what a runtime-only install has)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import ROOT

#: The import names of the dev extra's packages (pyproject.toml [project.optional-dependencies] dev).
DEV_ONLY = ("pytest", "syrupy", "hcl2", "hypothesis", "moto", "boto3", "botocore", "azure", "jsonschema", "mypy")
BLOCKER = """
import runpy, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"{{name}} is a dev dependency; make demo installs the runtime ones only")
sys.meta_path.insert(0, Refuse())
sys.argv = ["demo.py"]
runpy.run_path({demo!r}, run_name="__main__")
"""


def _make(*args: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**os.environ, "MAKEFLAGS": ""})
    return result.stdout


def test_demo_installs_the_runtime_dependencies_only_and_prints_how_to_reach_glacierc(tmp_path) -> None:
    # -B: as on a fresh machine (every stamp out of date), so the install commands are shown
    commands = _make("-B", "demo")
    installs = [line for line in commands.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [".venv/bin/python -m pip install -q -e ."]
    assert ". .venv/bin/activate" in commands and ".venv/bin/glacierc" in commands
    assert "pip install -q -e '.[dev]'" in _make("-B", "test")


def test_the_dev_extra_is_what_the_demo_must_not_need() -> None:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    names = {spec.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip() for spec in dev}
    assert {"pytest", "syrupy", "python-hcl2", "hypothesis", "moto", "boto3", "jsonschema", "mypy"} <= names


def test_the_demo_runs_without_dev_packages(tmp_path) -> None:
    demo = str(ROOT / "examples" / "demo.py")
    result = subprocess.run([sys.executable, "-c", BLOCKER.format(blocked=DEV_ONLY, demo=demo)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "3 of 3 examples built and ran" in result.stdout
