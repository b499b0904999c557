"""The line table from CPython's parser gives the same positions as LibCST's code generation."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from glacierc.frontend.limits import MAX_TREE_DEPTH, pre_parse_problem, tree_depth
from glacierc.frontend.loader import decode
from glacierc.frontend.positions import Locator
from glacierc.fuzzing.strategies import programs
from tests.helpers import EXAMPLES, FIXTURES

EDGE_CASES = {
    "decorators_and_comments": "# head\n\nimport x\n\n# c1\n@a\n# between\n@b(\n  1)\n\ndef f():\n    pass\n"
                               "    # indented after the block\n# top comment\nx = 1; y = f(2)  # c\n",
    "no_final_newline": "x = 1\ny = g(3)",
    "footer_comments": "x = 1\n\n# end\n\n",
    "continuations": "x = \\\n  f(1)\nclass A:\n  '''doc\n  '''\n  def g(self): return h(2)\n",
    "empty": "",
    "only_comments": "# a\n# b\n",
    "tabs_and_dedented_comment": "if x:\n\ty = f(1)\n\n\n\n# c\n\tz = 2\n",
    "decorator_continued": "@\\\nfoo\ndef f(): pass\n",
    "nested_calls": "save(clean(load(src)), [f(x) for x in g(y)], key=lambda r: h(r))\n",
}


def _locators(text: str) -> tuple[Locator, Locator, cst.Module]:
    tree = cst.parse_module(text)
    return Locator("f.py", tree, text), Locator("f.py", tree), tree


def _assert_same(text: str) -> None:
    from_ast, from_codegen, tree = _locators(text)
    assert from_ast._ensure_starts() == from_codegen._ensure_starts()
    if "\x0c" not in text:  # LibCST's code generation drops form feeds; the source slice keeps them
        assert [from_ast.code(i) for i in range(len(tree.body))] == \
               [from_codegen.code(i) for i in range(len(tree.body))]
    for index in range(len(tree.body)):
        assert from_ast.statement_span(index) == from_codegen.statement_span(index)
        assert from_ast._call_spans(index) == from_codegen._call_spans(index)


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases(name):
    _assert_same(EDGE_CASES[name])


def _sources() -> list[Path]:
    return sorted(p for root in (FIXTURES, EXAMPLES) for p in root.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(p.parents[2])))
def test_every_fixture_and_example(path):
    try:
        text = decode(path.read_bytes())
    except (ValueError, SyntaxError, LookupError):
        pytest.skip("not readable as Python source (GLC003)")
    if pre_parse_problem(text):
        pytest.skip("beyond the parser's limits (GLC004)")
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError:
        pytest.skip("not valid Python (GLC001)")
    if tree_depth(tree) > MAX_TREE_DEPTH:
        pytest.skip("nested beyond the limit (GLC004)")
    _assert_same(text)


def test_the_ast_line_table_is_used_for_valid_python():
    from_ast, _, _ = _locators(EDGE_CASES["decorators_and_comments"])
    from_ast._ensure_starts()
    assert from_ast._statements is not None


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_generated_programs(program):
    _assert_same(program)
