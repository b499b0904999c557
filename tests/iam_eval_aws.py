"""An evaluator of the AWS IAM policy documents glacierc emits: "may this identity do ACTION on RESOURCE?".

It knows exactly the policy language the generator writes, and refuses (raises `Unsupported`) anything else,
so a new construct in the generator fails a test loudly instead of being read wrongly:

- statements with `Effect` Allow or Deny, `Action` lists, `Resource` lists, an optional `Principal`
  (bucket policies) and `Condition`; no `NotAction`, `NotResource` or `NotPrincipal`;
- action patterns: `service:Name` with the wildcards `*` and `?`, matched case-insensitively;
- resource patterns: ARNs with `*` (any run of characters, `/` included) and `?` (any one character),
  matched case-sensitively; a policy variable (`${...}`) in a resource is refused. AWS documents the
  wildcards within a segment of the ARN (between colons), a `*` that ends a segment also matching across
  colons; here every `*` may span colons, the wider reading, so a test asserting a denial holds either
  way (no emitted S3 ARN has a colon after its `:::`);
- condition operators `StringEquals`, `StringLike` (the same wildcards) and `Bool`. Several values of one
  key are alternatives (any matches), several keys and several operators of a statement must all hold; a
  key absent from the request makes its condition false (the generator uses no `...IfExists` operator).

Evaluation as AWS documents it for one account: an explicit Deny in any applicable policy wins, else an
explicit Allow in any applicable policy allows, else the request is denied (implicit deny). Identity and
resource policies (a bucket policy) are combined that way; a resource policy's statement applies only when
its `Principal` names the identity (`"*"` names every identity).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

OPERATORS = ("Bool", "StringEquals", "StringLike")
STATEMENT_KEYS = {"Sid", "Effect", "Action", "Resource", "Principal", "Condition"}


class Unsupported(ValueError):
    """A construct outside the language this evaluator implements."""


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    #: principal type -> identifiers; None for an identity policy's statement (no Principal element).
    principals: Mapping[str, tuple[str, ...]] | None = None
    #: (operator, key, values)
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    sid: str = ""

    def __post_init__(self) -> None:
        if self.effect not in ("Allow", "Deny"):
            raise Unsupported(f"effect {self.effect!r}")
        for operator, _, _ in self.conditions:
            if operator not in OPERATORS:
                raise Unsupported(f"condition operator {operator!r}")
        for resource in self.resources:
            if "${" in resource:
                raise Unsupported(f"policy variable in resource {resource!r}")


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    #: The condition context: key -> value (e.g. `s3:prefix`, `aws:SecureTransport` as "true"/"false").
    context: Mapping[str, str] = field(default_factory=dict)
    #: Who asks, as a resource policy's Principal names it: (type, identifier).
    principal: tuple[str, str] = ("AWS", "")


def statement_from_json(document: Mapping) -> Statement:
    """A statement as the IAM JSON language writes it (`jsonencode` of a policy, or the JSON of a document)."""
    unknown = set(document) - STATEMENT_KEYS
    if unknown:
        raise Unsupported(f"statement elements {sorted(unknown)}")
    principal = document.get("Principal")
    if isinstance(principal, str):
        if principal != "*":
            raise Unsupported(f"principal {principal!r}")
        principals: Mapping[str, tuple[str, ...]] | None = {"*": ("*",)}
    else:
        principals = None if principal is None else {k: _strings(v) for k, v in principal.items()}
    conditions = tuple((op, key, _strings(values)) for op, keys in (document.get("Condition") or {}).items()
                       for key, values in keys.items())
    return Statement(document["Effect"], _strings(document["Action"]), _strings(document.get("Resource", ())),
                     principals, conditions, document.get("Sid", ""))


def _strings(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def wildcard(pattern: str, *, case: bool) -> re.Pattern[str]:
    """`*` any run of characters (`/` included), `?` any one character, everything else literal."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL if case else re.DOTALL | re.IGNORECASE)


def _matches(pattern: str, value: str, *, case: bool = True) -> bool:
    return wildcard(pattern, case=case).fullmatch(value) is not None


def _condition_holds(operator: str, key: str, values: tuple[str, ...], context: Mapping[str, str]) -> bool:
    if key not in context:
        return False
    actual = context[key]
    if operator == "StringEquals":
        return actual in values
    if operator == "StringLike":
        return any(_matches(v, actual) for v in values)
    if operator == "Bool":
        return actual.lower() in {v.lower() for v in values}
    raise Unsupported(f"condition operator {operator!r}")


def applies(statement: Statement, request: Request) -> bool:
    """Whether `statement` covers `request` (action, resource, principal and every condition)."""
    if not any(_matches(a, request.action, case=False) for a in statement.actions):
        return False
    if not any(_matches(r, request.resource) for r in statement.resources):
        return False
    if statement.principals is not None:
        kind, identifier = request.principal
        named = statement.principals.get("*", ()) + statement.principals.get(kind, ())
        if not any(_matches(p, identifier) for p in named):
            return False
    return all(_condition_holds(op, key, values, request.context) for op, key, values in statement.conditions)


def decide(statements: Iterable[Statement], request: Request) -> str:
    """"Deny" (explicit), "Allow" or "ImplicitDeny" for `request` under all applicable `statements`."""
    matched = [s.effect for s in statements if applies(s, request)]
    if "Deny" in matched:
        return "Deny"
    return "Allow" if "Allow" in matched else "ImplicitDeny"


def allowed(statements: Iterable[Statement], request: Request) -> bool:
    return decide(statements, request) == "Allow"


def s3_object(bucket: str, key: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3:::{bucket}/{key}"


def s3_bucket(bucket: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3:::{bucket}"
