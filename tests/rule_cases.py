"""Run one rule case (glacierc/checks/rule.py) as a user would: real files in a project directory, compiled
from it (`check`) or built (`build --check`), and return the diagnostics."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from glacierc.checks.rule import Case
from glacierc.diagnostics.model import Diagnostic


def write_case(case: Case, project: Path) -> None:
    project.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for name, target in case.links.items():
        (project / name).symlink_to(target)


@contextmanager
def _cwd(directory: Path):
    before = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


def run_case(case: Case, tmp_path: Path) -> tuple[Diagnostic, ...]:
    from glacierc.driver import build, compile_project

    project = tmp_path / "project"
    write_case(case, project)
    with _cwd(project):  # paths as the user types them: messages name `pipeline.py`, not a temporary path
        if case.stage == "build":
            return build(list(case.paths), tmp_path / "out", dict(case.env), check_only=True).diagnostics
        return compile_project(list(case.paths), dict(case.env), measure_packages=True).diagnostics


def observed(diagnostics, code: str) -> list[tuple]:
    """The diagnostics of `code` as (line, column, end_line, end_column, message, file), sorted."""
    return sorted((d.span.line, d.span.column, d.span.end_line, d.span.end_column, d.message, d.span.file)
                  for d in diagnostics if d.code == code)
