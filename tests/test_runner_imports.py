"""What a runner imports is read from the copied code and the runtime's known imports
(glacierc/backends/runner/imports.py), and equals what parsing the whole runner finds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glacierc.backends.imports import imported_modules
from glacierc.backends.runner import emit
from glacierc.backends.runner.imports import runner_imports
from glacierc.backends.runner.layout import CODE_HEADER, TASKS_HEADER
from glacierc.driver import compile_project

ROOT = Path(__file__).resolve().parent.parent
INPUTS = sorted({*(p.parent for p in (ROOT / "tests" / "fixtures").glob("*/*/*.py")),
                 *(p.parent for p in (ROOT / "examples").glob("*/pipeline.py"))})
SKIP = {"fuzz_regressions", "migrate"}


def _runners(path: Path) -> dict[str, str]:
    compiled = compile_project([path])
    if compiled.has_errors:
        return {}
    return emit(compiled.project, compiled.sources)


@pytest.mark.parametrize("path", [p for p in INPUTS if p.parent.name not in SKIP],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_imports_read_from_the_layout_are_those_of_the_whole_runner(path: Path) -> None:
    for name, text in _runners(path).items():
        assert runner_imports(text) == imported_modules(text), name


HOSTILE = f'''\
    import polars as pl
    from glacier import Provider, pipeline
    from glacier.config import LocalConfig

    provider = Provider(config=LocalConfig())
    raw = provider.bucket(bucket="raw", path="x.parquet")
    out = provider.bucket(bucket="out", path="y.parquet")
    fn = provider.local()

    @fn.task()
    def load() -> pl.LazyFrame:
        {TASKS_HEADER}
        import yaml
        {CODE_HEADER}
        import requests.adapters
        return raw.scan()

    @fn.task()
    def save(frame: pl.LazyFrame) -> None:
        from dateutil import parser
        out.write(frame)

    @pipeline(name="{TASKS_HEADER[2:]}")
    def p():
        save(load())
    '''


def test_layout_lines_in_the_task_code_or_the_names_change_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(HOSTILE))
    runners = _runners(path)
    assert runners
    for text in runners.values():
        found = runner_imports(text)
        assert found == imported_modules(text)
        assert found is not None and {"yaml", "requests", "dateutil", "polars"} <= found


def test_a_text_not_laid_out_as_a_runner_is_parsed_whole() -> None:
    assert runner_imports("import yaml\n") == frozenset({"yaml"})
    assert runner_imports(f"\n{TASKS_HEADER}\nimport a\n{CODE_HEADER}\nimport b\n") == frozenset({"a", "b"})
    assert runner_imports("def (") is None
