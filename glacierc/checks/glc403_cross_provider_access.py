"""GLC403 cross-provider-access: a task uses storage of another provider.

Reported by `glacierc/backends/terraform/access.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC403"
NAME = "cross-provider-access"
SEVERITY = Severity.WARNING
TITLE = "a task uses storage of another provider"
WHAT = ("Reports an executor that reads or writes storage declared on a different provider; no IAM grant is "
        "generated for that access.")
WHY = ("Least privilege can only be generated inside one provider's module; cross-cloud access needs "
       "credentials you manage yourself.")

#: Its messages (templates: the reporting site fills in the fields).
FOREIGN_STORAGE = Message(CODE, SEVERITY, "executor `{executor}` {verb} storage `{storage}` ({uri}) of provider "
                          "`{provider}`; no access grant is generated for it",
                          "grant this identity access on the other provider yourself, or move the storage")

INVALID = (
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import AwsConfig, GcpConfig, LambdaConfig
import polars as pl

aws = Provider(config=AwsConfig(region='us-east-1'))
gcp = Provider(config=GcpConfig(project_id='acme-bridge'))
fn = aws.serverless(config=LambdaConfig())
raw = gcp.bucket(bucket='acme-bridge-raw', path='raw.parquet')

@fn.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          (7, 6, 7, 43, ("executor `fn` reads storage `raw` (gs://acme-bridge-raw/raw.parquet) of provider `gcp`; no "
             "access grant is generated for it"))),
)
VALID = (
    valid("""\
from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig
import polars as pl

aws = Provider(config=AwsConfig(region='us-east-1'))
fn = aws.serverless(config=LambdaConfig())
raw = aws.bucket(bucket='acme-bridge-raw', path='raw.parquet')

@fn.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
