"""GLC302 config-out-of-limits: config value outside the target's limits.

Judged by `glacierc/checks/config.py` (`config_problems`) on every config object the frontend lowers
(`glacierc/frontend/declarations.py`); also reported by the Terraform targets' rules
(`glacierc/backends/terraform/aws_rules.py`, `azure_rules.py`, `gcp_rules.py`) and `glacierc/frontend/tasks.py`;
this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC302"
NAME = "config-out-of-limits"
SEVERITY = Severity.ERROR
TITLE = "config value outside the target's limits"
WHAT = ("Reports a config value outside what the target service allows (e.g. Lambda memory 128-10240 MB, "
        "timeout 1-900 s), or not one of the allowed choices.")
WHY = "The deployment would fail, late; the limits are known at compile time."

#: Its messages (templates: the reporting site fills in the fields).
TASK_OPTION_LIMIT = Message(CODE, SEVERITY, "{problem}",
    "`{name}`: {doc}")
#: Lifecycle rules of storage that the bucket's cloud cannot take (terraform/aws_rules.py, gcp_rules.py,
#: azure_rules.py).
RULE_WITHOUT_CLASS = Message(CODE, SEVERITY, "storage `{storage}`: a lifecycle rule with transition_days needs a "
                             "storage_class")
EXPIRE_AFTER_TRANSITION = Message(CODE, SEVERITY, "storage `{storage}`: a lifecycle rule must expire objects after "
                                  "it transitions them")
NOT_AN_S3_CLASS = Message(CODE, SEVERITY, "storage `{storage}`: `{storage_class}` is not an S3 storage class; use one "
                          "of {choices}")
S3_THIRTY_DAYS = Message(CODE, SEVERITY, "storage `{storage}`: S3 moves objects to {storage_class} after 30 days at "
                         "the earliest")
NOT_A_GCS_CLASS = Message(CODE, SEVERITY, "storage `{storage}`: `{storage_class}` is not a Cloud Storage class; use "
                          "one of {choices}")
GCS_COLDER_CLASS = Message(CODE, SEVERITY, "storage `{storage}`: Cloud Storage lifecycle rules only move objects to "
                           "a colder class than STANDARD")
NOT_A_BLOB_TIER = Message(CODE, SEVERITY, "storage `{storage}`: `{storage_class}` is not an Azure blob tier; use one "
                          "of Cool, Cold, Archive")
BLOB_COOLER_TIER = Message(CODE, SEVERITY, "storage `{storage}`: lifecycle rules move blobs to a cooler tier than Hot "
                           "(Cool, Cold, Archive)")
DELETE_AFTER_TIER = Message(CODE, SEVERITY, "storage `{storage}`: a lifecycle rule must delete blobs after it moves "
                            "them to another tier")
#: Encryption keys written in a form the cloud does not take (terraform/aws_rules.py, gcp_rules.py).
KMS_KEY_ID = Message(CODE, SEVERITY, "storage `{storage}`: kms_key_id {key!r} is not a KMS key id, key ARN, alias name "
                     "(alias/...) or alias ARN")
KMS_KEY_NAME = Message(CODE, SEVERITY, "storage `{storage}`: kms_key_name {key!r} is not a Cloud KMS key name "
                       "(projects/P/locations/L/keyRings/R/cryptoKeys/K)")
#: A Dataproc cluster's workers (terraform/gcp_rules.py).
DATAPROC_WORKERS = Message(CODE, SEVERITY, "executor `{executor}`: a Dataproc cluster has 0 (single node) or at least "
                           "2 workers", "set num_workers=0 or num_workers>=2")

INVALID = (
    invalid(HEAD + """\
