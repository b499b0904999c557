"""Static evaluation of module-level values: comprehensions and the builtins that rearrange sequences."""

from __future__ import annotations

import pytest

from glacierc.frontend.values import Unknown

HEAD = "import os\nfrom glacier import Provider\nfrom glacier.config import LocalConfig\n" \
       "provider = Provider(config=LocalConfig(base_path='./data'))\n"


def value_of(tmp_path, expression: str, name: str = "VALUE") -> object:
    """Compile a module defining `VALUE = <expression>` and look `VALUE` up as the compiler sees it."""
    from glacierc.frontend.evaluate import Evaluator
    from glacierc.frontend.loader import discover, load
    from glacierc.frontend.names import SymbolTable
    from glacierc.diagnostics.model import Reporter

    (tmp_path / "values.py").write_text(f"{HEAD}{name} = {expression}\n")
    sources = [load(f, root, Reporter()) for f, root in discover([str(tmp_path)], Reporter())]
    modules = {s.module for s in sources}
    evaluator = Evaluator({s.module: SymbolTable(s, modules) for s in sources}, {})
    return evaluator.lookup("values", name)


@pytest.mark.parametrize("expression, expected", [
    ("[x * 2 for x in (1, 2, 3) if x != 2]", [2, 6]),
    ("{k: v for k, v in [('a', 1), ('b', 2)]}", {"a": 1, "b": 2}),
    ("[f'{a}{b}' for a in 'xy' for b in range(2)]", ["x0", "x1", "y0", "y1"]),
    ("tuple(n for n in range(3))", (0, 1, 2)),
    ("list(zip([1, 2], 'ab'))", [(1, "a"), (2, "b")]),
    ("[i for i, _ in enumerate(['p', 'q'], start=5)]", [5, 6]),
    ("list(reversed([1, 2, 3]))", [3, 2, 1]),
    ("[k for k in {'a': 1, 'b': 2}]", ["a", "b"]),
])
def test_known_comprehensions(tmp_path, expression, expected):
    assert value_of(tmp_path, expression) == expected


@pytest.mark.parametrize("expression, reason", [
    ("[x for x in os.environ]", "a comprehension over a value not known statically"),
    ("[x for x in range(3) if os.environ]", "`if` is not known statically"),
    ("[a for a, b in [1, 2]]", "target does not match"),
    ("{(k, [k]): 1 for k in 'ab'}", "a dict comprehension's key is not known statically"),
    ("range(100_000)", "a range of more than 10,000 numbers"),
    ("[x for x in range(9000) for y in range(9000)]", "a comprehension of more than 10,000 values"),
])
def test_unknown_comprehensions(tmp_path, expression, reason):
    value = value_of(tmp_path, expression)
    assert isinstance(value, Unknown) and reason in value.reason, value


def test_buckets_built_in_a_comprehension_are_values_too(tmp_path):
    regions = value_of(tmp_path, "[provider.bucket(bucket='raw', path=f'{r}.csv') for r in ('eu', 'us')]")
    assert [b.path for b in regions] == ["eu.csv", "us.csv"]
