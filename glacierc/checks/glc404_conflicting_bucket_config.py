"""GLC404 conflicting-bucket-config: declarations of one bucket disagree.

Reported by the Terraform targets' rules (`glacierc/backends/terraform/aws_rules.py`, `azure_rules.py`,
`gcp_rules.py`); this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC404"
NAME = "conflicting-bucket-config"
SEVERITY = Severity.WARNING
TITLE = "declarations of one bucket disagree"
WHAT = ("Reports several `provider.bucket()` calls on one bucket that set different versioning, encryption or "
        "KMS keys; the first in source order wins.")
WHY = "These settings belong to the bucket, not to a path in it."

#: Its messages (templates: the reporting site fills in the fields).
_BUCKET = ("storage `{storage}` shares bucket `{bucket}` with `{first}` but sets {fields} differently; the bucket "
           "uses the settings of `{first}`")
S3_BUCKET = Message(CODE, SEVERITY, _BUCKET,
                    "give every declaration of one bucket the same versioning, encryption and kms_key_id")
GCS_BUCKET = Message(CODE, SEVERITY, _BUCKET, "give every declaration of one bucket the same versioning, "
                     "storage_class, location and kms_key_name")
AZURE_ACCOUNT = Message(CODE, SEVERITY, "storage `{storage}` shares the provider's storage account with `{first}` but "
                        "sets {fields} differently; the account uses the settings of `{first}`",
                        "versioning, encryption and replication belong to the storage account: give every "
                        "AzureBlobConfig of one provider the same values")

INVALID = (
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import AwsConfig, S3Config
import polars as pl

provider = Provider(config=AwsConfig(region='us-east-1'))
local_exec = provider.local()
raw = provider.bucket(bucket='acme-lake', path='raw.parquet', config=S3Config(versioning=True))
out = provider.bucket(bucket='acme-lake', path='out.parquet', config=S3Config(versioning=False))

@local_exec.task()
def copy(source) -> None:
    out.write(source.scan())

@pipeline(name='p')
def p():
    copy(raw)
""",
          (8, 7, 8, 97, ("storage `out` shares bucket `acme-lake` with `raw` but sets versioning differently; the bucket "
             "uses the settings of `raw`"))),
)
VALID = (
    valid("""\
from glacier import Provider, pipeline
from glacier.config import AwsConfig, S3Config
import polars as pl

provider = Provider(config=AwsConfig(region='us-east-1'))
local_exec = provider.local()
raw = provider.bucket(bucket='acme-lake', path='raw.parquet', config=S3Config(versioning=True))
out = provider.bucket(bucket='acme-lake', path='out.parquet', config=S3Config(versioning=True))

@local_exec.task()
def copy(source) -> None:
    out.write(source.scan())

@pipeline(name='p')
def p():
    copy(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
