"""GLC409 durable-orchestration: what the Durable Functions orchestration of an Azure pipeline runs.

Reported by `glacierc/backends/terraform/azure_pipelines.py` at build time (a `note:` line of `glacierc
build`); this module holds its code, documentation and cases. The Azure counterpart of GLC407 (AWS) and
GLC408 (GCP). A schedule that no timer (NCRONTAB) expression can express is GLC401, with its span.
"""

from __future__ import annotations

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC409"
NAME = "durable-orchestration"
SEVERITY = Severity.INFO
TITLE = "the activities of an Azure pipeline's orchestration and the nodes that share one"
WHAT = ("Reports, for every pipeline deployed to Azure, the Durable Functions orchestrator that runs it, in "
        "which function app, how many activities over how many levels, and which nodes are fused: nodes on one "
        "executor that feed each other run in one activity, so their LazyFrames flow in memory; only values "
        "crossing an executor boundary are staged. Local-executor nodes run as activities of that function "
        "app, and so do the groups of another function app of the provider; nodes on VMs, HDInsight and "
        "Databricks are named with the run each group or object becomes there; nodes the orchestration cannot run "
        "(another provider's executors) are named, and the orchestration fails there rather than skipping them.")
WHY = ("Activities are what a run costs on Azure, and a fused group fails and retries as one; the build says "
       "so rather than leaving it to be discovered in the portal.")

#: Its messages (templates: the reporting site fills in the fields).
#: `fused`, `local`, `stops` and `timer` are clauses (`; ...`) of terraform/azure_orchestration.py
#: `note_fields`.
ACTIVITIES = Message(CODE, SEVERITY, "pipeline `{pipeline}`: Durable Functions orchestrator `{orchestrator}` in "
                     "function app `{app}` with {activities} over {levels}{fused}{local}{stops}{timer}")
NO_HOME = Message(CODE, SEVERITY, "pipeline `{pipeline}`: no orchestration on Azure: none of its nodes runs in a "
                  "function app or on a local executor of this provider")

AZURE_HEAD = """from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureFunctionConfig
import polars as pl

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000009"))
local_exec = provider.local()
fn = provider.serverless(config=AzureFunctionConfig())
raw = provider.bucket(bucket="data", path="raw.parquet")

"""

INVALID = (
    invalid(AZURE_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@fn.task(retries=2)
def clean(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.drop_nulls()

@fn.task()
def count(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.select(pl.len())

@pipeline(name='p', schedule='rate(1 day)')
def p():
    return count(clean(load(raw)))
""",
            (23, 1, 24, 35, "pipeline `p`: Durable Functions orchestrator `orchestrate_p` in function app `fn` "
                            "with 2 activities over 2 levels; one activity each for clean + count; local node "
                            "load runs as an activity of that app; timer `0 0 0 * * *`"),
            stage="build"),
)
VALID = (
    valid(AZURE_HEAD.replace("AzureConfig(subscription_id=\"00000000-0000-0000-0000-000000000009\")", "LocalConfig()")
          .replace("AzureConfig, AzureFunctionConfig", "LocalConfig").replace(
              "fn = provider.serverless(config=AzureFunctionConfig())\n", "") + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""", stage="build"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
