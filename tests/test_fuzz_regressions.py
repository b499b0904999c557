"""Every input the fuzzer (or a hostile-input probe) ever crashed the compiler with stays fixed: check,
analyze, build and migrate, run in-process exactly as the fuzzer runs them, end in diagnostics or success."""

from __future__ import annotations

import shutil

import pytest

from glacierc.fuzzing.target import run_case
from tests.helpers import FIXTURES, fixture_env

REGRESSIONS = FIXTURES / "fuzz_regressions"
CASES = sorted(p for p in REGRESSIONS.iterdir() if p.suffix == ".py" or p.is_dir())


def test_there_are_regressions():
    assert CASES, f"no fixtures under {REGRESSIONS}"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_regression_compiles_without_crash(case, tmp_path):
    project = tmp_path / "project"  # a copy: `check --fix` may rewrite the input
    if case.is_dir():
        shutil.copytree(case, project)
        paths, env = [str(project)], fixture_env(case)
    else:
        project.mkdir()
        shutil.copy(case, project / "pipeline.py")
        paths, env = [str(project / "pipeline.py")], {}
    crash = run_case(paths, env, tmp_path / "out" / "OUT", migrate=True)
    assert crash is None, crash.detail
