"""GLC401 unsupported-on-target: the target cloud cannot express this resource.

Reported by the Terraform backends (`glacierc/backends/terraform/`: __init__.py and the clouds' rules,
target_rules.py, aws_rules.py, gcp_rules.py, azure_rules.py, which `check` runs and each target inherits); this
module holds its code, documentation and cases.
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
                      "run the mapped task on an executor this cloud maps over (AWS: every kind; GCP: functions, vm "
                      "and Dataproc; Azure: every kind)")

#: An existing cluster in the Databricks workspace the Azure module creates (terraform/azure_rules.py).
AZURE_DATABRICKS_CLUSTER_ID = Message(
    CODE, SEVERITY, "executor `{executor}`: cluster_id {cluster_id!r} names an existing cluster, but on Azure the "
    "module creates the Databricks workspace, and each run of the orchestration starts a job cluster of its own "
    "(its environment carries the run's storage token)",
    "leave cluster_id unset: each group's run gets a new job cluster of the config's node type and workers")

#: An executor whose config a cloud cannot run (terraform/target.py, `Target.UNSUPPORTED_EXECUTOR`): one per
#: cloud, whose help names the configs that do run there.
_EXECUTOR = ("executor `{executor}`: {config} cannot run on {cloud} (provider `{provider}`); no infrastructure is "
             "generated for it")
AWS_EXECUTOR = Message(CODE, SEVERITY, _EXECUTOR,
                       "use LambdaConfig, EC2Config, SparkConfig or DatabricksConfig with an AwsConfig provider")
GCP_EXECUTOR = Message(CODE, SEVERITY, _EXECUTOR,
                       "use CloudFunctionConfig, ComputeEngineConfig, DataprocConfig or SparkConfig with GcpConfig")
AZURE_EXECUTOR = Message(CODE, SEVERITY, _EXECUTOR,
                         "use AzureFunctionConfig, AzureVMConfig, SparkConfig or DatabricksConfig with AzureConfig")
#: A provider whose cloud has no Terraform backend (terraform/__init__.py).
NO_BACKEND = Message(CODE, SEVERITY, "provider `{provider}`: no Terraform backend for cloud `{cloud}` yet")
#: An Azure VM image (terraform/azure_rules.py).
VM_IMAGE = Message(CODE, SEVERITY, "executor `{executor}`: image {image!r} is not publisher:offer:sku:version",
                   "write the image as e.g. 'Canonical:ubuntu-24_04-lts:server:latest'")
#: Spark settings (terraform/aws_rules.py, gcp_rules.py, azure_rules.py).
NO_EMR_RELEASE = Message(CODE, SEVERITY, "executor `{executor}`: no EMR release is known for Spark {spark_version} "
                         "(known: {known})", "set SparkConfig(release_label='emr-...') explicitly")
NO_DATAPROC_IMAGE = Message(CODE, SEVERITY, "executor `{executor}`: no Dataproc image is known for Spark "
                            "{spark_version} (known: {known})", "use DataprocConfig(image_version=...)")
DATAPROC_RELEASE_LABEL = Message(CODE, SEVERITY, "executor `{executor}`: release_label is an EMR setting; Dataproc has "
                                 "no EMR releases", "remove release_label, or use DataprocConfig(image_version=...)")
DATAPROC_MACHINE_TYPE = Message(CODE, SEVERITY, "executor `{executor}`: instance_type {instance_type!r} is not a "
                                "Compute Engine machine type", "use a machine type such as 'n2-standard-4'")
NO_HDINSIGHT_VERSION = Message(CODE, SEVERITY, "executor `{executor}`: no HDInsight version ships Spark "
                               "{spark_version} (known: {known})", "set SparkConfig(spark_version='3.3')")
HDINSIGHT_RELEASE_LABEL = Message(CODE, SEVERITY, "executor `{executor}`: release_label is an EMR setting; HDInsight "
                                  "has no EMR releases", "remove release_label")
HDINSIGHT_VM_SIZE = Message(CODE, SEVERITY, "executor `{executor}`: instance_type {instance_type!r} is not an Azure VM "
                            "size", "use an HDInsight VM size such as 'Standard_E8_V3'")
DATABRICKS_NODE_TYPE = Message(CODE, SEVERITY, "executor `{executor}`: instance_type {instance_type!r} is not an Azure "
                               "VM size", "use an Azure Databricks node type such as 'Standard_DS3_v2'")
DATABRICKS_ON_GCP = Message(CODE, SEVERITY, "executor `{executor}`: Databricks on GCP is not generated (the workspace "
                            "belongs to a Databricks account, outside the google provider); no infrastructure is "
                            "generated for it",
                            "use DataprocConfig or SparkConfig (Dataproc) with a GcpConfig provider")
#: A container beside an adopted Azure storage account (terraform/azure_rules.py).
BESIDE_ADOPTED_ACCOUNT = Message(CODE, SEVERITY, "storage `{storage}`: Azure keeps the containers of a provider in "
                                 "one storage account, and `{adopted}` adopts an existing one (`existing=True`); no "
                                 "container is created in an account glacierc does not own",
                                 "declare this container existing=True too, or give new storage a provider of its own")
#: Orchestration limits (terraform/gcp_rules.py, azure_rules.py).
WORKFLOW_TOO_LARGE = Message(CODE, SEVERITY, "pipeline `{pipeline}`: its Cloud Workflows definition would be about "
                             "{kilobytes} KB; Cloud Workflows accepts at most {limit} KB",
                             "split the pipeline into smaller ones, or let more nodes share an executor so they fuse")
GCP_SCHEDULE = Message(CODE, SEVERITY, "pipeline `{pipeline}`: schedule {schedule!r} cannot run on GCP: {problem}",
                       "Cloud Scheduler takes unix cron: write `rate(15 minutes)`, `rate(6 hours)`, `rate(1 day)` or a "
                       "cron(...) with year `*` and without L, W or #")
AZURE_SCHEDULE = Message(CODE, SEVERITY, "pipeline `{pipeline}`: schedule {schedule!r} has no NCRONTAB equivalent for "
                         "the Azure Functions timer that starts it: {problem}",
                         "write a cron(...) expression without a year, L, W or #, or a rate that divides the hour or "
                         "day")

def _mapped(configs: str, declarations: str, clean_on: str) -> str:
    """A pipeline mapping `clean` (on the executor `clean_on`) over a dataset's partitions, `combine` collecting
    locally: `declarations` (the provider and its executors) after importing `configs` from glacier.config."""
    return f"""\
