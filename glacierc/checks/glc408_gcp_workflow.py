"""GLC408 gcp-workflow: what the Cloud Workflows workflow of a GCP pipeline runs.

Reported by `glacierc/backends/terraform/gcp.py` at build time (a `note:` line of `glacierc build`); this
module holds its code, documentation and cases. The GCP counterpart of GLC407 (its own code: the message
counts workflow steps, what Workflows bills, rather than states).
"""

from __future__ import annotations

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC408"
NAME = "gcp-workflow"
SEVERITY = Severity.INFO
TITLE = "the steps of a GCP pipeline's workflow and the nodes that share one invocation"
WHAT = ("Reports, for every pipeline deployed to GCP, how many Cloud Workflows steps a run executes and which "
        "nodes are fused: nodes on one executor that feed each other run in one Cloud Function invocation, one "
        "Dataproc job or one Cloud Batch job, so their LazyFrames flow in memory; only values crossing an "
        "executor boundary are staged. Local-executor nodes run in a generated Cloud Function; nodes the "
        "workflow cannot run (on an executor that gets no infrastructure here) are named, and the workflow "
        "fails there rather than skipping them.")
WHY = ("Steps and invocations are what a run costs on GCP, and a fused group fails and retries as one; "
       "the build says so rather than leaving it to be discovered in the console.")

#: Its messages (templates: the reporting site fills in the fields).
#: `fused`, `local` and `stops` are clauses (`; ...`) of terraform/gcp_orchestration.py `note_fields`.
STEPS = Message(CODE, SEVERITY, "pipeline `{pipeline}`: Cloud Workflows workflow with {steps} for {groups} of "
                "nodes{fused}{local}{stops}")

GCP_HEAD = """from glacier import Provider, pipeline
from glacier.config import GcpConfig
import polars as pl

provider = Provider(config=GcpConfig(project_id="demo", region="us-central1"))
local_exec = provider.local()
raw = provider.bucket(bucket="demo-data", path="raw.parquet")

"""

INVALID = (
    invalid(GCP_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@local_exec.task()
def clean(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.drop_nulls()

@pipeline(name='p')
def p():
    return clean(load(raw))
""",
          (5, 12, 5, 79, "pipeline `p`: Cloud Workflows workflow with 4 steps for 1 group of nodes; "
                         "one invocation each for load + clean; local nodes run in a generated Cloud Function: "
                         "load, clean"),
          stage="build"),
)
VALID = (
    valid("""\
from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

provider = Provider(config=LocalConfig())
local_exec = provider.local()
raw = provider.bucket(bucket='data', path='raw.csv')

@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""", stage="build"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
