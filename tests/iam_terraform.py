"""Emitted Terraform read back into what the IAM evaluators take (tests/iam_eval_aws.py, tests/iam_eval_gcp.py).

python-hcl2 parses the files but leaves string literals raw (quotes, escapes, interpolations); `decode`
reads them as Terraform does: the escapes `\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN`, `$${` and `%%{` as literal
`${` and `%{`, and each `${reference}` replaced by `Module.resolve`. References resolve to concrete names:
a bucket's literal name when the HCL has one, else `gen-<label>` (generated names are not known before
apply); anything the evaluators need and this module does not know raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import hcl2
from hcl2 import SerializationOptions
from iam_eval_aws import Statement, Unsupported
from iam_eval_gcp import Binding

OPTIONS = SerializationOptions(with_comments=False)
_SOURCE = re.compile(r'# source: [^\n]*\((executor|pipeline) ([^\n]*)\)\n(?:#[^\n]*\n)*'
                     r'(?:resource|data) "(\w+)" "(\w+)"')
_REFERENCE = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+")


@dataclass
class Module:
    """One root module: its blocks by (type, label), and what each block's `# source:` comment names."""

    resources: dict[tuple[str, str], dict]
    data: dict[tuple[str, str], dict]
    #: (type, label) -> ("executor" | "pipeline", name)
    sources: dict[tuple[str, str], tuple[str, str]]

    @classmethod
    def read(cls, texts: list[str]) -> Module:
        resources: dict[tuple[str, str], dict] = {}
        data: dict[tuple[str, str], dict] = {}
        sources: dict[tuple[str, str], tuple[str, str]] = {}
        for text in texts:
            parsed = hcl2.loads(text, serialization_options=OPTIONS)
            for section, into in (("resource", resources), ("data", data)):
                for entry in parsed.get(section, []):
                    for kind, labelled in entry.items():
                        for label, body in labelled.items():
                            into[(kind.strip('"'), label.strip('"'))] = body
            for what, name, kind, label in _SOURCE.findall(text):
                sources[(kind, label)] = (what, name)
        return cls(resources, data, sources)

    def of_type(self, kind: str) -> dict[str, dict]:
        return {label: body for (k, label), body in self.resources.items() if k == kind}

    def source(self, kind: str, label: str) -> tuple[str, str]:
        """What a block's `# source:` comment names; ("generated", "") for a block of glacierc's own."""
        return self.sources.get((kind, label), ("generated", ""))

    # --- values ---------------------------------------------------------------------------------------

    def resolve(self, reference: str) -> str:
        parts = reference.split(".")
        if parts[0] == "data":
            kind, label, attribute = parts[1], parts[2], parts[3]
            body = self.data.get((kind, label))
        else:
            kind, label, attribute = (parts + [""])[:3]
            body = self.resources.get((kind, label))
        if kind in ("aws_s3_bucket", "google_storage_bucket") and body is not None:
            name = self.bucket_name(kind, label, body, data=parts[0] == "data")
            return f"arn:aws:s3:::{name}" if attribute == "arn" else name
        if kind == "aws_kms_key" and attribute == "arn":
            return f"arn:aws:kms:us-east-1:111122223333:key/{label}"
        if kind == "google_service_account" and attribute == "email":
            return f"{label}@accounts"
        if kind == "google_project_iam_custom_role" and attribute in ("id", "name"):
            return f"custom:{label}"
        return f"ref:{reference}"

    def bucket_name(self, kind: str, label: str, body: dict, *, data: bool = False) -> str:
        literal = body.get("bucket" if kind == "aws_s3_bucket" else "name")
        if isinstance(literal, str) and literal.startswith('"') and "${" not in literal:
            return self.decode(literal)
        if data:
            raise Unsupported(f"existing bucket {label} without a literal name")
        return "gen-" + label.replace("_", "-")

    def decode(self, value):
        """A python-hcl2 value as Terraform reads it (strings unescaped, references resolved)."""
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if isinstance(value, dict):
            return {k: self.decode(v) for k, v in value.items() if k != "__is_block__"}
        if not isinstance(value, str):
            return value
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            return self._template(value[1:-1])
        if value.startswith("${") and value.endswith("}") and _REFERENCE.fullmatch(value[2:-1]):
            return self.resolve(value[2:-1])
        raise Unsupported(f"expression {value!r}")

    def _template(self, body: str) -> str:
        out, i = [], 0
        escapes = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
        while i < len(body):
            c = body[i]
            if c == "\\":
                kind = body[i + 1]
                if kind in escapes:
                    out.append(escapes[kind])
                    i += 2
                elif kind in "uU":
                    width = 4 if kind == "u" else 8
                    out.append(chr(int(body[i + 2:i + 2 + width], 16)))
                    i += 2 + width
                else:
                    raise Unsupported(f"HCL escape \\{kind}")
            elif body.startswith(("$${", "%%{"), i):
                out.append(body[i] + "{")
                i += 3
            elif body.startswith("${", i):
                end = body.index("}", i)
                reference = body[i + 2:end]
                if not _REFERENCE.fullmatch(reference):
                    raise Unsupported(f"interpolation ${{{reference}}}")
                out.append(self.resolve(reference))
                i = end + 1
            elif body.startswith("%{", i):
                raise Unsupported("template directive %{")
            else:
                out.append(c)
                i += 1
        return "".join(out)

    # --- AWS ------------------------------------------------------------------------------------------

    def policy_document(self, label: str) -> list[Statement]:
        body = self.data[("aws_iam_policy_document", label)]
        return [self._statement(self.decode(s)) for s in body.get("statement", [])]

    def _statement(self, s: dict) -> Statement:
        unknown = set(s) - {"sid", "effect", "actions", "resources", "principals", "condition"}
        if unknown:
            raise Unsupported(f"statement arguments {sorted(unknown)}")
        principals = None
        if "principals" in s:
            principals = {p["type"]: tuple(p["identifiers"]) for p in s["principals"]}
        conditions = tuple((c["test"], c["variable"], tuple(c["values"])) for c in s.get("condition", []))
        return Statement(s.get("effect", "Allow"), tuple(s["actions"]), tuple(s.get("resources", ())),
                         principals, conditions, s.get("sid", ""))

    def _document_of(self, expression: str) -> list[Statement]:
        match = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", expression)
        if match is None:
            raise Unsupported(f"policy {expression[:60]!r}: not an aws_iam_policy_document")
        return self.policy_document(match.group(1))

    def role_policies(self) -> dict[str, list[Statement]]:
        """Each IAM role's identity statements (its inline policies), by role label."""
        found: dict[str, list[Statement]] = {label: [] for label in self.of_type("aws_iam_role")}
        for body in self.of_type("aws_iam_role_policy").values():
            role = re.fullmatch(r"\$\{aws_iam_role\.(\w+)\.(?:id|name)\}", body["role"])
            if role is None:
                raise Unsupported(f"role {body['role']!r}")
            found[role.group(1)] += self._document_of(body["policy"])
        return found

    def managed_policies(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for body in self.of_type("aws_iam_role_policy_attachment").values():
            role = re.fullmatch(r"\$\{aws_iam_role\.(\w+)\.name\}", body["role"])
            assert role is not None, body
            found.setdefault(role.group(1), []).append(self.decode(body["policy_arn"]))
        return found

    def bucket_policies(self) -> dict[str, list[Statement]]:
        """Each bucket's resource statements (its bucket policy), by bucket name."""
        found: dict[str, list[Statement]] = {}
        for body in self.of_type("aws_s3_bucket_policy").values():
            found.setdefault(self.decode(body["bucket"]), []).extend(self._document_of(body["policy"]))
        return found

    # --- GCP ------------------------------------------------------------------------------------------

    def gcp_bindings(self) -> list[Binding]:
        """Every Cloud Storage bucket binding and project binding of a service account."""
        custom = {f"custom:{label}": frozenset(self.decode(body["permissions"]))
                  for label, body in self.of_type("google_project_iam_custom_role").items()}
        found = []
        for kind, bucketed in (("google_storage_bucket_iam_member", True), ("google_project_iam_member", False)):
            for body in self.of_type(kind).values():
                member = self.decode(body["member"])
                if not member.startswith("serviceAccount:"):
                    continue  # principals the user lists (var.*), not an identity the module creates
                role = self.decode(body["role"])
                condition = body.get("condition")
                expression = self.decode(condition[0]["expression"]) if condition else None
                found.append(Binding(member.removeprefix("serviceAccount:"), role,
                                     self.decode(body["bucket"]) if bucketed else None, expression,
                                     custom.get(role)))
        return found


def modules(files: Mapping[str, str | bytes]) -> dict[str, Module]:
    """The root modules of a build: directory -> Module."""
    by_directory: dict[str, list[str]] = {}
    for path, text in sorted(files.items()):
        if path.endswith(".tf") and isinstance(text, str):
            by_directory.setdefault(path.rsplit("/", 1)[0], []).append(text)
    return {directory: Module.read(texts) for directory, texts in by_directory.items()}
