"""GLC414 databricks-runtime-python: a Databricks job cluster on a runtime whose Python is older than 3.11.

Judged over the IR: every `DatabricksConfig` executor of an AWS or Azure provider that runs on a new job
cluster (no `cluster_id`) and names a `spark_version` (a Databricks runtime version key such as
`15.4.x-scala2.12`). Its runs execute the Glacier runtime and the task code with the cluster's Python;
Polars 2.1 needs Python 3.11, which Databricks Runtime 15.0 and newer ship (13.x and 14.x ship 3.10, 12.x and
older 3.9 or 3.8). A key of another form (`custom:...`, a future scheme) is not judged, nor is an existing
cluster, whose runtime is not in the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir import nodes as ir

CODE = "GLC414"
NAME = "databricks-runtime-python"
SEVERITY = Severity.ERROR
TITLE = "a Databricks runtime whose Python cannot run the Glacier runtime"
WHAT = ("Reports a `DatabricksConfig` executor of an AWS or Azure provider whose job cluster's `spark_version` is a "
        "Databricks runtime older than 15.0.")
WHY = ("A Databricks run executes the node with the cluster's Python. The Glacier runtime and Polars 2.1 need "
       "Python 3.11, which Databricks Runtime 15.0 and newer ship; 13.x and 14.x ship Python 3.10, so every run "
       "would fail when it installs Polars, which would only show at the first execution.")

#: The first Databricks runtime (major, minor) with Python 3.11, and the Python of the older ones.
MINIMUM = (15, 0)
PYTHON_OF_MAJOR = {15: "3.11", 14: "3.10", 13: "3.10", 12: "3.9", 11: "3.9", 10: "3.8", 9: "3.8", 8: "3.8", 7: "3.7"}
#: What a too old runtime becomes: the first long-term-support release with Python 3.11.
SUGGESTED = "15.4"

OLD_RUNTIME = Message(CODE, SEVERITY, "executor `{executor}`: Databricks runtime `{version}` ships Python {python}; "
                      "the Glacier runtime its runs execute needs Python 3.11 (Databricks Runtime 15.0 or newer)",
                      help="did you mean `{suggestion}`? (Databricks Runtime 15.4 LTS, Python 3.11)")
_KEY = re.compile(r"(\d+)\.(\d+)(\.[^\s]*)?")
_CLOUDS = (ir.Cloud.AWS, ir.Cloud.AZURE)


def parse(version: str) -> tuple[int, int, str] | None:
    """(major, minor, the rest of the key) of `14.3.x-scala2.12`, or None for a key of another form."""
    found = _KEY.fullmatch(version.strip())
    return (int(found.group(1)), int(found.group(2)), found.group(3) or "") if found else None


def suggestion(version: str) -> str | None:
    """The nearest supported key to a too old `version` (its variant kept: `-photon-`, `-ml-`, the Scala), or
    None when `version` is supported or not of the known form."""
    parsed = parse(version)
    if parsed is None or parsed[:2] >= MINIMUM:
        return None
    return SUGGESTED + parsed[2]


def check(project: ir.Project) -> Iterator[Diagnostic]:
    clouds = {p.name for p in project.providers if p.cloud in _CLOUDS}
    for executor in project.executors:
        config = executor.config
        if executor.provider not in clouds or executor.config_type != "DatabricksConfig" or config is None:
            continue
        version = config.get("spark_version")
        if config.get("cluster_id") or not isinstance(version, str):
            continue  # an existing cluster's runtime is not in the code; the default is supported
        new = suggestion(version)
        parsed = parse(version)
        if new is not None and parsed is not None:
            yield OLD_RUNTIME.diagnostic(executor.span, executor=executor.name, version=version,
                                         python=PYTHON_OF_MAJOR.get(parsed[0], "3.7 or older"), suggestion=new)


HEAD = """from glacier import Provider, pipeline
from glacier.config import AwsConfig, DatabricksConfig
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
raw = provider.bucket(bucket="data", path="raw.parquet")
"""
BODY = """
@spark.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""

INVALID = (
    invalid(HEAD + "spark = provider.cluster(config=DatabricksConfig(spark_version='14.3.x-scala2.12'))\n" + BODY,
            (7, 9, 7, 84, "executor `spark`: Databricks runtime `14.3.x-scala2.12` ships Python 3.10; the Glacier "
                          "runtime its runs execute needs Python 3.11 (Databricks Runtime 15.0 or newer)")),
    invalid(HEAD + "spark = provider.cluster(config=DatabricksConfig(spark_version='12.2.x-photon-scala2.12'))\n"
            + BODY,
            (7, 9, 7, 91, "executor `spark`: Databricks runtime `12.2.x-photon-scala2.12` ships Python 3.9; the "
                          "Glacier runtime its runs execute needs Python 3.11 (Databricks Runtime 15.0 or newer)")),
)
VALID = (
    valid(HEAD + "spark = provider.cluster(config=DatabricksConfig(spark_version='15.4.x-scala2.12'))\n" + BODY),
    valid(HEAD + "spark = provider.cluster(config=DatabricksConfig(num_workers=2))\n" + BODY),
    valid(HEAD + "spark = provider.cluster(config=DatabricksConfig(cluster_id='0101-123456-abcdefgh', "
                 "spark_version='14.3.x-scala2.12'))\n" + BODY),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
