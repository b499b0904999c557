"""Hypothesis strategies over fuzz inputs (imported by the property tests and the worker's hypothesis engine)."""

from __future__ import annotations

from hypothesis import strategies as st

from glacierc.fuzzing import generate
from glacierc.fuzzing.cases import Case, Corpus, make
from glacierc.fuzzing.chooser import DrawChooser


@st.composite
def programs(draw) -> str:
    """Glacier programs (tame or wild) as text."""
    return generate.program(DrawChooser(draw))


def cases(corpus: Corpus) -> st.SearchStrategy[Case]:
    """Raw bytes, arbitrary text, and everything `cases.make` builds: mutated seeds, generated programs,
    hostile files and layouts."""
    return st.one_of(
        st.binary(max_size=400).map(lambda data: _single(data, "hypothesis bytes")),
        st.text(max_size=400).map(lambda text: _single(text.encode("utf-8", "surrogatepass"), "hypothesis text")),
        programs().map(lambda text: _single(text.encode(), "hypothesis program")),
        st.composite(lambda draw: make(DrawChooser(draw), corpus))(),
    )


def _single(data: bytes, origin: str) -> Case:
    return Case((("pipeline.py", data),), origin=origin)
