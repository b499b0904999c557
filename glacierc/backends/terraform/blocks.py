"""A typed HCL block model and the one printer that lays it out exactly as `terraform fmt` does.

Targets build `Block`s in Python; `print_file` turns them into text. Every `str` value is printed as a
quoted HCL string with quotes, backslashes, hidden characters and `${` / `%{` escaped, so user text
never becomes syntax or an interpolation. Trusted HCL that glacierc writes itself is marked: `Expr` (a
reference, a type or a function name), `Call` (a function call with escaped arguments) and `Template`
(a quoted template whose literal parts are escaped and whose `Expr` parts are interpolated).

Layout (what hclwrite produces and keeps): two-space indentation; the `=` of consecutive one-line
attributes aligned; nested blocks separated from their neighbours by one blank line, none at the start
or end of a body; objects one attribute per line; lists on one line when short, otherwise one item per
line with a trailing comma.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Union

from glacierc.backends.escaping import visible


@dataclass(frozen=True, slots=True)
class Expr:
    """Raw HCL glacierc wrote itself: a reference (`aws_s3_bucket.raw.arn`), a type (`map(string)`)."""

    text: str


@dataclass(frozen=True, slots=True)
class Template:
    """A quoted string template: `str` parts are literal text (escaped, `${` included), `Expr` parts
    are interpolated as `${...}`."""

    parts: tuple[str | Expr, ...]

    def __init__(self, *parts: str | Expr) -> None:
        object.__setattr__(self, "parts", tuple(parts))


@dataclass(frozen=True, slots=True)
class Call:
    """`name(arg, ...)`: a function call; the last argument may span lines (`jsonencode({...})`)."""

    name: str
    args: tuple[Value, ...]

    def __init__(self, name: str, *args: Value) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "args", tuple(args))


#: A list or tuple of values is a Sequence here (read-only, so `[Expr(...)]` is one whatever its items' type).
Value = Union[str, int, float, bool, None, Expr, Template, Call, "Object", "Mapping[str, Value]", "Sequence[Value]"]


@dataclass(frozen=True, slots=True)
class Comment:
    """A `# ...` line; the text is made visible (no line breaks or hidden characters)."""

    text: str


@dataclass(frozen=True, slots=True)
class Object:
    """An object whose attributes may have `Comment` lines between them (a `dict` is an object without)."""

    items: tuple[tuple[str, Value] | Comment, ...]

    def __init__(self, *items: tuple[str, Value] | Comment) -> None:
        object.__setattr__(self, "items", tuple(items))


class _Blank:
    __slots__ = ()

    def __repr__(self) -> str:
        return "BLANK"


#: An explicit blank line between attributes of a body (blocks get theirs automatically).
BLANK = _Blank()


@dataclass(frozen=True, slots=True)
class Block:
    """`type "label" ... { body }`; `comments` are the `#` lines above the block, `body` holds
    `(name, value)` attributes, nested `Block`s, `Comment`s and `BLANK`, in order."""

    type: str
    labels: tuple[str, ...] = ()
    body: tuple[Item, ...] = ()
    comments: tuple[str, ...] = field(default=())


Item = Union[tuple[str, Value], Block, Comment, _Blank]


def block(type_: str, *labels: str, body: Iterable[Item | None] = (), comments: Iterable[str] = ()) -> Block:
    """A `Block`; `None` items of `body` (optional attributes left out) are dropped."""
    return Block(type_, tuple(labels), tuple(item for item in body if item is not None), tuple(comments))


# --- values ---------------------------------------------------------------------------------------------

_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _chars(value: str) -> str:
    """The body of an HCL quoted string: quotes, backslashes and hidden characters escaped."""
    if value.isprintable() and '"' not in value and "\\" not in value:
        return value
    return "".join(_SIMPLE.get(ch) or (_escape(ch) if not ch.isprintable() and ch != " " else ch) for ch in value)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def string(value: str) -> str:
    """A quoted HCL string; `${`/`%{` are escaped so the text never becomes an interpolation."""
    return '"' + _chars(value).replace("${", "$${").replace("%{", "%%{") + '"'


def _template(value: Template) -> str:
    out = []
    for part in value.parts:
        out.append("${" + part.text + "}" if isinstance(part, Expr) else string(part)[1:-1])
    return '"' + "".join(out) + '"'


def key(name: str) -> str:
    """An object key: bare when it is an identifier (hyphens allowed), else a quoted string."""
    return name if _KEY.fullmatch(name) else string(name)


class _Line(NamedTuple):
    """One output line: `name` set means `name = text`, aligned with its one-line neighbours. A named tuple:
    a 2,000-task root module prints ~100,000 of them (a frozen dataclass took 3x as long to make)."""

    depth: int
    text: str
    name: str | None = None


def _inline(value: Value) -> str | None:
    """The text of a value that is one token (a string, number, reference, template, null), else None."""
    kind = type(value)
    if kind is str:
        return string(value)  # type: ignore[arg-type]
    if kind is Expr:
        return value.text  # type: ignore[union-attr]
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return repr(value)
    if kind is Template:
        return _template(value)  # type: ignore[arg-type]
    if value is None:
        return "null"
    return None


def _value(value: Value, depth: int) -> list[_Line]:
    """`value` as lines; the first line continues the line it starts on (its depth is unused)."""
    text = _inline(value)
    if text is not None:
        return [_Line(depth, text)]
    if isinstance(value, Expr):
        return [_Line(depth, value.text)]
    if isinstance(value, bool):
        return [_Line(depth, "true" if value else "false")]
    if isinstance(value, (int, float)):
        return [_Line(depth, repr(value))]
    if isinstance(value, str):
        return [_Line(depth, string(value))]
    if isinstance(value, Template):
        return [_Line(depth, _template(value))]
    if isinstance(value, Call):
        return _call(value, depth)
    if isinstance(value, Object):
        return _object(value.items, depth)
    if isinstance(value, Mapping):
        return _object(tuple(value.items()), depth)
    if isinstance(value, (list, tuple)):
        return _list(value, depth)
    raise TypeError(f"no HCL form for {type(value).__name__}")


def _call(value: Call, depth: int) -> list[_Line]:
    *heads, last = [_value(arg, depth) for arg in value.args] or [[_Line(depth, "")]]
    if any(len(head) > 1 for head in heads):
        raise ValueError(f"{value.name}(): only the last argument may span lines")
    lead = "".join(head[0].text + ", " for head in heads)
    lines = [_Line(depth, f"{value.name}({lead}{last[0].text}"), *last[1:]]
    lines[-1] = lines[-1]._replace(text=lines[-1].text + ")")
    return lines


def _object(value: tuple[tuple[str, Value] | Comment, ...], depth: int) -> list[_Line]:
    if not value:
        return [_Line(depth, "{}")]
    lines = [_Line(depth, "{")]
    for item in value:
        if isinstance(item, Comment):
            lines.append(_Line(depth + 1, "# " + visible(item.text)))
        else:
            lines.extend(_attribute(key(item[0]), item[1], depth + 1))
    lines.append(_Line(depth, "}"))
    return lines


def _list(value: list | tuple, depth: int) -> list[_Line]:
    items = [_value(item, depth + 1) for item in value]
    if all(len(item) == 1 for item in items) and sum(len(item[0].text) + 2 for item in items) < 80:
        return [_Line(depth, "[" + ", ".join(item[0].text for item in items) + "]")]
    lines = [_Line(depth, "[")]
    for item in items:
        lines.append(_Line(depth + 1, item[0].text + ("," if len(item) == 1 else "")))
        if len(item) > 1:
            lines.extend(item[1:-1])
            lines.append(_Line(item[-1].depth, item[-1].text + ","))
    lines.append(_Line(depth, "]"))
    return lines


def _attribute(name: str, value: Value, depth: int) -> list[_Line]:
    text = _inline(value)
    if text is not None:
        return [_Line(depth, text, name)]
    lines = _value(value, depth)
    if len(lines) == 1:
        return [_Line(depth, lines[0].text, name)]
    return [_Line(depth, f"{name} = {lines[0].text}"), *lines[1:]]


# --- blocks ---------------------------------------------------------------------------------------------


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _header(item: Block) -> str:
    """Block types and labels are identifiers glacierc derived (labels are not templates in HCL, so
    nothing could escape an interpolation in them): anything else is a bug, not output."""
    for name in (item.type, *item.labels):
        if not _IDENT.fullmatch(name):
            raise ValueError(f"not a generated block type or label: {name!r}")
    return " ".join([item.type, *(f'"{label}"' for label in item.labels)])


def _block(item: Block, depth: int) -> list[_Line]:
    lines = [_Line(depth, "# " + visible(text)) for text in item.comments]
    if not item.body:
        return [*lines, _Line(depth, _header(item) + " {}")]
    lines.append(_Line(depth, _header(item) + " {"))
    lines.extend(_body(item.body, depth + 1))
    lines.append(_Line(depth, "}"))
    return lines


def _body(items: tuple[Item, ...], depth: int) -> list[_Line]:
    lines: list[_Line] = []
    blank = False
    for item in items:
        kind = type(item)
        if kind is tuple:  # an attribute, the common case
            if blank and lines:
                lines.append(_Line(depth, ""))
            blank = False
            lines.extend(_attribute(item[0], item[1], depth))  # type: ignore[index]
        elif kind is _Blank:
            blank = True
        elif isinstance(item, Block):
            if lines:
                lines.append(_Line(depth, ""))
            blank = True
            lines.extend(_block(item, depth))
        else:
            if blank and lines:
                lines.append(_Line(depth, ""))
            blank = False
            if isinstance(item, Comment):
                lines.append(_Line(depth, "# " + visible(item.text)))
            else:
                lines.extend(_attribute(item[0], item[1], depth))  # type: ignore[index]
    return lines


def _layout(lines: list[_Line]) -> str:
    """Indent every line and align the `=` of runs of consecutive one-line attributes."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and lines[end].name is not None and lines[end].depth == lines[index].depth:
            end += 1
        if end == index:
            line = lines[index]
            out.append("  " * line.depth + line.text if line.text else "")
            index += 1
            continue
        width = max(len(line.name or "") for line in lines[index:end])
        out.extend("  " * line.depth + (line.name or "").ljust(width) + " = " + line.text for line in lines[index:end])
        index = end
    return "\n".join(out)


def print_blocks(blocks: Iterable[Block]) -> str:
    """The text of a `.tf` file: top-level blocks separated by one blank line, ending in a newline;
    empty for no blocks."""
    texts = [_layout(_block(item, 0)) for item in blocks]
    return "\n\n".join(texts) + "\n" if texts else ""
