"""Gitignore-style patterns (glacierc/frontend/globs.py): the string-operation tests of the usual lines agree
with the regular expression every pattern stands for, on generated patterns and paths."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from glacierc.frontend.globs import _tester, _translate, compile_pattern, matches

_PARTS = st.sampled_from(["build", "__pycache__", ".venv", "src", "gen", "a.pyc", "x.egg-info", "data", "out", "p.py"])
_PATHS = st.lists(_PARTS, min_size=1, max_size=4).map("/".join)
_BODIES = st.one_of(_PARTS, st.sampled_from(["*.pyc", "*.egg-info", "*", "*.py", "src/gen", "examples/data",
                                              "**/out", "a?pyc", "*.py[co]", "data/*"]))


def _reference(body: str, anchored: bool, path: str) -> bool:
    prefix = "" if anchored else "(?:.*/)?"
    return re.match(f"^{prefix}{_translate(body)}(?:/.*)?$", path, re.DOTALL) is not None


@settings(max_examples=400, deadline=None)
@given(_BODIES, st.booleans(), _PATHS)
def test_fast_tests_agree_with_the_regular_expression(body, anchored, path):
    anchored = anchored or "/" in body
    assert _tester(body, anchored)(path) == _reference(body, anchored, path)


def test_the_usual_lines():
    assert matches("__pycache__/", "pkg/__pycache__", is_dir=True)
    assert matches("__pycache__/", "pkg/__pycache__/m.py")  # a file under an ignored directory
    assert not matches("__pycache__/", "pkg/__pycache__")  # a directory-only pattern: not a file of that name
    assert matches("*.egg-info/", "glacier.egg-info", is_dir=True)
    assert matches("/build/", "build", is_dir=True) and not matches("/build/", "src/build", is_dir=True)
    assert matches("/examples/**/data/out/", "examples/a/data/out", is_dir=True)
    assert compile_pattern("!keep.py", allow_negation=True).negated
