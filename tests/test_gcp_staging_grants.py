"""The staged results interpreted GCP runs really wrote, asked of the IAM Conditions of the same build.

Each test runs a built workflow with tests/gcp_workflows_interpreter.py (the functions' own `main.py`, the
jobs' own `job.py`, Cloud Storage as local folders: tests/test_gcp_workflows_e2e.py's `Cloud`), then reads
the build's bucket bindings back (tests/iam_terraform.py) into the evaluator of exactly the CEL the generator
emits (tests/iam_eval_gcp.py: `startsWith`, `extract`, `==`, `!=`, `&&`, `||`). For every object the run
staged (`<execution>/<node>.*`, a mapped node's `<execution>/<node>/<index>.*`): the service account of
the node's executor may write it, those of the nodes consuming it may read it (and list a mapped node's
folder), every other account may do neither, and no account may write that key in another pipeline's
staging bucket unless that pipeline has a node of the same name on its executor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from iam_terraform import Module
from test_gcp_workflows_e2e import ORDERS, ORDERS_DATA, Cloud, _built, _orders_cloud
from test_iam_semantics import _gcp_identities, _has_node_named, _staging_buckets
from test_partitions_gcp import FIXTURE as DAILY
from test_partitions_gcp import execution as daily_execution
from test_partitions_gcp_jobs import FIXTURE as MAP_JOBS
from test_partitions_gcp_jobs import _execution as map_jobs_execution

from glacierc.driver import compile_project
from glacierc.ir.nodes import Pipeline


def staged(cloud: Cloud, run: str) -> list[tuple[str, str]]:
    """(bucket label, key) of every object the run staged, in the stand-in's bucket folders."""
    return sorted((bucket.name, path.relative_to(bucket).as_posix()) for bucket in cloud.staging.iterdir()
                  if bucket.is_dir() for path in (bucket / run).rglob("*") if path.is_file())


def staged_node(key: str) -> str:
    """The node whose result `key` is: `<execution>/<node>.<suffix>` or `<execution>/<node>/<item>`."""
    rest = key.split("/", 1)[1]
    return rest.split("/", 1)[0] if "/" in rest else rest.split(".", 1)[0]


def assert_grants_fit_the_run(source: Path, module_dir: Path, cloud: Cloud, run: str) -> int:
    """Check every staged object of `run` (see the module docstring); how many were checked."""
    project = compile_project([source]).project
    module = Module.read([p.read_text(encoding="utf-8") for p in sorted(module_dir.glob("*.tf"))])
    identities = _gcp_identities(module)
    names = {label: module.bucket_name("google_storage_bucket", label, body)
             for label, body in module.of_type("google_storage_bucket").items()}
    staging = _staging_buckets(project, module)
    pipelines = {bucket: p for p in project.pipelines for name, bucket in staging.items() if name == p.name}
    found = staged(cloud, run)
    for label, key in found:
        bucket = names[label]
        pipeline = pipelines[bucket]
        node = staged_node(key)
        writer, readers = _executors(pipeline, node)
        for identity in identities:
            who = (identity.executor, bucket, key)
            assert identity.can("write", bucket, key) == (identity.executor == writer), who
            may_read = identity.executor == writer or identity.executor in readers
            assert identity.can("read", bucket, key) == may_read, who
            if key.count("/") == 2 and identity.executor in readers:  # a mapped node's items: listed, then read
                assert identity.can("list", bucket, key.rsplit("/", 1)[0] + "/"), who
            for other in set(staging.values()) - {bucket}:
                if not _has_node_named(project, other, staging, node, identity.executor):
                    assert not identity.can("write", other, key), (identity.executor, other, key)
    return len(found)


def _executors(pipeline: Pipeline, node: str) -> tuple[str, set[str]]:
    """The executor writing `node`'s result and those of the nodes reading it (data edges)."""
    executors = {n.id: n.executor for n in pipeline.nodes}
    return executors[node], {executors[e.target] for e in pipeline.edges if e.source == node and e.kind == "data"}


def test_the_orders_run_stages_only_what_its_grants_allow(tmp_path):
    module, _ = _built(ORDERS, tmp_path)
    cloud = _orders_cloud(tmp_path, module, "grants", ORDERS_DATA)
    cloud.interpreter("orders", "run-grants").run()
    assert assert_grants_fit_the_run(ORDERS, module, cloud, "run-grants") >= 4


@pytest.mark.parametrize(("source", "execution"), [(DAILY, daily_execution), (MAP_JOBS, map_jobs_execution)],
                         ids=["functions", "batch_and_dataproc"])
def test_a_mapped_run_stages_its_items_where_only_its_grants_allow(source, execution, tmp_path):
    module, _ = _built(source, tmp_path)
    cloud, interpreter, *_ = execution(module, tmp_path, "grants")
    interpreter.run()
    checked = assert_grants_fit_the_run(source, module, cloud, "run-grants")
    assert checked >= 8 and any(key.count("/") == 2 for _, key in staged(cloud, "run-grants"))

