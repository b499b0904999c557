"""An evaluator of the Azure role-assignment conditions (ABAC, version 2.0) glacierc emits, for tests.

Exactly the subset the generator writes (glacierc/backends/terraform/azure_orchestration.py), with the
semantics of Azure's "condition format and syntax" and Blob Storage's "actions and attributes" pages:
- `ActionMatches{'<action>'}`: the request's action is `<action>` (a trailing `*` matches any rest; actions
  compare ignoring case, as role permissions do); `SubOperationMatches{'<sub>'}`: its suboperation is `<sub>`
  (ignoring case; List Blobs is the read action with the suboperation `Blob.List`);
- `<attribute> StringLike '<pattern>'`: case-sensitive, `*` any run of characters (`/` too), `?` one
  character, `\\*` and `\\?` themselves; `<attribute> StringStartsWith '<text>'`: case-sensitive prefix;
  the attributes `@Resource[...blobs:path]` (the blob's name in its container, no leading `/`, not
  URL-encoded) and `@Request[...blobs:prefix]` (List Blobs' `prefix`);
- `AND`/`&&`, `OR`/`||`, `NOT`/`!` and parentheses; `NOT` binds to the one term after it; AND and OR mixed at
  one level without parentheses is refused (Azure requires the parentheses).
Evaluation goes left to right and stops as soon as the result is known, as the service's does (the emitted
conditions reach an attribute only for the actions that have it); an attribute the request does not carry
makes the condition unevaluable, which the service answers with a denial (`allows` returns False).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
PATH, PREFIX = f"@Resource[{BLOBS}:path]", f"@Request[{BLOBS}:prefix]"
READ, WRITE, ADD, DELETE = (f"{BLOBS}/{verb}" for verb in ("read", "write", "add/action", "delete"))
BLOB_LIST = "Blob.List"

_TOKEN = re.compile(r"""\s*(?:
    (?P<open>\() | (?P<close>\)) | (?P<not>!|NOT\b) | (?P<and>&&|AND\b) | (?P<or>\|\||OR\b)
  | (?P<function>ActionMatches|SubOperationMatches)\{'(?P<argument>(?:[^'\\]|\\.)*)'\}
  | (?P<attribute>@(?:Resource|Request)\[[^\]]*\])
  | (?P<operator>StringLike|StringStartsWith)\s+'(?P<value>(?:[^'\\]|\\.)*)'
)""", re.VERBOSE)
_KINDS = ("open", "close", "not", "and", "or", "function", "attribute", "operator")


@dataclass(frozen=True)
class Request:
    """One data operation: its action, suboperation and the attributes it carries (PATH or PREFIX)."""

    action: str
    suboperation: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


class Unevaluable(Exception):
    """The condition needs an attribute the request does not carry."""


def tokens(condition: str) -> list[re.Match[str]]:
    found, position = [], 0
    while position < len(condition.rstrip()):
        match = _TOKEN.match(condition, position)
        if match is None or match.end() == position:
            raise ValueError(f"not a condition of the emitted subset at {position}: {condition[position:][:60]!r}")
        found.append(match)
        position = match.end()
    return found


def allows(condition: str, request: Request) -> bool:
    """Whether `condition` lets `request` through (False when it cannot be evaluated for it)."""
    parser = _Parser(tokens(condition), request)
    try:
        result = parser.expression()
    except Unevaluable:
        return False
    if parser.peek() is not None:
        raise ValueError(f"unexpected {parser.peek()} after a whole condition")
    return result


class _Parser:
    """Recursive descent that evaluates while it parses; a term not needed is parsed, not evaluated."""

    def __init__(self, found: list[re.Match[str]], request: Request):
        self.tokens, self.position, self.request = found, 0, request

    def peek(self) -> str | None:
        if self.position == len(self.tokens):
            return None
        token = self.tokens[self.position]
        return next(kind for kind in _KINDS if token.group(kind) is not None)

    def take(self, kind: str) -> re.Match[str]:
        if self.peek() != kind:
            raise ValueError(f"expected {kind} at token {self.position}, found {self.peek()}")
        self.position += 1
        return self.tokens[self.position - 1]

    def expression(self, evaluate: bool = True) -> bool:
        result = self.term(evaluate)
        joiner = self.peek() if self.peek() in ("and", "or") else None
        while self.peek() in ("and", "or"):
            if self.peek() != joiner:
                raise ValueError("AND and OR mixed at one level without parentheses")
            self.take(joiner)
            decided = (joiner == "and" and not result) or (joiner == "or" and result)
            value = self.term(evaluate and not decided)
            if not decided:
                result = value
        return result

    def term(self, evaluate: bool) -> bool:
        kind = self.peek()
        if kind == "not":
            self.take("not")
            return not self.term(evaluate)
        if kind == "open":
            self.take("open")
            value = self.expression(evaluate)
            self.take("close")
            return value
        if kind == "function":
            match = self.take("function")
            return evaluate and self.function(match.group("function"), unescape(match.group("argument")))
        match = self.take("attribute")
        operator = self.take("operator")
        return evaluate and self.compare(match.group("attribute"), operator.group("operator"), operator.group("value"))

    def function(self, name: str, argument: str) -> bool:
        if name == "ActionMatches":
            action, pattern = self.request.action.lower(), argument.lower()
            return action.startswith(pattern[:-1]) if pattern.endswith("*") else action == pattern
        return (self.request.suboperation or "").lower() == argument.lower()

    def compare(self, attribute: str, operator: str, value: str) -> bool:
        if attribute not in self.request.attributes:
            raise Unevaluable(f"{self.request.action} carries no {attribute}")
        actual = self.request.attributes[attribute]
        if operator == "StringStartsWith":
            return actual.startswith(unescape(value))
        return like(value).fullmatch(actual) is not None


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def like(pattern: str) -> re.Pattern[str]:
    """StringLike's pattern as a regular expression: `*` any characters, `?` one, a backslash escapes."""
    parts = re.findall(r"\\.|\*|\?|[^\\*?]+", pattern)
    return re.compile("".join(".*" if p == "*" else "." if p == "?" else re.escape(unescape(p)) for p in parts),
                      re.DOTALL)
