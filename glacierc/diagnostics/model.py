"""What the compiler reports: a code, a severity, a message, a span, optional help and fix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from glacierc.source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text of `span` (end exclusive) with `content`."""

    span: Span
    content: str

    def to_dict(self) -> dict[str, object]:
        return {**self.span.to_dict(), "content": self.content}


@dataclass(frozen=True, slots=True)
class Fix:
    """A safe rewrite offered with a diagnostic: what it does and its edits."""

    message: str
    edits: tuple[Edit, ...]

    def to_dict(self) -> dict[str, object]:
        return {"message": self.message, "edits": [e.to_dict() for e in self.edits]}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: code, severity, message and span, with an optional help line and fix."""

    code: str
    severity: Severity
    message: str
    span: Span
    help: str | None = None
    fix: Fix | None = None

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "help": self.help,
            "fix": self.fix.to_dict() if self.fix else None,
        }


@dataclass(frozen=True, slots=True)
class Message:
    """One message a rule reports: `text` and `help` are `str.format` templates kept in the rule's module
    (glacierc/checks/glcNNN_*.py), whose fields the reporting site fills in."""

    code: str
    severity: Severity
    text: str
    help: str | None = None

    def diagnostic(self, span: Span, fix: Fix | None = None, /, **fields: object) -> Diagnostic:
        """The diagnostic at `span`; `fix` is positional so that any mapping of fields can be spread in."""
        help_text = self.help.format(**fields) if self.help is not None else None
        return Diagnostic(self.code, self.severity, self.text.format(**fields), span, help_text, fix)


class Reporter:
    """Collects diagnostics; passes never raise for user mistakes, they report and go on."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def report(self, message: Message, span: Span, /, *, fix: Fix | None = None, **fields: object) -> None:
        self.items.append(message.diagnostic(span, fix, **fields))

    def sorted(self) -> tuple[Diagnostic, ...]:
        unique = {(d.sort_key(), d.severity, d.help): d for d in self.items}
        return tuple(unique[k] for k in sorted(unique, key=lambda k: k[0]))
