"""Formatting-preserving edits of LibCST nodes: comma-separated items and statement lists.

Removed items hand their trailing comma to the new last item; appended items copy the comma
style (and so the line breaks) of their neighbours; removed statements hand their comments to
the next statement, so no comment is ever lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst

T = TypeVar("T", bound=cst.CSTNode)

_EMPTY = cst.Module(body=[])


def code(node: cst.CSTNode) -> str:
    """The source text of one node."""
    return _EMPTY.code_for_node(node)


def keyword(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (no f-string, no concatenation), else None."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


Whitespace = cst.BaseParenthesizableWhitespace


def without_items(
    items: Sequence[T], drop: Callable[[T], bool], opening: Whitespace | None = None
) -> tuple[list[T], Whitespace | None]:
    """`items` minus the dropped ones, and the whitespace before the first kept item.

    The whitespace around a dropped item merges into the whitespace that remains, so comments on
    a dropped item's line become comment lines of their own; the last item's comma style (trailing
    comma or not) stays with whatever item is last now.
    """
    if not any(drop(item) for item in items):
        return list(items), opening
    kept: list[T] = []
    region = opening  # the whitespace before the next kept item
    for item in items:
        if drop(item):
            region = _merge(region, _after(item), closing=item is items[-1])
            continue
        if kept:
            kept[-1] = _with_after(kept[-1], region)
        else:
            opening = region
        kept.append(item)
        region = _after(item)
    if not kept:
        return [], region
    if kept[-1] is not items[-1]:
        kept[-1] = _ending_like(kept[-1], items[-1], region)
    return kept, opening


def _after(item: cst.CSTNode) -> Whitespace | None:
    """The whitespace after an item: after its comma, or before the closing parenthesis."""
    comma = getattr(item, "comma", None)
    if isinstance(comma, cst.Comma):
        return comma.whitespace_after
    return item.whitespace_after_arg if isinstance(item, cst.Arg) else None


def _with_after(item: T, whitespace: Whitespace | None) -> T:
    comma = item.comma  # type: ignore[attr-defined]
    if whitespace is None or not isinstance(comma, cst.Comma):
        return item
    return item.with_changes(comma=comma.with_changes(whitespace_after=whitespace))


def _ending_like(item: T, last: T, region: Whitespace | None) -> T:
    """`item`, now last, ending the way the original last item did, with `region` after it."""
    comma = last.comma  # type: ignore[attr-defined]
    if isinstance(comma, cst.Comma):
        new = item.with_changes(comma=comma if region is None else comma.with_changes(whitespace_after=region))
        if isinstance(last, cst.Arg):
            new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        return new
    new = item.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if isinstance(new, cst.Arg) and region is not None:
        new = new.with_changes(whitespace_after_arg=region)
    return new


def _merge(first: Whitespace | None, second: Whitespace | None, closing: bool = False) -> Whitespace | None:
    """Two stretches of whitespace joined: every comment kept, line breaks kept once.

    Without comments to keep, the stretch next to a parenthesis wins: the first one at the start,
    the second one (`closing`) at the end, so `f(a=1, b=2)` minus `b` is `f(a=1)`.
    """
    if first is None or second is None:
        return first if first is not None else second
    if isinstance(first, cst.ParenthesizedWhitespace) and isinstance(second, cst.ParenthesizedWhitespace):
        comment = second.first_line.comment
        moved = [cst.EmptyLine(indent=False, whitespace=first.last_line, comment=comment)] if comment else []
        return second.with_changes(
            first_line=first.first_line, empty_lines=[*first.empty_lines, *moved, *second.empty_lines]
        )
    if has_comment(first):
        return first
    if has_comment(second):
        return second
    return second if closing else first


def has_comment(whitespace: Whitespace | None) -> bool:
    return whitespace is not None and "#" in code_of_whitespace(whitespace)


def call_without_args(call: cst.Call, drop: Callable[[cst.Arg], bool],
                      args: Sequence[cst.Arg] | None = None) -> cst.Call:
    """`call` minus the dropped arguments; comments on their lines stay inside the parentheses. `args`:
    the call's arguments after other edits (they need not form a valid call until the drop is done)."""
    args, opening = without_items(call.args if args is None else args, drop, call.whitespace_before_args)
    if not args and not has_comment(opening):
        return call.with_changes(args=(), whitespace_before_args=cst.SimpleWhitespace(""))
    return call.with_changes(args=args, whitespace_before_args=opening or cst.SimpleWhitespace(""))


def with_items_appended(
    items: Sequence[T], new: Sequence[T], opening: cst.BaseParenthesizableWhitespace | None = None
) -> list[T]:
    """`items` + `new`, separated like the existing items (one per line if they are)."""
    if not new:
        return list(items)
    if not items:
        return _joined(list(new), separator(items, opening), cst.MaybeSentinel.DEFAULT)
    last = items[-1]
    sep = separator(items, opening)
    head = list(items[:-1]) + [last.with_changes(comma=sep)]
    tail = _joined(list(new), sep, last.comma)  # type: ignore[attr-defined]
    if isinstance(last, cst.Arg):
        head[-1] = head[-1].with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
        tail[-1] = tail[-1].with_changes(whitespace_after_arg=last.whitespace_after_arg)
    return head + tail


