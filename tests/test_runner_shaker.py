"""The generated runner as text: tree-shaken task code, the plan as data, determinism, no glacier."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from glacierc.diagnostics.render import concise_line
from glacierc.driver import compile_project
from tests.test_runner_support import EXAMPLES, FIXTURES, run, runner_text, runners_of, write_runner

SOURCES = {
    "quickstart": (EXAMPLES / "quickstart" / "pipeline.py", {}),
    "aws_etl": (EXAMPLES / "aws_etl" / "pipeline.py", {}),
    "gcp_analytics": (EXAMPLES / "gcp_analytics" / "pipeline.py", {}),
    "azure_sales": (FIXTURES / "azure_sales" / "pipeline.py", {}),
    "concurrent": (FIXTURES / "concurrent" / "pipeline.py", {}),
    "failing": (FIXTURES / "failing" / "pipeline.py", {"MODE": "raise"}),
    "features": (FIXTURES / "features" / "pipeline.py", {}),
    "shaking": (FIXTURES / "shaking", {}),
    "unsupported": (FIXTURES / "unsupported", {}),
    "multi_module": (Path(__file__).parent / "fixtures" / "core" / "multi_module", {}),
}


def text_of(name: str) -> str:
    path, env = SOURCES[name]
    return runner_text(path, env)


def sections(text: str) -> str:
    """The parts that differ between runners: header, plan, copied code and the task table."""
    plan = text[: text.index("# ==== storage: the Bucket shim")]
    code = text[text.index("# ==== task code"): text.index("\n# ====", text.index("SOURCE_MAP = "))]
    return plan + "...\n" + code


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_plan_and_code_snapshot(name, snapshot):
    assert sections(text_of(name)) == snapshot


def test_whole_runner_snapshot(snapshot):
    assert text_of("quickstart") == snapshot


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_runner_is_valid_python_without_glacier_imports(name):
    tree = ast.parse(text_of(name))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert not imported & {"glacier", "glacierc"}
    project_modules = {"sales", "odd", "shop", "pipeline"}
    assert not imported & project_modules
    assert "__import__(\"glacier" not in text_of(name)


@pytest.mark.parametrize("name", ["aws_etl", "shaking"])
def test_two_builds_are_byte_identical(name):
    assert text_of(name) == text_of(name)


def test_shaking_copies_only_what_tasks_use():
    text = text_of("shaking")
    code = text[text.index("# ==== task code"): text.index("# ==== the tasks by name")]
    statements = "\n".join(line for line in code.split("\n") if not line.startswith("#"))
    for absent in ("UNUSED", "unused_helper", "Provider(", "local_exec", "@", "def sales_report", "from .",
                   "import sales", "hh.", "helpers.helper(df)", "helpers.scale()"):
        assert absent not in statements.replace("@functools.lru_cache", ""), absent
    for present in ("import functools", "THRESHOLD = 2", "SCALE = scale()", "class Columns:",
                    "def helper(df", "def helper_sales_tasks(value)", "rounded(amount).alias(Columns.TOTAL)",
                    "def main_sales_tasks(df", 'meta = BUCKETS["meta"]'):
        assert present in code, present
    assert '"main": main_sales_tasks,' in text
    assert "import json" not in code and "import math" not in code  # the runner imports them: shared
    # module order: helpers before the tasks that use them at import time (SCALE = scale())
    assert code.index("# ---- from sales/helpers.py") < code.index("# ---- from sales/tasks.py")


_LOCAL_HEAD = ("import polars as pl\n"
               "from glacier import Provider, pipeline\n"
               "from glacier.config import LocalConfig\n"
               "provider = Provider(config=LocalConfig())\n"
               "local_exec = provider.local()\n")


def test_names_the_runtime_uses_are_renamed(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_text(
        _LOCAL_HEAD +
        "def locate(df):\n    return df.with_columns(found=pl.lit(True))\n"
        "Bucket = 'not the shim'\n"
        "@local_exec.task()\n"
        "def run_node() -> pl.DataFrame:\n    return locate(pl.DataFrame({'bucket': [Bucket]}))\n"
        "@pipeline(name='clash')\n"
        "def clash():\n    return run_node()\n")
    runner = write_runner(tmp_path, source)
    text = runner.read_text()
    assert "def locate_pipeline(df):" in text and "Bucket_pipeline = 'not the shim'" in text
    assert "def run_node_pipeline() -> pl.DataFrame:" in text
    assert "return locate_pipeline(pl.DataFrame({'bucket': [Bucket_pipeline]}))" in text
    result = run(runner, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not the shim" in result.stdout and "true" in result.stdout


def test_an_import_renamed_for_a_clash_keeps_its_module(tmp_path):
    """`try: import orjson as json / except ImportError: import json` (and `from os import sys`) bind names the
    runtime uses: renaming them rewrote `import json` into `import json_pipeline`, a module that does not
    exist, so the runner died with a traceback before any node ran."""
    source = tmp_path / "pipeline.py"
    source.write_text(
        _LOCAL_HEAD +
        "try:\n    import no_such_module_here as json\nexcept ImportError:\n    import json\n"
        "    from os import sys\n"
        "@local_exec.task()\n"
        "def dump() -> pl.DataFrame:\n    return pl.DataFrame({'text': [json.dumps({'a': 1})], 'sep': [sys.platform]})\n"
        "@pipeline(name='clash')\n"
        "def clash():\n    return dump()\n")
    runner = write_runner(tmp_path, source)
    text = runner.read_text()
    assert "    import json as json_pipeline\n" in text and "    from os import sys as sys_pipeline\n" in text
    result = run(runner, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '{"a": 1}' in result.stdout


def test_unsupported_uses_are_warnings_with_locations(snapshot):
    path, env = SOURCES["unsupported"]
    _, diagnostics = runners_of(path, env)  # found while copying code
    checked = [d for d in compile_project([str(path)], env).diagnostics if d.code == "GLC502"]  # by `check`
    assert [concise_line(d) for d in (*diagnostics, *checked)] == snapshot
    assert {d.code for d in diagnostics} == {"GLC501", "GLC503"} and {d.code for d in checked} == {"GLC502"}


def test_unsupported_argument_fails_at_its_node(tmp_path):
    runner = write_runner(tmp_path, SOURCES["unsupported"][0])
    result = run(runner, cwd=tmp_path)
    assert result.returncode == 1
    assert "error: node `load_all` (task `load_all`, odd/pipeline.py:19" in result.stderr
    assert "the value of argument `sources` is not known statically" in result.stderr


@pytest.mark.parametrize("name", ["failing", "features", "aws_etl"])
def test_source_map_lines_match_the_source(name):
    """Every mapped runner line is the same text as the source line it claims to come from."""
    path = SOURCES[name][0]
    text = text_of(name)
    start = text.index("SOURCE_MAP = ") + 13
    source_map = ast.literal_eval(text[start: text.index("\n# ====", start)].strip())
    lines = text.split("\n")
    assert source_map
    for first, last, file, source_first in source_map:
        source = (path if path.is_file() else path / file).read_text().split("\n")
        if path.is_file():
            assert file == path.name
        copied = lines[first - 1: last]
        original = source[source_first - 1: source_first - 1 + len(copied)]
        assert copied == original, (first, file, source_first)
        assert re.match(r"(async )?(def|class) |\w", copied[0])
