"""GLC413 vm-image-not-used: a boot image written for a GCP vm executor, whose nodes run as Cloud Batch jobs.

A GCP pipeline's workflow runs the nodes of a `ComputeEngineConfig` executor as Cloud Batch jobs
(docs/cloud-gcp.md): a container on Batch's own VM image, on the config's machine type, disk size, zone and
external IP. No Compute Engine instance is created, so an `image=` written in the code has no effect.
"""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir import nodes as ir

CODE = "GLC413"
NAME = "vm-image-not-used"
SEVERITY = Severity.WARNING
TITLE = "a GCP vm executor's boot image is not used"
WHAT = "Reports `ComputeEngineConfig(image=...)` on an executor of a GCP provider."
WHY = ("The vm nodes of a GCP pipeline run as Cloud Batch jobs: a `python:3.11-slim` container on the VM image "
       "Batch chooses, so the image written in the code would silently not be the one that runs. The machine "
       "type, disk size, zone and external IP are applied.")

IMAGE = Message(CODE, SEVERITY, "executor `{executor}`: image {image} is not used: its nodes run as Cloud Batch jobs "
                "in a container on Batch's own VM image",
                help="remove image= (what the job needs goes into the task code; the container installs Polars)")

HEAD = """from glacier import Provider, pipeline
from glacier.config import ComputeEngineConfig, GcpConfig
import polars as pl

provider = Provider(config=GcpConfig(project_id="acme-vm"))
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
    invalid(HEAD + "worker = provider.vm(config=ComputeEngineConfig(image='ubuntu-os-cloud/ubuntu-2404-lts'))\n"
            + BODY,
            (6, 10, 6, 90, "executor `worker`: image 'ubuntu-os-cloud/ubuntu-2404-lts' is not used: its nodes run "
                           "as Cloud Batch jobs in a container on Batch's own VM image")),
)
VALID = (
    valid(HEAD + "worker = provider.vm(config=ComputeEngineConfig(machine_type='n2-standard-8'))\n" + BODY),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    gcp = {p.name for p in project.providers if p.cloud == ir.Cloud.GCP}
    for executor in project.executors:
        if executor.provider not in gcp or executor.config_type != "ComputeEngineConfig" or executor.config is None:
            continue
        written = dict(executor.config.fields)
        if "image" in written:
            yield IMAGE.diagnostic(executor.span, executor=executor.name, image=repr(written["image"]))
