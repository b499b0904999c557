"""The library and the compiler judge task options by one catalogue (glacier._task_options), and the
library's local run orders task calls as the compiled runner does (depends_on, write before read)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import polars as pl
import pytest

from glacier import Provider, pipeline
from glacier.config import LocalConfig
from glacierc.driver import compile_project

VALUES = {
    "timeout": ["0", "1", "1.5", "60", "True", "'60'", "None", "-5"],
    "retries": ["0", "3", "-1", "True", "100", "101", "2.0"],
    "depends_on": ["['load']", "[load]", "[]", "['']", "[print]"],
    "tags": ["()", "('nightly',)", "['a', 'b']", "'nightly'", "[1]"],
}


def _library_refuses(option: str, value: str) -> bool:
    provider = Provider(config=LocalConfig())
    local_exec = provider.local()

    def load() -> None:
        return None

    load_task = local_exec.task()(load)
    namespace = {"load": load_task, "print": print}
    try:
        local_exec.task(**{option: eval(value, namespace)})(lambda: None)  # test data, not user code
    except (TypeError, ValueError):
        return True
    return False


def _compiler_codes(tmp_path: Path, option: str, value: str) -> set[str]:
    source = textwrap.dedent(f"""\
        from glacier import Provider, pipeline
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig())
        local_exec = provider.local()

        @local_exec.task()
        def load():
            return None

        @local_exec.task({option}={value})
        def other():
            return None

        @pipeline(name="p")
        def p():
            load()
            other()
        """)
    path = tmp_path / "pipeline.py"
    path.write_text(source)
    return {d.code for d in compile_project([path]).diagnostics if d.severity.value == "error"}


@pytest.mark.parametrize(("option", "value"), [(o, v) for o, values in VALUES.items() for v in values])
def test_compiler_and_library_agree(tmp_path: Path, option: str, value: str) -> None:
    refused = _library_refuses(option, value)
    codes = _compiler_codes(tmp_path, option, value)
    assert refused == bool(codes & {"GLC302", "GLC202"}), (refused, codes)


def test_an_async_task_is_refused_by_both(tmp_path: Path) -> None:
    """`async def` tasks passed check and `glacierc run` reported them ok without running them (a coroutine
    nobody awaited): GLC224 in the compiler, a TypeError in the library."""
    from glacier import task

    async def fetch() -> None:
        return None

    with pytest.raises(TypeError, match="async def"):
        task(fetch)
    path = tmp_path / "pipeline.py"
    path.write_text("from glacier import task, pipeline\n\n@task\nasync def fetch():\n    return None\n\n"
                    "@pipeline(name='p')\ndef p():\n    fetch()\n")
    assert [(d.code, d.span.line) for d in compile_project([path]).diagnostics] == [("GLC224", 4)]


def test_a_generator_task_is_refused_by_both(tmp_path: Path) -> None:
    """A task using `yield` only made a generator when called: its write never ran and `glacierc run` reported
    it ok. GLC225 in the compiler (at the `yield`, not at a nested generator's), a TypeError in the library."""
    from glacier import task

    def rows():
        yield 1

    with pytest.raises(TypeError, match="uses `yield`"):
        task(rows)
    path = tmp_path / "pipeline.py"
    path.write_text("from glacier import task, pipeline\n\n@task\ndef rows():\n    def inner():\n"
                    "        yield 0\n    yield from inner()\n\n@pipeline(name='p')\ndef p():\n    rows()\n")
    assert [(d.code, d.span.line) for d in compile_project([path]).diagnostics] == [("GLC225", 7)]


def test_positional_task_name_is_the_name(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent("""\
        from glacier import Provider, pipeline
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig())
        local_exec = provider.local()

        @local_exec.task("renamed")
        def load():
            return None

        @pipeline(name="p")
        def p():
            load()
        """))
    project = compile_project([path]).project
    assert [t.name for t in project.tasks] == ["renamed"]
    assert [n.id for n in project.pipelines[0].nodes] == ["renamed"]


# --- local runs order calls like the runner ------------------------------------------------------

provider = Provider(config=LocalConfig())
local_exec = provider.local()
staged = provider.bucket(bucket="work", path="staged.parquet")
log: list[str] = []


@local_exec.task()
def publish() -> None:
    log.append("publish")


@local_exec.task(depends_on=["publish", "missing_is_fine"])
def announce() -> str:
    log.append("announce")
    return "sent"


@local_exec.task()
def stage() -> None:
    log.append("stage")
    staged.write(pl.DataFrame({"x": [1, 2]}))


@local_exec.task(depends_on=[announce])
def late_writer() -> None:
    log.append("late_writer")
    staged.write(pl.DataFrame({"x": [1, 2, 3]}))


@local_exec.task()
def reader() -> int:
    log.append("reader")
    return staged.read().height


@local_exec.task()
def combine(count: int, message: str) -> str:
    return f"{message}:{count}"


@pipeline(name="ordered")
def ordered() -> str:
    message = announce()  # waits for publish, called below
    late_writer()         # waits for announce
    count = reader()      # reads what the waiting late_writer writes: waits too
    publish()
    return combine(count, message)


def test_local_run_honours_depends_on_and_write_before_read(tmp_path: Path) -> None:
    log.clear()
    assert ordered.run(mode="local", data_dir=tmp_path) == "sent:3"
    assert log == ["publish", "announce", "late_writer", "reader"]


def test_a_task_called_outside_a_pipeline_is_a_plain_call() -> None:
    log.clear()
    assert announce() == "sent" and log == ["announce"]


def test_analyze_reads_the_environment_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env_pipeline.py"
    path.write_text(textwrap.dedent("""\
        import os
        from glacier import Provider, pipeline
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig())
        local_exec = provider.local()
        raw = provider.bucket(bucket=os.getenv("SOURCE", "default-bucket"), path="raw.parquet")

        @local_exec.task()
        def load(source):
            return source.scan()

        @pipeline(name="p")
        def p():
            load(raw)
        """))
    import importlib.util

    spec = importlib.util.spec_from_file_location("env_pipeline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("SOURCE", "from-environment")
    assert [s.bucket for s in module.p.run(mode="analyze").project.storage] == ["from-environment"]
    given = module.p.run(mode="analyze", env={"SOURCE": "given"})
    assert [s.bucket for s in given.project.storage] == ["given"]