fn = provider.serverless(config=LambdaConfig(timeout=1200))
""",
          (9, 54, 9, 58, "LambdaConfig.timeout = 1200 is outside 1..900 s")),
    # What the Terraform backends refuse: storage settings the bucket's cloud cannot take, Dataproc workers.
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import AwsConfig, LifecycleRule, S3Config
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
local_exec = provider.local()
a = provider.bucket(bucket="acme-a", path="a.parquet",
                    config=S3Config(lifecycle_rules=(LifecycleRule(transition_days=9),)))
b = provider.bucket(bucket="acme-b", path="b.parquet",
                    config=S3Config(lifecycle_rules=(LifecycleRule(storage_class="NEARLINE"),)))
c = provider.bucket(bucket="acme-c", path="c.parquet",
                    config=S3Config(lifecycle_rules=(LifecycleRule(transition_days=9, storage_class="STANDARD_IA"),)))
d = provider.bucket(bucket="acme-d", path="d.parquet", config=S3Config(
    lifecycle_rules=(LifecycleRule(transition_days=9, storage_class="GLACIER", expire_days=9),)))
e = provider.bucket(bucket="acme-e", path="e.parquet", config=S3Config(kms_key_id="my key"))

@local_exec.task()
def copy(a, b, c, d) -> None:
    e.write(pl.concat([a.scan(), b.scan(), c.scan(), d.scan()]))

@pipeline(name='p')
def p():
    copy(a, b, c, d)
""",
          (7, 5, 8, 90, "storage `a`: a lifecycle rule with transition_days needs a storage_class"),
          (9, 5, 10, 97, ("storage `b`: `NEARLINE` is not an S3 storage class; use one of STANDARD, "
                          "INTELLIGENT_TIERING, STANDARD_IA, ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE")),
          (11, 5, 12, 119, "storage `c`: S3 moves objects to STANDARD_IA after 30 days at the earliest"),
          (13, 5, 14, 98, "storage `d`: a lifecycle rule must expire objects after it transitions them"),
          (15, 5, 15, 93, ("storage `e`: kms_key_id 'my key' is not a KMS key id, key ARN, alias name (alias/...) or "
                           "alias ARN"))),
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import GcpConfig, GCSConfig, LifecycleRule, SparkConfig
import polars as pl

provider = Provider(config=GcpConfig(project_id="acme", region="europe-west1"))
spark = provider.cluster(config=SparkConfig(num_workers=1))
a = provider.bucket(bucket="acme-a", path="a.parquet",
                    config=GCSConfig(lifecycle_rules=(LifecycleRule(transition_days=9, storage_class="STANDARD"),)))
b = provider.bucket(bucket="acme-b", path="b.parquet", config=GCSConfig(
    lifecycle_rules=(LifecycleRule(transition_days=9, storage_class="COLDLINE", expire_days=9),)))
c = provider.bucket(bucket="acme-c", path="c.parquet", config=GCSConfig(kms_key_name="my key"))

@spark.task()
def copy(a, b) -> None:
    c.write(pl.concat([a.scan(), b.scan()]))

@pipeline(name='p')
def p():
    copy(a, b)
""",
          (6, 9, 6, 60, "executor `spark`: a Dataproc cluster has 0 (single node) or at least 2 workers"),
          (7, 5, 8, 117, ("storage `a`: Cloud Storage lifecycle rules only move objects to a colder class than "
                          "STANDARD")),
          (9, 5, 10, 99, "storage `b`: a lifecycle rule must expire objects after it transitions them"),
          (11, 5, 11, 96, ("storage `c`: kms_key_name 'my key' is not a Cloud KMS key name "
                           "(projects/P/locations/L/keyRings/R/cryptoKeys/K)"))),
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import AzureBlobConfig, AzureConfig, LifecycleRule
import polars as pl

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000009"))
local_exec = provider.local()
a = provider.bucket(bucket="a-hot", path="a.parquet",
                    config=AzureBlobConfig(lifecycle_rules=(LifecycleRule(transition_days=9, storage_class="Hot"),)))
b = provider.bucket(bucket="b-cool", path="b.parquet", config=AzureBlobConfig(
    lifecycle_rules=(LifecycleRule(transition_days=9, storage_class="Cool", expire_days=9),)))

@local_exec.task()
def copy(a) -> None:
    b.write(a.scan())

@pipeline(name='p')
def p():
    copy(a)
""",
          (7, 5, 8, 118, "storage `a`: lifecycle rules move blobs to a cooler tier than Hot (Cool, Cold, Archive)"),
          (9, 5, 10, 95, "storage `b`: a lifecycle rule must delete blobs after it moves them to another tier")),
)
VALID = (
    valid(HEAD + """\
fn = provider.serverless(config=LambdaConfig(timeout=900))
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
