"""GLC307 invalid-storage-path: an object path that could name more, or other, storage than it says.

A path is relative to its bucket, `/`-separated, made of non-empty segments that are not `.` or `..`, with
no control characters and no backslash. A dataset's glob is `pathlib`'s, as `glacier.datasets.matches` and the
runners match it: `*`, `?` and closed `[...]` classes within a segment, `**` as a whole segment
(`events/**/*.csv`); a trailing `/` names a partitioned dataset (`scores/`). So the IAM grant of a path is the
path itself, or the prefix before its first wildcard (`backends/terraform/access.key_patterns`), never wider.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC307"
NAME = "invalid-storage-path"
SEVERITY = Severity.ERROR
TITLE = "an object path that is not a plain path inside its bucket"
WHAT = ("Reports a storage path that is absolute, has a `.` or `..` segment, an empty segment, a backslash, "
        "control characters, a `{` or `}`, a `[` or `]` outside a closed class, or `**` inside a segment.")
WHY = ("The path decides what the generated IAM grants and where the runner reads and writes: `../x` would "
       "reach data the pipeline was never proven to touch, and a pattern the glob matching does not read as "
       "written (`a**b`, `x[1.csv`, `{a,b}`) would name other objects than it says.")

INVALID = (
    invalid(HEAD + """\
other = provider.bucket(bucket='data', path='../secrets/x.csv')
""",
          (9, 45, 9, 63, ('storage `other`: `../secrets/x.csv` is not a valid object path: the rule broken is "no `.` or '
             '`..` segment"'))),
)
VALID = (
    valid(HEAD + """\
other = provider.bucket(bucket='data', path='landing/*.csv')
"""),
    valid(HEAD + """\
other = provider.bucket(bucket='data', path='landing/**/day-[0-9]?.csv')
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


MAX_PATH = 1024  # S3 and Cloud Storage object names: 1,024 bytes of UTF-8
_CLASS = re.compile(r"\[!?[^\]]+\]")  # a character class as glob matching reads it: `[ab]`, `[!0-9]`
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def path_rule(path: str) -> str | None:
    """The rule `path` breaks, or None."""
    segments = path.split("/")
    inner = segments[:-1]
    checks = (
        (len(path.encode("utf-8", "surrogatepass")) > MAX_PATH, f"at most {MAX_PATH} bytes"),
        (_CONTROL.search(path) is not None, "no control or invisible formatting characters"),
        (path.startswith("/"), "relative to the bucket: no leading `/`"),
        ("\\" in path, "`/` separates segments: no backslash"),
        (any(s in (".", "..") for s in segments), "no `.` or `..` segment"),
        (any(not s for s in inner), "no empty segment (`//`)"),
        (any(c in path for c in "{}"), "no `{` or `}` (a glob has `*`, `?`, `[...]` and `**`, no alternatives)"),
        (any(c in _CLASS.sub("", s) for s in segments for c in "[]"), "`[` and `]` only as a closed class (`[0-9]`)"),
        (any("**" in s and s != "**" for s in segments), "`**` only as a whole segment (`events/**/*.csv`)"),
    )
    return next((rule for broken, rule in checks if broken), None)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for storage in project.storage:
        broken = path_rule(storage.path)
        if broken is not None:
            yield Diagnostic(CODE, SEVERITY, f"storage `{storage.name}`: `{storage.path}` is not a valid "
                             f"object path: the rule broken is \"{broken}\"", storage.path_span or storage.span,
                             help="write the path relative to the bucket, `/`-separated, e.g. `events/day.parquet`")
