"""What a migration returns: the old and new text of one file and what was left for a human."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unmigrated:
    """A construct left as it was, or an argument dropped, at a 1-based line and column."""

    line: int
    column: int
    reason: str

    def render(self, path: str) -> str:
        return f"{path}:{self.line}:{self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Migration:
    """The result of migrating one source text; `new == old` when nothing applied."""

    path: str
    old: str
    new: str
    unmigrated: tuple[Unmigrated, ...] = ()

    @property
    def changed(self) -> bool:
        return self.new != self.old
