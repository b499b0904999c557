"""Resource limits: a file over `max-file-bytes`, or code nested or chained deeper than the parser and the
compiler's recursive passes take, is GLC004 - never a RecursionError, a segfault of LibCST's native parser,
or minutes of parsing."""

from __future__ import annotations

import time

import pytest

from glacierc.driver import compile_project
from glacierc.frontend.limits import MAX_CHAIN, MAX_NESTING, MAX_TREE_DEPTH
from tests.helpers import glacierc

HEAD = """from glacier import Provider, pipeline
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig())
local_exec = provider.local()
raw = provider.bucket(bucket="raw", path="x.csv")
"""
TASK = """
@local_exec.task()
def load(source):
    return source.scan(){tail}


@pipeline(name="etl")
def etl():
    return load({argument})
"""


def codes(tmp_path, text: str) -> list[str]:
    source = tmp_path / "pipeline.py"
    source.write_text(text)
    started = time.monotonic()
    result = compile_project([source])
    assert time.monotonic() - started < 30
    return [d.code for d in result.diagnostics]


TOO_DEEP = {
    # before the fixes: segfaults (-11) of the native parser
    "brackets": "x = " + "(" * 5000 + "1" + ")" * 5000,
    "brackets in an f-string": 'x = f"{' + "(" * 5000 + "1" + ")" * 5000 + '}"',
    "operator chain of 10,000 terms": "x = 1" + " + 1" * 10_000,
    "nested f-strings": "x = " + "f'{" * 1000 + "1" + "}'" * 1000,
    # before the fixes: RecursionError in evaluation, code generation or a visitor
    "operator chain of 2,000 terms": "x = 1" + " + 1" * 2000,
    "attribute chain": "x = a" + ".b" * 3000,
    "call chain": "x = f" + "()" * 3000,
    "subscript chain": "x = a" + "[0]" * 3000,
    "not chain": "x = " + "not " * 3000 + "x",
    "unary minus chain": "x = " + "-" * 3000 + "1",
    "conditional expression chain": "x = " + "1 if a else " * 3000 + "2",
    "boolean chain": "x = " + " and ".join(["a"] * 3000),
    "lambda chain": "x = " + "lambda: " * 3000 + "1",
    "implicit string concatenation": "x = (" + " ".join(['"a"'] * 3000) + ")",
    "line continuations": "x = 1" + " + \\\n 1" * 3000,
    "elif chain": "if x:\n    pass\n" + "elif x:\n    pass\n" * 3000,
    "elif chain of 20,000 branches": "if x:\n    pass\n" + "elif x:\n    pass\n" * 20_000,  # segfault, seed 0
    "nested lists at the bracket limit": "x = " + "[" * 199 + "1" + "]" * 199,
    "deep blocks": "def f():\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(98)) + "    " * 99 + "pass",
    "chain in a task body": TASK.format(tail=" + 1" * 300, argument="raw"),
    "chain in a pipeline body": TASK.format(tail="", argument="raw" + " + raw" * 300),
}


@pytest.mark.parametrize("name", TOO_DEEP)
def test_too_deep_is_glc004(tmp_path, name):
    assert codes(tmp_path, HEAD + TOO_DEEP[name] + "\n") == ["GLC004"]


ACCEPTED = {
    "brackets": "x = " + "(" * 150 + "1" + ")" * 150,
    "nested lists": "x = " + "[" * 60 + "1" + "]" * 60,
    "a sum of 150 terms": "x = 1" + " + 1" * 150,
    "a long flat list": "x = [" + ", ".join(["-1"] * 20_000) + "]",
    "a long flat dict": "x = {" + ", ".join(f"'k{i}': -{i}" for i in range(5000)) + "}",
    "many statements": "x = 1\n" * 5000,
    "150 elif branches, then 400 short ifs": "if x:\n    pass\n" + "elif x:\n    pass\n" * 150
                                              + "if y:\n    pass\nelif z:\n    pass\n" * 400,
    "20 nested blocks": "def f():\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(20)) + "    " * 21 + "pass",
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_ordinary_large_code_is_not_refused(tmp_path, name):
    assert "GLC004" not in codes(tmp_path, HEAD + ACCEPTED[name] + "\n")


def test_names_defined_through_hundreds_of_names(tmp_path):
    """Each name defined by the next one (a NameError at run time, but it must not crash the compiler)."""
    chain = "".join(f"x{i} = x{i + 1}\n" for i in range(300)) + "x300 = 'x.csv'\n"
    found = codes(tmp_path, HEAD + chain + "b = provider.bucket(bucket='b', path=x0)\n")
    assert "GLC002" in found and "GLC004" not in found


def test_helpers_calling_helpers_with_deep_expressions(tmp_path):
    helpers = "".join(f"def h{i}():\n    return h{i + 1}()" + " + 'a'" * 150 + "\n" for i in range(20))
    found = codes(tmp_path, HEAD + helpers + "def h20():\n    return 'x'\nb = provider.bucket(bucket='b', path=h0())\n")
    assert "GLC002" in found


def test_limits_hold_deep_in_a_python_stack(tmp_path):
    """Callers add frames (pytest, hypothesis, the glacier library's Pipeline.run): the compiler keeps a margin
    below Python's recursion limit for inputs right at its own limits."""
    at_the_limit = [TOO_DEEP["nested lists at the bracket limit"], "x = 1" + " + 1" * (MAX_TREE_DEPTH - 10),
                    TASK.format(tail=" + 1" * (MAX_TREE_DEPTH - 20), argument="raw"), "x = a" + ".b" * (MAX_CHAIN - 5)]

    def deep(frames: int, text: str) -> list[str]:
        return deep(frames - 1, text) if frames else codes(tmp_path, HEAD + text + "\n")

    for text in at_the_limit:
        deep(300, text)


def test_max_file_bytes_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nmax-file-bytes = 300\n")
    (tmp_path / "small.py").write_text("x = 1\n")
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    result = glacierc("check", "--output-format", "concise", str(tmp_path))
    assert result.returncode == 1
    assert "big.py:1:1: GLC004 file is 600 bytes, over the limit of 300" in result.stdout
    assert "small.py" not in result.stdout


def test_the_default_size_limit(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_bytes(b"x = 1\n" * 1_000_000)
    started = time.monotonic()
    result = compile_project([source])
    assert [d.code for d in result.diagnostics] == ["GLC004"] and time.monotonic() - started < 5


def test_the_limits_are_what_the_docs_say():
    assert (MAX_NESTING, MAX_CHAIN, MAX_TREE_DEPTH) == (200, 500, 200)


MIGRATE_TRAPS = {
    "too deep": "from glacier.providers import AWSProvider\np = AWSProvider(region='us-east-1')\n"
                "x = " + "[" * 190 + "1" + "]" * 190 + "\n",
    "not python, no old API": "x = (\n",
}


@pytest.mark.parametrize("name", MIGRATE_TRAPS)
def test_migrate_reports_hostile_input_without_an_internal_error(tmp_path, name):
    source = tmp_path / "old.py"
    source.write_text(MIGRATE_TRAPS[name])
    result = glacierc("migrate", str(source))
    assert result.returncode in (0, 1) and "internal error" not in result.stdout + result.stderr
