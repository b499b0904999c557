"""An evaluator of the IAM Conditions glacierc emits on Google Cloud, and of the bindings that carry them.

The language is the CEL subset the generator writes (gcp_iam.py `object_clauses`, gcp_orchestration.py
`staging_condition`, gcp_workflow_target.py): string literals in double quotes with CEL's escapes, `==`,
`!=`, `&&`, `||`, parentheses, the attributes `resource.name` and `resource.type`,
`api.getAttribute(key, default)`, and the string functions `startsWith`, `endsWith` and `extract`.
Anything else (another function, operator, attribute, a single-quoted string, an unknown escape) raises
`Unsupported`, so a new construct in the generator fails a test loudly instead of being read wrongly.

What Google's "Attribute reference for IAM Conditions" says, and what is implemented here:
- the resource name attribute (`resource.name`) supports `startsWith()`, `endsWith()`, `extract()`, `==`
  and `!=`; for Cloud Storage an object is named `projects/_/buckets/BUCKET/objects/OBJECT` and a bucket
  `projects/_/buckets/BUCKET` (that is what `objects.list` is checked against);
- `extract(template)`: the template is literal text around one variable in braces, `before{name}after`;
  the function returns the part of the resource name that the variable stands for (the text that follows
  the first occurrence of `before`, up to the first occurrence of `after` behind it, or to the end of the
  name when `after` is empty), and the empty string when the name does not contain the template. The
  variable stands for any text, `/` included: `"a/b/c".extract("a/{x}/c")` is `"b"`, and
  `"a/b/x/c".extract("a/{x}/c")` is `"b/x"`;
- `api.getAttribute("storage.googleapis.com/objectListPrefix", default)`: the prefix of an `objects.list`
  request, the default when the request has none.
The stored copies of that page searched for this evaluator gave its attribute table and (quoted by a
question-and-answer page) the operators of `resource.name`, not the text of its `extract()` passage; the
template semantics above are what that passage says of a template that does or does not match. Where a
reading could be narrower (a variable that stops at `/`), this evaluator takes the wider one: a test
that asserts a denial holds under either, and every grant the tests assert names single-segment values.
The staged-result conditions do not depend on the choice: each node's `extract` must equal the name's
first segment (`extract("/objects/{execution}/")`, not empty), which a name with a folder more than
`<execution>/` fails under the wider reading and a name without the template fails under both. A later
search of the stored copies of the page (https://cloud.google.com/iam/docs/conditions-attribute-reference)
again gave only its opening table. Check against the page when changing this function.

A binding grants its role's permissions when its condition is absent or evaluates to true; a request is
allowed when any binding of the identity on the bucket (or the project) grants the permission.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

OBJECT_TYPE = "storage.googleapis.com/Object"
BUCKET_TYPE = "storage.googleapis.com/Bucket"
LIST_PREFIX = "storage.googleapis.com/objectListPrefix"

#: The Cloud Storage object permissions of each role the generator grants (nothing else of a role matters here).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "roles/storage.objectViewer": frozenset({"storage.objects.get", "storage.objects.list"}),
    "roles/storage.objectCreator": frozenset({"storage.objects.create"}),
    "roles/storage.objectUser": frozenset({"storage.objects.create", "storage.objects.delete",
                                           "storage.objects.get", "storage.objects.list",
                                           "storage.objects.update"}),
    "roles/storage.legacyBucketReader": frozenset({"storage.buckets.get", "storage.objects.list"}),
    # Roles without any Cloud Storage permission.
    **{role: frozenset() for role in (
        "roles/batch.agentReporter", "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        "roles/iam.serviceAccountTokenCreator", "roles/iam.serviceAccountUser", "roles/logging.logWriter",
        "roles/run.invoker", "roles/workflows.invoker")},
}


class Unsupported(ValueError):
    """A construct outside the language this evaluator implements."""


@dataclass(frozen=True)
class Request:
    name: str
    type: str
    attributes: Mapping[str, str] = field(default_factory=dict)


def object_request(bucket: str, key: str) -> Request:
    return Request(f"projects/_/buckets/{bucket}/objects/{key}", OBJECT_TYPE)


def list_request(bucket: str, prefix: str) -> Request:
    return Request(f"projects/_/buckets/{bucket}", BUCKET_TYPE, {LIST_PREFIX: prefix})


# --- the language ------------------------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<op>==|!=|&&|\|\||[().,])|(?P<name>[A-Za-z_]\w*))')
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "`": "`", "?": "?", "a": "\a", "b": "\b", "f": "\f", "n": "\n",
            "r": "\r", "t": "\t", "v": "\v"}
_FUNCTIONS = {"startsWith", "endsWith", "extract"}


def tokens(text: str) -> list[tuple[str, str]]:
    found, at = [], 0
    while text[at:].strip():
        match = _TOKEN.match(text, at)
        if match is None:
            raise Unsupported(f"cannot read {text[at:at + 20]!r} in {text!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        at = match.end()
    return found


def string_literal(token: str) -> str:
    """A CEL double-quoted string literal's value."""
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        kind = body[i + 1]
        if kind in _ESCAPES:
            out.append(_ESCAPES[kind])
            i += 2
        elif kind in "uUx":
            width = {"u": 4, "U": 8, "x": 2}[kind]
            digits = body[i + 2:i + 2 + width]
            if not re.fullmatch(f"[0-9a-fA-F]{{{width}}}", digits) or 0xD800 <= int(digits, 16) <= 0xDFFF:
                raise Unsupported(f"escape \\{kind}{digits} in {token!r}")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            raise Unsupported(f"escape \\{kind} in {token!r}")
    return "".join(out)


