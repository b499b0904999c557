"""GLC401 unsupported-on-target: the target cloud cannot express this resource.

Reported by `glacierc/backends/terraform/__init__.py`, `glacierc/backends/terraform/aws.py`,
`glacierc/backends/terraform/aws_compute.py`, `glacierc/backends/terraform/azure.py`,
`glacierc/backends/terraform/azure_compute.py`, `glacierc/backends/terraform/gcp.py`,
`glacierc/backends/terraform/gcp_compute.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC401"
NAME = "unsupported-on-target"
SEVERITY = Severity.ERROR
TITLE = "the target cloud cannot express this resource"
WHAT = "Reports a declaration the Terraform backend cannot generate for the provider's cloud."
WHY = "Nothing is silently dropped: what cannot be generated is reported."

#: Its messages (templates: the reporting site fills in the fields).
MAPPED_NODE = Message(CODE, SEVERITY, "node `{node}` of pipeline `{pipeline}` maps task `{task}` over the partitions "
                      "of `{dataset}` on executor `{executor}`, which {cloud}'s orchestration does not map over yet",
                      "run the mapped task on a serverless or local executor (one call per object: a Lambda on AWS, a "
                      "Cloud Function on GCP, an activity of the function app on Azure)")

INVALID = (
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import DatabricksConfig, GcpConfig
import polars as pl

provider = Provider(config=GcpConfig(project_id='acme-misc'))
spark = provider.cluster(config=DatabricksConfig(num_workers=2))
raw = provider.bucket(bucket='acme-misc-raw', path='raw.parquet')

@spark.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          (6, 9, 6, 65, ("executor `spark`: Databricks on GCP is not generated (the workspace belongs to a Databricks "
             "account, outside the google provider); no infrastructure is generated for it"))),
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import ComputeEngineConfig, GcpConfig
import polars as pl

provider = Provider(config=GcpConfig(project_id="acme", region="europe-west1"))
local_exec = provider.local()
worker = provider.vm(config=ComputeEngineConfig(machine_type="n2-standard-4", disk_size=50))
events = provider.bucket(bucket="acme-raw", path="events/*.parquet")
daily = provider.bucket(bucket="acme-out", path="daily.parquet")

@worker.task()
def clean(part) -> pl.LazyFrame:
    return part.scan()

@local_exec.task()
def combine(parts: list[pl.LazyFrame]) -> None:
    daily.write(pl.concat(parts))

@pipeline(name='p')
def p():
    combine([clean(e) for e in events.partitions()])
""",
            (21, 14, 21, 22, "node `clean` of pipeline `p` maps task `clean` over the partitions of `events` "
                             "on executor `worker`, which GCP's orchestration does not map over yet")),
)
VALID = (
    valid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""),
    valid("""\
from glacier import Provider, pipeline
from glacier.config import AwsConfig
import polars as pl

provider = Provider(config=AwsConfig(region="eu-west-1"))
local_exec = provider.local()
events = provider.bucket(bucket="acme-raw", path="events/*.parquet")
daily = provider.bucket(bucket="acme-out", path="daily.parquet")

@local_exec.task()
def clean(part) -> pl.LazyFrame:
    return part.scan()

@local_exec.task()
def combine(parts: list[pl.LazyFrame]) -> None:
    daily.write(pl.concat(parts))

@pipeline(name='p')
def p():
    combine([clean(e) for e in events.partitions()])
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
