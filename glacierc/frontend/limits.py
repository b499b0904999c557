"""Resource limits on source text: how deeply code may nest before it becomes GLC004 instead of a crash.

Two checks. Before parsing, a cheap token scan bounds bracket nesting, operator chains and `elif` chains:
LibCST's native parser segfaults near 1,300 nested brackets, a few thousand chained operators (`1+1+...`)
or 20,000 `elif` branches, and takes seconds on operator chains of a thousand. After parsing, the exact depth of the syntax tree is measured without
recursion: every later pass (LibCST's code generation and visitors, static evaluation) recurses once or
more per level, so the tree must stay well inside Python's recursion limit.
"""

from __future__ import annotations

import dataclasses
import re

import libcst as cst

from glacierc.frontend.children import code_children

MAX_NESTING = 200  # brackets; CPython's own tokenizer refuses deeper nesting
MAX_CHAIN = 500  # operators, keywords and literals chained in one expression (commas and statements reset it)
MAX_TREE_DEPTH = 200  # syntax-tree levels; LibCST's visitors spend 3 Python frames per level

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>(?P<prefix>[rRbBuUfF]{1,2})?
        (?:'''(?:\\.|[^\\])*?(?:'''|\Z) | \"\"\"(?:\\.|[^\\])*?(?:\"\"\"|\Z)
         | '(?:\\.|[^\\'\n])*(?:'|$) | "(?:\\.|[^\\"\n])*(?:"|$)))
  | (?P<word>\w+)
  | (?P<open>[(\[{]) | (?P<close>[)\]}]) | (?P<reset>[,;]) | (?P<continuation>\\\n) | (?P<newline>\n)
  | (?P<op>[-+*/%@&|^~<>=!.])  # one per character: `---x` nests three times
""", re.VERBOSE | re.DOTALL | re.MULTILINE)
_KEYWORDS = frozenset({"and", "or", "not", "if", "else", "lambda", "await", "in", "is", "yield"})


@dataclasses.dataclass(slots=True)
class _Scan:
    """The running state of the token scan that measures nesting."""

    levels: list[int] = dataclasses.field(default_factory=lambda: [0])  # chain length per open bracket
    chain: int = 0  # sum(levels): the longest chain that encloses the current token
    deepest_brackets: int = 0
    deepest_chain: int = 0
    line_start: int | None = 0  # where the current logical line starts, until its first token is seen
    elifs: dict[int, int] = dataclasses.field(default_factory=dict)  # indentation -> `elif`s of its `if` so far
    deepest_elifs: int = 0  # each `elif` nests in the one before (`If.orelse`), without a bracket

    def link(self) -> None:
        self.levels[-1] += 1
        self.chain += 1
        self.deepest_chain = max(self.deepest_chain, self.chain)

    def feed(self, text: str) -> None:
        for token in _TOKEN.finditer(text):
            kind = token.lastgroup
            if self.line_start is not None and kind not in ("comment", "continuation", "newline"):
                self._statement(token.start() - self.line_start, token.group())
            if kind in ("op", "open") or (kind == "word" and token.group() in _KEYWORDS):
                self.link()
            if kind == "open":
                self.levels.append(0)
                self.deepest_brackets = max(self.deepest_brackets, len(self.levels) - 1)
            elif kind == "close" and len(self.levels) > 1:
                self.chain -= self.levels.pop()
            elif kind == "reset" or (kind == "newline" and len(self.levels) == 1):
                self.chain -= self.levels[-1]
                self.levels[-1] = 0
                self.line_start = token.end() if kind == "newline" else self.line_start
            elif kind == "string":
                self._string(token)

    def _statement(self, indent: int, first: str) -> None:
        self.line_start = None
        if first == "elif":
            self.elifs = {level: count for level, count in self.elifs.items() if level <= indent}
            self.elifs[indent] = self.elifs.get(indent, 0) + 1
            self.deepest_elifs = max(self.deepest_elifs, self.elifs[indent])
        elif self.elifs:  # any other statement ends the `if` statements indented as deep or deeper
            self.elifs = {level: count for level, count in self.elifs.items() if level < indent}

    def _string(self, token: re.Match) -> None:
        self.link()  # adjacent literals nest (`"a" "b" "c"`)
        prefix = token.group("prefix") or ""
        if "f" in prefix.lower():  # the parser parses the expressions inside f-strings too
            inner = _Scan()  # on its own stack: a bracket in the literal text cannot close one outside
            inner.feed(token.group()[len(prefix) + 1:])
            self.deepest_brackets = max(self.deepest_brackets, len(self.levels) - 1 + inner.deepest_brackets)
            self.deepest_chain = max(self.deepest_chain, self.chain + inner.deepest_chain)


def pre_parse_problem(text: str) -> str | None:
    """Why `text` must not be handed to the parser, or None."""
    scan = _Scan()
    scan.feed(text)
    if scan.deepest_brackets > MAX_NESTING:
        return f"brackets nested {scan.deepest_brackets} deep, more than the {MAX_NESTING} Python allows"
    if scan.deepest_chain > MAX_CHAIN:
        return f"an expression chains {scan.deepest_chain} operators, more than the compiler's limit of {MAX_CHAIN}"
    if scan.deepest_elifs > MAX_CHAIN:
        return f"an `if` statement has {scan.deepest_elifs} `elif` branches, more than the compiler's limit of {MAX_CHAIN}"
    return None


def tree_depth(tree: cst.CSTNode) -> int:
    """The depth of the syntax tree, measured level by level (no recursion)."""
    depth, level = 0, [tree]
    while level:
        depth += 1
        level = [child for node in level for child in code_children(node)]
    return depth
