"""GLC417 map-parallelism-capped: a GCP map asking for more runs at once than Cloud Workflows runs.

A mapped node of a GCP pipeline is a `parallel` `for` of its workflow (docs/cloud-gcp.md), whose
`concurrency_limit` is the map's `partitions(max_parallel=...)`; Cloud Workflows runs at most
WORKFLOWS_CONCURRENCY_MAX branches and iterations of an execution at once, so the generator writes that
limit instead of a larger value. The backend (gcp_workflows_map.py) takes the limit from here.
"""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir import nodes as ir

CODE = "GLC417"
NAME = "map-parallelism-capped"
SEVERITY = Severity.WARNING
TITLE = "a GCP map's max_parallel is more than Cloud Workflows runs at once"
WHAT = ("Reports `partitions(max_parallel=N)` above 20 on a node that a GCP provider's workflow maps over its "
        "objects.")
WHY = ("Cloud Workflows runs at most 20 iterations of an execution at once, so the workflow's `concurrency_limit` "
       "is 20, not N: the map would silently run slower than the code says.")

#: What one Cloud Workflows execution runs at once (its branches and iterations).
WORKFLOWS_CONCURRENCY_MAX = 20

CAPPED = Message(CODE, SEVERITY, "node `{node}` of pipeline `{pipeline}`: max_parallel={requested} is cut to "
                 "{limit} on GCP (Cloud Workflows runs at most {limit} iterations of an execution at once)",
                 help="write max_parallel={limit} or less, or leave it out (default: 20 Cloud Functions, 10 Cloud "
                      "Batch jobs or 4 Dataproc jobs at once)")

HEAD = """from glacier import Provider, pipeline
from glacier.config import CloudFunctionConfig, GcpConfig
import polars as pl

provider = Provider(config=GcpConfig(project_id="acme"))
fn = provider.serverless(config=CloudFunctionConfig(memory=512))
events = provider.bucket(bucket="acme-raw", path="events/*.parquet")
daily = provider.bucket(bucket="acme-out", path="daily.parquet")

@fn.task()
def clean(part) -> pl.LazyFrame:
    return part.scan()

@fn.task()
def combine(parts: list[pl.LazyFrame]) -> None:
    daily.write(pl.concat(parts))

@pipeline(name='p')
def p():
"""

INVALID = (
    invalid(HEAD + "    combine([clean(e) for e in events.partitions(max_parallel=50)])\n",
            (20, 14, 20, 22, "node `clean` of pipeline `p`: max_parallel=50 is cut to 20 on GCP (Cloud Workflows "
                             "runs at most 20 iterations of an execution at once)")),
)
VALID = (
    valid(HEAD + "    combine([clean(e) for e in events.partitions(max_parallel=20)])\n"),
    # Another cloud takes more: a Distributed Map's MaxConcurrency.
    valid(HEAD.replace('GcpConfig(project_id="acme")', 'AwsConfig(region="us-east-1")').replace(
        "CloudFunctionConfig, GcpConfig", "AwsConfig, LambdaConfig").replace("CloudFunctionConfig", "LambdaConfig")
          + "    combine([clean(e) for e in events.partitions(max_parallel=50)])\n"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    gcp = {p.name for p in project.providers if p.cloud == ir.Cloud.GCP}
    on_gcp = {e.name for e in project.executors if e.provider in gcp}
    for pipeline in project.pipelines:
        for node in pipeline.nodes:
            requested = node.map_limits.max_parallel
            if (node.map is None or node.map_after is not None or node.executor not in on_gcp or requested is None
                    or requested <= WORKFLOWS_CONCURRENCY_MAX):
                continue
            yield CAPPED.diagnostic(node.span, node=node.id, pipeline=pipeline.name, requested=requested,
                                    limit=WORKFLOWS_CONCURRENCY_MAX)
