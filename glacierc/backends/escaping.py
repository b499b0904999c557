"""Escapers: the only ways a value gets into generated text.

Every generated artifact is laid out in Python (the HCL by the block printer of
glacierc/backends/terraform/blocks.py, the runners by glacierc/backends/runner/layout.py, the cloud entry
modules by glacierc/backends/terraform/entry_module.py), and every value from the project reaches it
through one of the escapers below, each of which escapes (or checks) it for the exact context it lands
in — a Python literal, a `#` comment, an identifier, a relative path — and returns a `Code`. Text that
glacierc lays out itself (the plan as Python literals, copied task code) is wrapped in `Code` explicitly
where it is built, so `Code(` marks every place raw text is trusted.
"""

from __future__ import annotations

import math
import re
import unicodedata

#: Unicode categories never written raw into generated text: control and format characters (NUL,
#: bidi overrides, zero-width), line/paragraph separators (`str.splitlines` breaks on them) and
#: lone surrogates (not encodable).
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


class Code(str):
    """Text escaped for its context (or laid out by glacierc): what the layouts put into generated text."""

    __slots__ = ()


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in _HIDDEN


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` on one line with nothing hidden: control, format and line-separator characters
    (newlines included) become `\\xNN`/`\\uNNNN` escapes. Safe after `#` in Python and HCL."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if _hidden(ch) else ch for ch in text)


# ---- Python ---------------------------------------------------------------------------------------

_PY_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_string(value: str) -> str:
    """A double-quoted Python string literal; hidden characters as escapes, the rest as is."""
    if value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return '"' + "".join(_PY_SIMPLE.get(ch) or (_escape(ch) if _hidden(ch) else ch) for ch in value) + '"'


def py_literal(value: object) -> str:
    """A deterministic Python literal of str / None / bool / int / float and tuples, lists and
    dicts of them (plain `str`: compose freely, wrap the finished text in `Code`)."""
    if isinstance(value, str):
        return py_string(value)
    if isinstance(value, tuple):
        items = [py_literal(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    raise TypeError(f"not a Python literal: {value!r}")


# ---- checks for generated names ---------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: An HCL reference: `type.label.attr`, `data.x.y[0].id`, `var.name`.
_REF = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[[0-9]+\])*", re.ASCII)
#: A relative path glacierc derived (`packages/aws_x.zip`): no `..`, no leading `/`.
_PATH = re.compile(r"(?!.*(?:^|/)\.\.(?:/|$))[\w.-]+(?:/[\w.-]+)*/?", re.ASCII)


def _checked(pattern: re.Pattern[str], what: str):
    def check(value: object) -> Code:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"not a generated {what}: {value!r}")
        return Code(str(value))

    check.__name__ = what
    return check


identifier = _checked(_IDENT, "identifier")
reference = _checked(_REF, "reference")
relative_path = _checked(_PATH, "path")


def comment_text(value: object) -> Code:
    """Text for after a `#` on a line of its own (Python, HCL)."""
    return Code(visible(str(value)))


def comment_lines(value: str) -> Code:
    """A block of whole `#` comment lines built in Python; every line is checked to be a comment."""
    lines = str(value).split("\n")
    bad = [line for line in lines if not line.lstrip(" ").startswith("#")]
    if bad:
        raise ValueError(f"not a comment line: {bad[0]!r}")
    return Code("\n".join(visible(line) for line in lines))
