"""GLC405 tasks-not-deployed: infrastructure generated, task deployment not generated.

Reported by `glacierc/backends/terraform/azure_rules.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC405"
NAME = "tasks-not-deployed"
SEVERITY = Severity.WARNING
TITLE = "infrastructure generated, task deployment not generated"
WHAT = ("Reports an executor whose infrastructure is generated but whose tasks are not deployed on it by the "
        "generated Terraform (e.g. Databricks jobs in an Azure workspace).")
WHY = "Settings that only apply to jobs must not be silently dropped; you define those jobs yourself."

#: Its messages (templates: the reporting site fills in the fields).
DATABRICKS_JOBS = Message(CODE, SEVERITY, "executor `{executor}`: the Azure module creates the Databricks workspace "
                          "and the executor's identity (an access connector with its storage grants), not the jobs of "
                          "{tasks}; the DatabricksConfig cluster settings (node type {node_type}) apply to jobs you "
                          "define in the workspace",
                          "define the jobs with the databricks provider against the workspace (output "
                          "`databricks_workspaces`)")

INVALID = (
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import AzureConfig, DatabricksConfig
import polars as pl

provider = Provider(config=AzureConfig(subscription_id='00000000-0000-0000-0000-000000000004', location='northeurope'))
spark = provider.cluster(config=DatabricksConfig(num_workers=2))
raw = provider.bucket(bucket='raw', path='raw.parquet')

@spark.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          (6, 9, 6, 65, ("executor `spark`: the Azure module creates the Databricks workspace and the executor's identity "
             "(an access connector with its storage grants), not the jobs of `load`; the DatabricksConfig "
             "cluster settings (node type Standard_DS3_v2) apply to jobs you define in the workspace"))),
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
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
