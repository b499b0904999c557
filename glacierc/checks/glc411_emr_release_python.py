"""GLC411 emr-release-python: an EMR cluster whose steps a state machine runs, on a release without Python 3.11.

Reported by `glacierc/backends/terraform/aws.py` when it builds the module (`check` runs that build too): the
cluster's bootstrap action installs Python 3.11 with `dnf`, which EMR 7 releases (Amazon Linux 2023) have;
EMR 6 and older run Amazon Linux 2, which has neither `dnf` nor a Python 3.11 package.
"""

from __future__ import annotations

import re

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC411"
NAME = "emr-release-python"
SEVERITY = Severity.ERROR
TITLE = "an EMR release that cannot run the Glacier runtime"
WHAT = ("Reports a `SparkConfig` executor of an AWS pipeline whose EMR release (its `release_label`, or the one "
        "derived from `spark_version`) is older than EMR 7, when the pipeline's state machine runs steps on it.")
WHY = ("A step runs the node with Python 3.11 (Polars 2.1 requires it), which the cluster's bootstrap action "
       "installs on Amazon Linux 2023. EMR 6 and older run Amazon Linux 2: the bootstrap action fails and the "
       "cluster never starts, which would only show at `terraform apply` or at the first execution.")

OLD_RELEASE = Message(CODE, SEVERITY, "executor `{executor}`: EMR release `{release}` runs Amazon Linux 2, which has "
                      "no Python 3.11 for the Glacier runtime its steps run (Polars 2.1 requires it)",
                      help="use an EMR 7 release: SparkConfig(release_label='emr-7.2.0'), or spark_version='3.5'")
#: The first EMR major version on Amazon Linux 2023.
FIRST_MAJOR = 7
_RELEASE = re.compile(r"emr-(\d+)\.")


def too_old(release: str) -> bool:
    """Whether `release` (`emr-6.15.0`) is known to be older than EMR 7 (an unknown form is not judged)."""
    found = _RELEASE.match(release)
    return found is not None and int(found.group(1)) < FIRST_MAJOR


HEAD = """from glacier import Provider, pipeline
from glacier.config import AwsConfig, SparkConfig
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
    invalid(HEAD + "spark = provider.cluster(config=SparkConfig(spark_version='3.4'))\n" + BODY,
            (7, 9, 7, 66, "executor `spark`: EMR release `emr-6.15.0` runs Amazon Linux 2, which has no Python "
                          "3.11 for the Glacier runtime its steps run (Polars 2.1 requires it)")),
)
VALID = (
    valid(HEAD + "spark = provider.cluster(config=SparkConfig(spark_version='3.5'))\n" + BODY),
    valid(HEAD + "spark = provider.cluster(config=SparkConfig(release_label='emr-7.1.0'))\n" + BODY),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
