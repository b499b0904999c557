"""Random choices behind one small interface, so every generator works with both engines: a seeded
`random.Random` (thousands of inputs a minute, reproducible by case number) and hypothesis' `draw`
(shrinkable examples in the property tests)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")


class Chooser(Protocol):
    def integer(self, low: int, high: int) -> int: ...  # inclusive bounds

    def choice(self, options: Sequence[T]) -> T: ...

    def chance(self, percent: int) -> bool: ...


class RandomChooser:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def chance(self, percent: int) -> bool:
        return self.rng.randrange(100) < percent


class DrawChooser:
    """Choices drawn from hypothesis strategies (inside `@st.composite`)."""

    def __init__(self, draw: Callable) -> None:
        from hypothesis import strategies as st

        self.draw, self.st = draw, st

    def integer(self, low: int, high: int) -> int:
        return self.draw(self.st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return options[self.draw(self.st.integers(0, len(options) - 1))]

    def chance(self, percent: int) -> bool:
        return self.draw(self.st.integers(0, 99)) < percent


def for_case(seed: int, index: int) -> RandomChooser:
    """The chooser of case `index` of a run: the same seed and index always give the same input."""
    return RandomChooser(random.Random(f"{seed}:{index}"))
