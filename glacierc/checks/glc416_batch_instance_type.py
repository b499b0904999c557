"""GLC416 batch-instance-type: an AWS vm executor whose instance type glacierc cannot size a Batch job for.

An AWS pipeline's state machine runs a vm executor's nodes as AWS Batch jobs, each asking the whole instance:
its vCPUs and its memory less headroom for the ECS agent (glacierc/checks/ec2_sizes.py, docs/cloud.md "Batch
sizing"). For an instance type outside that table the job asks 1 vCPU and 1,024 MiB, which any instance places
but which leaves most of a large instance idle.
"""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.ec2_sizes import FALLBACK, nominal
from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir import nodes as ir

CODE = "GLC416"
NAME = "batch-instance-type"
SEVERITY = Severity.WARNING
TITLE = "an AWS vm executor's instance type is not in the Batch sizing table"
WHAT = ("Reports `EC2Config(instance_type=...)` on an executor of an AWS provider when the type is not one of the "
        "families glacierc sizes AWS Batch jobs for: t3, t3a and t4g (`micro` to `2xlarge`); m5, m5a, m5n, m6i, "
        "m6a, m6g, m7i, m7a, m7g and the c and r families of the same generations (`large`, `xlarge`, "
        "`<n>xlarge`; the Graviton ones also `medium`).")
WHY = ("A Batch job asks what it needs of its instance in the job definition. glacierc derives it from the instance "
       "type; for a type it does not know the job asks a fixed 1 vCPU and 1,024 MiB, so Polars gets one core and "
       "a 1 GiB container on an instance that may have many more (or the job is killed when the data needs more "
       "memory).")

UNKNOWN = Message(CODE, SEVERITY, "executor `{executor}`: instance type {instance_type} is not in glacierc's Batch "
                  f"sizing table: its jobs ask {FALLBACK[0]} vCPU and {FALLBACK[1]:,} MiB",
                  help="use an instance type of a family the table knows (e.g. m5.xlarge, c6i.2xlarge, r6g.large)")

HEAD = """from glacier import Provider, pipeline
from glacier.config import AwsConfig, EC2Config
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
"""
BODY = """raw = provider.bucket(bucket='acme-vm-raw', path='raw.parquet')

@worker.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""

INVALID = (
    invalid(HEAD + "worker = provider.vm(config=EC2Config(instance_type='x2iedn.xlarge'))\n" + BODY,
            (6, 10, 6, 70, "executor `worker`: instance type 'x2iedn.xlarge' is not in glacierc's Batch sizing "
                           "table: its jobs ask 1 vCPU and 1,024 MiB")),
)
VALID = (
    valid(HEAD + "worker = provider.vm(config=EC2Config(instance_type='r6i.xlarge'))\n" + BODY),
    valid(HEAD + "worker = provider.vm(config=EC2Config())\n" + BODY),  # t3.medium
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    aws = {p.name for p in project.providers if p.cloud == ir.Cloud.AWS}
    for executor in project.executors:
        if executor.provider not in aws or executor.config_type != "EC2Config" or executor.config is None:
            continue
        written = dict(executor.config.fields).get("instance_type")
        if isinstance(written, str) and nominal(written) is None:
            yield UNKNOWN.diagnostic(executor.span, executor=executor.name, instance_type=repr(written))
