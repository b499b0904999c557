"""GLC306 invalid-storage-name: a bucket (S3, Cloud Storage), container (Azure Blob) or local directory name
that breaks its cloud's naming rules.

One validator per rule set; each returns the rule a name breaks, or None. The Terraform backends rely on
this check: a project with an invalid name has errors, so nothing is built from it. A name that passes can
never widen an IAM grant either: no `*`, `?`, `/` or `..` can reach a resource pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC306"
NAME = "invalid-storage-name"
SEVERITY = Severity.ERROR
TITLE = "a bucket or container name its cloud does not accept"
WHAT = ("Reports a bucket (S3, Cloud Storage), container (Azure Blob) or local bucket directory whose name "
        "breaks the cloud's naming rules (length, characters, first and last character, reserved prefixes and "
        "suffixes); the message names the rule broken.")
WHY = ("The cloud would refuse the name when Terraform applies; worse, a name such as `*` (given with `-e "
       "BUCKET=*`) would turn a least-privilege grant into one on every bucket of the account.")

INVALID = (
    invalid(HEAD + """\
other = provider.bucket(bucket='*', path='x.csv')
""",
          (9, 32, 9, 35, ('storage `other`: `*` is not a valid S3 bucket name: the rule broken is "only lower-case '
             'letters, digits, `.` and `-`"'))),
)
VALID = (
    valid(HEAD + """\
other = provider.bucket(bucket='acme-landing', path='x.csv')
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


_IP_LIKE = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def _first(rules: tuple[tuple[bool, str], ...]) -> str | None:
    return next((rule for broken, rule in rules if broken), None)


def s3_bucket_rule(name: str) -> str | None:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""
    return _first((
        (re.fullmatch(r"[a-z0-9.-]*", name) is None, "only lower-case letters, digits, `.` and `-`"),
        (not 3 <= len(name) <= 63, "3 to 63 characters"),
        (not (name[:1].isalnum() and name[-1:].isalnum()), "starts and ends with a letter or digit"),
        (".." in name, "no two adjacent dots"),
        (_IP_LIKE.fullmatch(name) is not None, "not formatted as an IP address"),
        (name.startswith(("xn--", "sthree-", "amzn-s3-demo-")), "no `xn--`, `sthree-` or `amzn-s3-demo-` prefix"),
        (name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")),
         "no `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or `--table-s3` suffix"),
    ))


def gcs_bucket_rule(name: str) -> str | None:
    """https://cloud.google.com/storage/docs/buckets#naming"""
    parts = name.split(".")
    return _first((
        (re.fullmatch(r"[a-z0-9._-]*", name) is None, "only lower-case letters, digits, `-`, `_` and `.`"),
        (not 3 <= len(name) <= (222 if "." in name else 63), "3 to 63 characters (up to 222 with dots)"),
        (any(len(part) > 63 for part in parts), "each dot-separated part at most 63 characters"),
        (not (name[:1].isalnum() and name[-1:].isalnum()), "starts and ends with a letter or digit"),
        (any(not part for part in parts), "no two adjacent dots"),
        (_IP_LIKE.fullmatch(name) is not None, "not formatted as an IP address"),
        (name.startswith("goog"), "no `goog` prefix"),
        ("google" in name or "g00gle" in name, "does not contain `google`"),
    ))


def azure_container_rule(name: str) -> str | None:
    """https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata"""
    return _first((
        (re.fullmatch(r"[a-z0-9-]*", name) is None, "only lower-case letters, digits and `-`"),
        (not 3 <= len(name) <= 63, "3 to 63 characters"),
        (not name[:1].isalnum(), "starts with a letter or digit"),
        (not name[-1:].isalnum(), "ends with a letter or digit"),
        ("--" in name, "no two consecutive hyphens"),
    ))


def azure_account_rule(name: str) -> str | None:
    """Storage account names (generated today from `name_prefix`; kept with the container rule)."""
    return None if re.fullmatch(r"[a-z0-9]{3,24}", name) else "3 to 24 lower-case letters and digits"


def local_directory_rule(name: str) -> str | None:
    """A local bucket is one directory under the base path (or `--data-dir`): never a path out of it."""
    return _first((
        (len(name) > 255, "at most 255 characters"),
        (name in (".", ".."), "not `.` or `..`"),
        (any(c in name for c in "/\\"), "no `/` or `\\` (one directory, not a path)"),
        (any(c in name for c in "*?[]"), "no wildcard (`*`, `?`, `[`)"),
        (_CONTROL.search(name) is not None, "no control or invisible formatting characters"),
        (name != name.strip(), "no leading or trailing white space"),
    ))


RULE_OF_CLOUD: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "aws": ("S3 bucket", s3_bucket_rule),
    "gcp": ("Cloud Storage bucket", gcs_bucket_rule),
    "azure": ("Azure container", azure_container_rule),
    "local": ("local bucket directory", local_directory_rule),
}


def check(project: ir.Project) -> Iterator[Diagnostic]:
    clouds = {p.name: p.cloud for p in project.providers}
    for storage in project.storage:
        kind, rule_of = RULE_OF_CLOUD[clouds.get(storage.provider, "local")]
        broken = rule_of(storage.bucket)
        if broken is not None:
            yield Diagnostic(CODE, SEVERITY, f"storage `{storage.name}`: `{storage.bucket}` is not a "
                             f"valid {kind} name: the rule broken is \"{broken}\"", storage.bucket_span or storage.span,
                             help=f"rename the bucket so that it follows the {kind} naming rules")
