"""GLC410 existing-bucket-settings: settings on a bucket that `existing=True` adopts, which glacierc does not apply.

`provider.bucket(..., existing=True)` makes the Terraform backends read the bucket (a data source) instead of
creating it: its versioning, lifecycle, encryption and access settings belong to whoever owns it. This rule
reports a `config=` with settings on such a declaration, and a declaration of the same bucket without
`existing=True` (the bucket is adopted for all of them).
"""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir import nodes as ir

CODE = "GLC410"
NAME = "existing-bucket-settings"
SEVERITY = Severity.WARNING
TITLE = "settings on a bucket that exists already are not applied"
WHAT = ("Reports `config=` settings on `provider.bucket(..., existing=True)`, and another declaration of that "
        "bucket without `existing=True`.")
WHY = ("An existing bucket is read, not created: glacierc generates a data source and no versioning, lifecycle, "
       "encryption or public-access resources for it, so settings written in the code would silently not hold. "
       "Grants are generated as for any bucket.")

SETTINGS = Message(CODE, SEVERITY, "storage `{storage}`: bucket `{bucket}` exists already (`existing=True`); its "
                   "{config} settings ({fields}) are its owner's and are not applied",
                   help="remove config= (set these on the bucket where it is managed), or drop existing=True to "
                        "let glacierc create the bucket")
MIXED = Message(CODE, SEVERITY, "storage `{storage}` shares bucket `{bucket}` with `{existing}`, declared "
                "`existing=True`: the bucket is adopted, not created, for every declaration",
                help="add existing=True here too")

HEAD = """from glacier import Provider, pipeline
from glacier.config import AwsConfig, S3Config
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
local_exec = provider.local()
"""
BODY = """
@local_exec.task()
def copy(source) -> None:
    out.write(source.scan())

@pipeline(name='p')
def p():
    copy(raw)
"""

INVALID = (
    invalid(HEAD + """\
raw = provider.bucket(bucket='acme-lake', path='raw.parquet', existing=True, config=S3Config(versioning=False))
out = provider.bucket(bucket='acme-out', path='out.parquet')
""" + BODY,
            (7, 7, 7, 112, "storage `raw`: bucket `acme-lake` exists already (`existing=True`); its S3Config "
                           "settings (versioning) are its owner's and are not applied")),
    invalid(HEAD + """\
raw = provider.bucket(bucket='acme-lake', path='raw.parquet', existing=True)
out = provider.bucket(bucket='acme-lake', path='out.parquet')
""" + BODY,
            (8, 7, 8, 62, "storage `out` shares bucket `acme-lake` with `raw`, declared `existing=True`: the bucket "
                          "is adopted, not created, for every declaration")),
)
VALID = (
    valid(HEAD + """\
raw = provider.bucket(bucket='acme-lake', path='raw.parquet', existing=True)
out = provider.bucket(bucket='acme-lake', path='out.parquet', existing=True)
""" + BODY),
    valid(HEAD + """\
raw = provider.bucket(bucket='acme-lake', path='raw.parquet', existing=True, config=S3Config())
out = provider.bucket(bucket='acme-out', path='out.parquet', config=S3Config(versioning=False))
""" + BODY),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    adopted: dict[tuple[str, str], ir.Storage] = {}
    for storage in sorted(project.storage, key=lambda s: (s.span.file, s.span.line, s.name)):
        if storage.existing:
            adopted.setdefault((storage.provider, storage.bucket), storage)
    for storage in project.storage:
        first = adopted.get((storage.provider, storage.bucket))
        if first is None:
            continue
        if not storage.existing:
            yield MIXED.diagnostic(storage.span, storage=storage.name, bucket=storage.bucket, existing=first.name)
        elif storage.config is not None and storage.config.fields:
            fields = ", ".join(name for name, _ in storage.config.fields)
            yield SETTINGS.diagnostic(storage.span, storage=storage.name, bucket=storage.bucket,
                                      config=storage.config.type, fields=fields)