def extract(name: str, template: str) -> str:
    """`name.extract(template)` as documented (see the module docstring)."""
    parts = re.fullmatch(r"([^{}]*)\{\w+\}([^{}]*)", template)
    if parts is None:
        raise Unsupported(f"extract template {template!r}: literal text around exactly one {{variable}}")
    before, after = parts.groups()
    start = name.find(before)
    if start < 0:
        return ""
    rest = name[start + len(before):]
    if not after:
        return rest
    end = rest.find(after)
    return "" if end < 0 else rest[:end]


class _Parser:
    def __init__(self, text: str, request: Request) -> None:
        self.text, self.request = text, request
        self.items, self.at = tokens(text), 0

    def peek(self) -> str | None:
        return self.items[self.at][1] if self.at < len(self.items) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.items):
            raise Unsupported(f"unexpected end of {self.text!r}")
        kind, value = self.items[self.at]
        if expected is not None and value != expected:
            raise Unsupported(f"expected {expected!r}, found {value!r} in {self.text!r}")
        self.at += 1
        return kind, value

    def whole(self) -> bool:
        value = self.disjunction()
        if self.at != len(self.items):
            raise Unsupported(f"unexpected {self.peek()!r} in {self.text!r}")
        return _boolean(value, self.text)

    def disjunction(self) -> str | bool:
        value = self.conjunction()
        while self.peek() == "||":
            self.take()
            right = self.conjunction()
            value = _boolean(value, self.text) or _boolean(right, self.text)
        return value

    def conjunction(self) -> str | bool:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            right = self.comparison()
            value = _boolean(value, self.text) and _boolean(right, self.text)
        return value

    def comparison(self) -> str | bool:
        left = self.calls()
        if self.peek() in ("==", "!="):
            _, op = self.take()
            right = self.calls()
            if not (isinstance(left, str) and isinstance(right, str)):
                raise Unsupported(f"{op} of non-strings in {self.text!r}")
            return (left == right) if op == "==" else (left != right)
        return left

    def calls(self) -> str | bool:
        value = self.primary()
        while self.peek() == ".":
            self.take()
            _, function = self.take()
            if function not in _FUNCTIONS or not isinstance(value, str):
                raise Unsupported(f"function {function!r} in {self.text!r}")
            argument = self.arguments(1)[0]
            value = {"startsWith": value.startswith, "endsWith": value.endswith}.get(
                function, lambda t: extract(value, t))(argument)
        return value

    def arguments(self, count: int) -> list[str]:
        self.take("(")
        found = []
        for index in range(count):
            if index:
                self.take(",")
            kind, token = self.take()
            if kind != "string":
                raise Unsupported(f"argument {token!r} (only string literals) in {self.text!r}")
            found.append(string_literal(token))
        self.take(")")
        return found

    def primary(self) -> str | bool:
        kind, token = self.take()
        if kind == "string":
            return string_literal(token)
        if token == "(":
            value = self.disjunction()
            self.take(")")
            return value
        if token == "resource":
            self.take(".")
            _, attribute = self.take()
            if attribute not in ("name", "type"):
                raise Unsupported(f"attribute resource.{attribute}")
            return self.request.name if attribute == "name" else self.request.type
        if token == "api":
            self.take(".")
            self.take("getAttribute")
            key, default = self.arguments(2)
            return self.request.attributes.get(key, default)
        raise Unsupported(f"{token!r} in {self.text!r}")


def _boolean(value: str | bool, text: str) -> bool:
    if not isinstance(value, bool):
        raise Unsupported(f"a string where a condition is needed in {text!r}")
    return value


def evaluate(expression: str, request: Request) -> bool:
    """The value of a condition `expression` for `request`."""
    return _Parser(expression, request).whole()


# --- bindings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """A role granted to `member` on `bucket` (None: on the project), with an optional condition."""

    member: str
    role: str
    bucket: str | None
    condition: str | None = None
    #: The permissions of a custom role (its `permissions` list); None for a predefined role.
    permissions: frozenset[str] | None = None


def role_permissions(binding: Binding) -> frozenset[str]:
    if binding.permissions is not None:
        return binding.permissions
    if binding.role not in ROLE_PERMISSIONS:
        raise Unsupported(f"role {binding.role!r}: add its Cloud Storage permissions to ROLE_PERMISSIONS")
    return ROLE_PERMISSIONS[binding.role]


def allowed(bindings: Iterable[Binding], member: str, permission: str, request: Request) -> bool:
    """Whether `member` may use `permission` on the object or bucket of `request`."""
    bucket = request.name.split("/")[3]
    for binding in bindings:
        if binding.member != member or binding.bucket not in (None, bucket):
            continue
        if permission in role_permissions(binding) and (
                binding.condition is None or evaluate(binding.condition, request)):
            return True
    return False
