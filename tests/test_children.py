"""`code_children` reads fields directly; it must give LibCST's own `children` order, minus non-code nodes."""

from __future__ import annotations

import libcst as cst
import pytest

from glacierc.frontend.children import code_children
from glacierc.frontend.limits import pre_parse_problem
from glacierc.frontend.loader import decode
from tests.helpers import EXAMPLES, FIXTURES, ROOT

NOT_CODE = (cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace, cst.Comment, cst.Newline,
            cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
            cst.RightCurlyBrace, cst.Comma, cst.Semicolon, cst.Colon, cst.Dot, cst.AssignEqual, cst.BaseBinaryOp,
            cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp, cst.Asynchronous, cst.ImportStar)

EVERY_FORM = '''
@deco(a, k=b)
@other
async def f[T](x: int = g(1), /, y=h(2), *args: A, z=i(3), **kw) -> R(4):
    "doc"
    v = a(1) if b(2) else c(3)
    w = lambda p=d(): e(p)
    [j(q) for q in k() if m(q)]
    {n(): o() for _ in p()}
    s[t():u():v()]
    f"{w()!r:{x()}}"
    async with aa() as bb, cc():
        await dd()
    try:
        ee()
    except ff() as gg:
        hh()
    else:
        ii()
    finally:
        jj()
    match kk():
        case Point(x=ll, y=[mm, *nn]) | {"k": oo, **pp} if qq():
            rr()
    del ss[tt()]
    raise uu() from vv()
    assert ww(), xx()
    global yy
    return (yield zz())

class K[T](Base(1), metaclass=Meta(2), **opts(3)):
    x: ann(1) = val(2)
    def __init__(self): super().__init__()
try:
    pass
except* Group() as eg:
    pass
from . import (a as b, c)
'''


def _walk_and_compare(tree: cst.Module) -> None:
    stack = [tree]
    while stack:
        node = stack.pop()
        children = list(node.children)
        stack += children
        if isinstance(node, NOT_CODE):
            continue
        expected = [c for c in children if not isinstance(c, NOT_CODE)]
        found = [c for c in code_children(node) if not isinstance(c, NOT_CODE)]
        assert [id(c) for c in found] == [id(c) for c in expected], type(node).__name__


def test_every_syntactic_form():
    _walk_and_compare(cst.parse_module(EVERY_FORM))


def _sources():
    roots = (FIXTURES, EXAMPLES, ROOT / "glacierc", ROOT / "stdlib")
    return sorted(p for root in roots for p in root.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_our_sources_and_fixtures(path):
    try:
        text = decode(path.read_bytes())
        if pre_parse_problem(text):
            pytest.skip("beyond the parser's limits")
        tree = cst.parse_module(text)
    except (ValueError, SyntaxError, LookupError, cst.ParserSyntaxError):
        pytest.skip("not Python source")
    _walk_and_compare(tree)
