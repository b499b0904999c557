"""Gitignore-style patterns, for `.gitignore` files, `exclude`/`extend-exclude` and `per-file-ignores`.

A pattern without a slash matches a name at any depth (`build`, `*_test.py`); one with a slash (other than a
trailing one) is anchored at its base directory (`src/gen/*.py`); `**` spans directories; a trailing `/`
matches directories only; a leading `!` (gitignore files only) re-includes. Imports nothing heavy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Pattern:
    """`test(relative)`: whether a POSIX path relative to the pattern's base, or a directory above it,
    matches. The usual `.gitignore` lines (a name, `*.ext`, an anchored literal path) are tested with string
    operations; others compile a regular expression (compiling ~20 of them cost ~10 ms of every walk)."""

    test: Callable[[str], bool]
    negated: bool
    directory_only: bool


@lru_cache(maxsize=512)
def compile_pattern(text: str, allow_negation: bool = False) -> Pattern | None:
    """The pattern `text`, or None for a blank line or a comment."""
    if not text.strip() or text.startswith("#"):
        return None
    negated = allow_negation and text.startswith("!")
    body = text[1:] if negated else text
    body = body.rstrip() if not body.endswith("\\ ") else body
    directory_only = body.endswith("/")
    body = body.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    return Pattern(_tester(body, anchored), negated, directory_only)


_GLOB = frozenset("*?[\\")


def _tester(body: str, anchored: bool) -> Callable[[str], bool]:
    """What `^{(?:.*/)? unless anchored}{glob}(?:/.*)?$` matches, by string operations where the glob allows."""
    literal = bool(body) and not (_GLOB & set(body))
    if literal and anchored:  # `/build`, `src/gen`: the path itself or something under it
        return lambda path: path == body or path.startswith(body + "/")
    if literal and "/" not in body:  # `__pycache__`, `.venv`: any component of the path
        return lambda path: body in path.split("/")
    if body.startswith("*") and not anchored and not (_GLOB & set(body[1:])) and "/" not in body:
        suffix = body[1:]  # `*.pyc`, `*.egg-info`: any component ending so
        return lambda path: any(part.endswith(suffix) for part in path.split("/"))
    prefix = "" if anchored else "(?:.*/)?"
    match = re.compile(f"^{prefix}{_translate(body)}(?:/.*)?$", re.DOTALL).match
    return lambda path: match(path) is not None


def _translate(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and "]" in glob[i + 1:]:
            end = glob.index("]", i + 1)
            inner = glob[i + 1:end].replace("\\", "\\\\")
            out.append(f"[{'^' + inner[1:] if inner.startswith('!') else inner}]")
            i = end + 1
        else:
            out.append(re.escape(glob[i].lstrip("\\") or glob[i]))
            i += 1
    return "".join(out)


def matches(pattern: str, relative: str, is_dir: bool = False) -> bool:
    """Whether `relative` (a POSIX path relative to the pattern's base) or a directory above it matches."""
    compiled = compile_pattern(pattern)
    return compiled is not None and _hit(compiled, relative, is_dir)


def _hit(pattern: Pattern, relative: str, is_dir: bool) -> bool:
    if pattern.directory_only and not is_dir:
        # a directory-only pattern still matches the directories above a file
        parent = relative.rsplit("/", 1)[0] if "/" in relative else ""
        return bool(parent) and pattern.test(parent)
    return pattern.test(relative)


@dataclass(frozen=True, slots=True)
class IgnoreFile:
    """The patterns of one `.gitignore`, relative to its directory `base` (POSIX, absolute)."""

    base: str
    patterns: tuple[Pattern, ...]

    @classmethod
    def parse(cls, base: str, text: str) -> IgnoreFile:
        found = (compile_pattern(line, True) for line in text.splitlines())
        return cls(base, tuple(p for p in found if p is not None))

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True ignored, False re-included, None not mentioned (the last matching line decides)."""
        if not path.startswith(self.base.rstrip("/") + "/"):
            return None
        relative = path[len(self.base.rstrip("/")) + 1:]
        result = None
        for pattern in self.patterns:
            if _hit(pattern, relative, is_dir):
                result = not pattern.negated
        return result
