"""Source locations: every IR element and diagnostic points back at the user's code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A 1-based, end-inclusive-start / end-exclusive-column range in one file."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def whole_file(file: str) -> Span:
        return Span(file, 1, 1, 1, 1)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }
