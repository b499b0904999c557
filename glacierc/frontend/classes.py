"""Classes of the project, read without running them: why one is not a static value (an Enum, a dataclass,
another class), and the `.value` / `.name` of an Enum member whose value is written in the class body."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from glacierc.frontend.values import Qual, Unknown, Where

if TYPE_CHECKING:
    from glacierc.frontend.evaluate import Evaluator, Scope

_ENUM_BASES = frozenset(f"enum.{name}" for name in ("Enum", "StrEnum", "IntEnum", "Flag", "IntFlag"))
_DATACLASS = "dataclasses.dataclass"


def class_kind(ev: Evaluator, node: cst.ClassDef, scope: Scope) -> str:
    """"enum", "dataclass" or "class", from the bases and decorators as the imports resolve them."""
    from glacierc.frontend.evaluate import Scope

    outer = Scope(scope.module, scope.index)
    if any(_qual(ev.eval(base.value, outer)) in _ENUM_BASES for base in node.bases):
        return "enum"
    for decorator in node.decorators:
        expression = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        if _qual(ev.eval(expression, outer)) == _DATACLASS:
            return "dataclass"
    return "class"


def class_value(ev: Evaluator, node: cst.ClassDef, scope: Scope, where: Where) -> Unknown:
    """A class used as a value: not evaluated statically; the reason says what to pass instead."""
    name = node.name.value
    kind = class_kind(ev, node, scope)
    if kind == "enum":
        return Unknown(f"`{name}` is an Enum and its members are not static values: pass a member's `.value` "
                       f"(`{name}.MEMBER.value`)", where)
    if kind == "dataclass":
        return Unknown(f"`{name}` is a dataclass and its instances and their attributes are not static values: "
                       "pass the field's value as a literal or a module-level constant", where)
    return Unknown(f"`{name}` is a class; classes are not evaluated statically", where)


def enum_attribute(ev: Evaluator, node: cst.Attribute, scope: Scope) -> object | None:
    """`Mode.FULL` of a project Enum: not a static value, with the reason saying to pass its `.value`;
    `Mode.FULL.value` / `Mode.FULL.name` when the member is assigned in the class body (`FULL = "full"`). None
    for anything else (the caller evaluates it as usual)."""
    where = Where(scope.module, scope.index, node)
    if isinstance(node.value, cst.Name) and _enum(ev, scope, node.value.value) is not None:
        member = f"{node.value.value}.{node.attr.value}"
        return Unknown(f"`{member}` is an Enum member, which the runner cannot build: pass its `.value` "
                       f"(`{member}.value`)", where)
    member_node = node.value
    if node.attr.value not in ("value", "name") or not isinstance(member_node, cst.Attribute) \
            or not isinstance(member_node.value, cst.Name):
        return None
    found = _enum(ev, scope, member_node.value.value)
    if found is None:
        return None
    member = member_node.attr.value
    value = _member_value(found[0], member)
    if value is None:
        return Unknown(f"`{member_node.value.value}` has no member `{member}` assigned in its body", where)
    if node.attr.value == "name":
        return member
    from glacierc.frontend.evaluate import Scope

    return ev.eval(value, Scope(found[1].module, found[1].index))


def _enum(ev: Evaluator, scope: Scope, name: str) -> tuple[cst.ClassDef, Scope] | None:
    found = ev.class_def(scope, name)
    return found if found is not None and class_kind(ev, found[0], found[1]) == "enum" else None


def _member_value(definition: cst.ClassDef, member: str) -> cst.BaseExpression | None:
    """The expression assigned to `member` in the class body (`FULL = "full"`)."""
    for statement in definition.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == member
                                                     for t in small.targets):
                return small.value
    return None


def _qual(value: object) -> str | None:
    return value.name if isinstance(value, Qual) else None