from glacier import Provider, pipeline
from glacier.config import {configs}
import polars as pl

{declarations}events = provider.bucket(bucket="acme-raw", path="events/*.parquet")
daily = provider.bucket(bucket="acme-out", path="daily.parquet")

@{clean_on}.task()
def clean(part) -> pl.LazyFrame:
    return part.scan()

@local_exec.task()
def combine(parts: list[pl.LazyFrame]) -> None:
    daily.write(pl.concat(parts))

@pipeline(name='p')
def p():
    combine([clean(e) for e in events.partitions()])
"""


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
    invalid(_mapped("DatabricksConfig, GcpConfig", """\
provider = Provider(config=GcpConfig(project_id="acme", region="europe-west1"))
local_exec = provider.local()
worker = provider.cluster(config=DatabricksConfig(num_workers=2))
""", "worker"),
            (7, 10, 7, 66, ("executor `worker`: Databricks on GCP is not generated (the workspace belongs to a "
                            "Databricks account, outside the google provider); no infrastructure is generated for it")),
            (21, 14, 21, 22, "node `clean` of pipeline `p` maps task `clean` over the partitions of `events` "
                             "on executor `worker`, which GCP's orchestration does not map over yet")),
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import AzureConfig, DatabricksConfig
import polars as pl

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000049"))
spark = provider.cluster(config=DatabricksConfig(cluster_id="0101-123456-abcdefgh"))
raw = provider.bucket(bucket="raw", path="raw.parquet")

@spark.task()
def clean(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return clean(raw)
""",
            (6, 9, 6, 85, ("executor `spark`: cluster_id '0101-123456-abcdefgh' names an existing cluster, but on "
                           "Azure the module creates the Databricks workspace, and each run of the orchestration "
                           "starts a job cluster of its own (its environment carries the run's storage token)"))),
    # Spark settings and schedules of one cloud only.
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import AwsConfig, SparkConfig
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
spark = provider.cluster(config=SparkConfig(spark_version="2.4"))
raw = provider.bucket(bucket="acme-raw", path="raw.parquet")
out = provider.bucket(bucket="acme-out", path="out.parquet")

@spark.task()
def copy(source) -> None:
    out.write(source.scan())

@pipeline(name='p')
def p():
    copy(raw)
""",
          (6, 9, 6, 66, "executor `spark`: no EMR release is known for Spark 2.4 (known: 3.1, 3.2, 3.3, 3.4, 3.5)")),
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import GcpConfig, SparkConfig
import polars as pl

provider = Provider(config=GcpConfig(project_id="acme", region="europe-west1"))
spark = provider.cluster(config=SparkConfig(instance_type="huge"))
raw = provider.bucket(bucket="acme-raw", path="raw.parquet")
out = provider.bucket(bucket="acme-out", path="out.parquet")

@spark.task()
def copy(source) -> None:
    out.write(source.scan())

@pipeline(name='p', schedule="rate(7 minutes)")
def p():
    copy(raw)
""",
          (6, 9, 6, 67, "executor `spark`: instance_type 'huge' is not a Compute Engine machine type"),
          (14, 30, 14, 47, ("pipeline `p`: schedule 'rate(7 minutes)' cannot run on GCP: every 7 minutes is no "
                            "unix-cron schedule (Cloud Scheduler); use a rate that divides the next unit, or a "
                            "cron(...) expression"))),
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureFunctionConfig, SparkConfig
import polars as pl

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000009"))
fn = provider.serverless(config=AzureFunctionConfig())
spark = provider.cluster(config=SparkConfig(spark_version="3.3", release_label="emr-7.1.0"))
raw = provider.bucket(bucket="raw", path="raw.parquet")
out = provider.bucket(bucket="out", path="out.parquet")

@fn.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@spark.task()
def save(frame: pl.LazyFrame) -> None:
    out.write(frame)

@pipeline(name='p', schedule="cron(0 12 * * ? 2030)")
def p():
    save(load(raw))
""",
          (7, 9, 7, 93, "executor `spark`: release_label is an EMR setting; HDInsight has no EMR releases"),
          (19, 30, 19, 53, ("pipeline `p`: schedule 'cron(0 12 * * ? 2030)' has no NCRONTAB equivalent for the Azure "
                            "Functions timer that starts it: NCRONTAB has no year field (the year is `2030`); write "
                            "`*`"))),
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
    valid(_mapped("AwsConfig", """\
provider = Provider(config=AwsConfig(region="eu-west-1"))
local_exec = provider.local()
""", "local_exec")),
    # GCP maps over objects on its job executors too: a Cloud Batch job (vm) or Dataproc job per object.
    valid(_mapped("ComputeEngineConfig, GcpConfig", """\
provider = Provider(config=GcpConfig(project_id="acme", region="europe-west1"))
local_exec = provider.local()
worker = provider.vm(config=ComputeEngineConfig(machine_type="n2-standard-4", disk_size=50))
""", "worker")),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