def separator(items: Sequence[cst.CSTNode], opening: cst.BaseParenthesizableWhitespace | None) -> cst.Comma:
    if len(items) >= 2 and isinstance(items[-2].comma, cst.Comma):  # type: ignore[attr-defined]
        return items[-2].comma  # type: ignore[attr-defined]
    if opening is not None and "\n" in code_of_whitespace(opening):
        return cst.Comma(whitespace_after=opening)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _joined(items: list[T], separator: cst.Comma, final: cst.Comma | cst.MaybeSentinel) -> list[T]:
    out = [item.with_changes(comma=separator) for item in items[:-1]]
    return out + [items[-1].with_changes(comma=final)]


def code_of_whitespace(node: cst.BaseParenthesizableWhitespace) -> str:
    return _EMPTY.code_for_node(node)


def plain_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """`name=value` without spaces around `=`."""
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def bare_arg(arg: cst.Arg) -> cst.Arg:
    """An argument moved elsewhere: same keyword and value, no comma of its own."""
    return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace(""))


def reindented(value: cst.BaseExpression, dedent: int, module: cst.Module) -> cst.BaseExpression:
    """`value` with its continuation lines moved `dedent` columns left (it moves to a new line start).

    Left as is when that is not a pure whitespace change: a line indented less than `dedent`, or a
    string spanning lines (whose content would change).
    """
    text = module.code_for_node(value)
    lines = text.split("\n")
    if dedent <= 0 or len(lines) == 1 or _has_multiline_string(value, module):
        return value
    prefix = " " * dedent
    if any(line.strip() and not line.startswith(prefix) for line in lines[1:]):
        return value
    moved = [line[dedent:] if line.startswith(prefix) else line.lstrip(" ") for line in lines[1:]]
    try:
        return cst.parse_expression("\n".join([lines[0], *moved]), config=module.config_for_parsing)
    except cst.ParserSyntaxError:
        return value


def _has_multiline_string(node: cst.CSTNode, module: cst.Module) -> bool:
    found = False

    class _Strings(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            nonlocal found
            found = found or "\n" in string.value

        def visit_FormattedString(self, string: cst.FormattedString) -> None:
            nonlocal found
            found = found or "\n" in module.code_for_node(string)

    node.visit(_Strings())
    return found


# --- statement lists --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementAction:
    """What happens to one module-level statement. `replace=None` keeps it (as transformed)."""

    before: tuple[cst.BaseStatement, ...] = ()
    replace: tuple[cst.BaseStatement, ...] | None = None
    after: tuple[cst.BaseStatement, ...] = ()
    #: Rewrites the transformed statement in place (e.g. `env.register("k", v)` -> `k = v`).
    rewrite: Callable[[cst.BaseStatement], Sequence[cst.BaseStatement]] | None = None

    def merged(self, other: StatementAction) -> StatementAction:
        return StatementAction(
            self.before + other.before,
            self.replace if other.replace is None else other.replace,
            self.after + other.after,
            self.rewrite if other.rewrite is None else other.rewrite,
        )


def rebuild_body(
    original: Sequence[cst.BaseStatement],
    updated: Sequence[cst.BaseStatement],
    actions: dict[cst.BaseStatement, StatementAction],
) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
    """Apply `actions` (keyed by original statement); returns the body and left-over comments."""
    body: list[cst.BaseStatement] = []
    pending: list[cst.EmptyLine] = []
    for before, after in zip(original, updated, strict=True):
        action = actions.get(before)
        if action is None:
            group, head = [after], _merge_lines(pending, leading_lines(after))
        else:
            kept, removed = _kept(action, after)
            group = [*action.before, *kept, *action.after]
            own = list(leading_lines(after)) + (_trailing_comment(after) if removed else [])
            head = _merge_lines(pending, own)
        if not group:
            pending = head
            continue
        pending = []
        body.append(group[0].with_changes(leading_lines=head))
        body.extend(statement.with_changes(leading_lines=()) for statement in group[1:])
    return body, (pending if any(line.comment is not None for line in pending) else [])


def leading_lines(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    """The lines above a statement (LibCST's BaseStatement does not declare them; both of its kinds do)."""
    assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement), type(statement)
    return statement.leading_lines


def _kept(action: StatementAction, statement: cst.BaseStatement) -> tuple[list[cst.BaseStatement], bool]:
    """What stands in for `statement`, and whether it is gone (its trailing comment moves up)."""
    if action.rewrite is not None:
        kept = list(action.rewrite(statement))
        return kept, not kept
    if action.replace is not None:
        return list(action.replace), True
    return [statement], False


def _merge_lines(pending: Sequence[cst.EmptyLine], own: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """Comments carried from removed statements come first; bare blank lines do not pile up."""
    if any(line.comment is not None for line in pending):
        return [*pending, *own]
    blank_own = 0
    for line in own:
        if line.comment is not None:
            break
        blank_own += 1
    missing = max(0, len(pending) - blank_own)
    return [*pending[:missing], *own]


def _trailing_comment(statement: cst.BaseStatement) -> list[cst.EmptyLine]:
    """The `# comment` at the end of a removed simple statement, as a line of its own."""
    if isinstance(statement, cst.SimpleStatementLine) and statement.trailing_whitespace.comment:
        return [cst.EmptyLine(comment=statement.trailing_whitespace.comment)]
    return []


def parse_statements(text: str, like: cst.Module) -> tuple[cst.BaseStatement, ...]:
    """Statements parsed from `text`, to be emitted with the module's own newline style."""
    module = cst.parse_module(text, config=like.config_for_parsing)
    return tuple(module.body)
