"""Mapped nodes on an Azure VM and on HDInsight: the Durable fan-out runs each listed object as that executor's
own run, a Run Command or a Livy batch per object, a batch of the map's `max_parallel` at once. The SDK replays
the home app's orchestrator (tests/azure_durable.py); the listing activity lists Azurite's container; the
stand-ins of Resource Manager (tests/test_azure_vm_groups.py) and of Livy (tests/test_azure_cluster_runs.py)
run each object's job (the built job.py with ITEM INDEX) against Azurite. The outputs equal the local runner's;
each object's result is staged under its index; a bad object is counted against the map's tolerance."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
from azure_durable import Host, azurite_environment, azurite_or_skip, blob_service, load_app, local_outputs
from terraform_tools import read_blocks
from test_azure_cluster_runs import FILESYSTEM, PASSWORD, livy
from test_azure_vm_groups import azure

from tests.helpers import build_source

SOURCE = '''import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureVMConfig, SparkConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000050"))
local_exec = provider.local()
vm = provider.vm(config=AzureVMConfig(size="Standard_D4s_v5"))
spark = provider.cluster(config=SparkConfig(spark_version="3.3", num_workers=2))
events = provider.bucket(bucket="raw", path="events/*.parquet")
doubled = provider.bucket(bucket="out", path="doubled.parquet")
kept = provider.bucket(bucket="out", path="kept.parquet")


@vm.task()
def heavy(part) -> pl.LazyFrame:
    return part.scan().with_columns(b=pl.col("a") * 2)


@spark.task(retries=1)
def spark_job(part) -> pl.LazyFrame:
    return part.scan().filter(pl.col("a") > 1)


@local_exec.task()
def combine(first: list[pl.LazyFrame], second: list[pl.LazyFrame]) -> None:
    doubled.write(pl.concat(first).sort("a"))
    kept.write(pl.concat(second).sort("a"))


@pipeline(name="p")
def p():
    combine([heavy(e) for e in events.partitions(max_parallel=2)],
            [spark_job(e) for e in events.partitions(tolerated_failures=1)])
'''
OBJECTS = {"events/2026-01-01.parquet": [1, 2], "events/2026-01-02.parquet": [3], "events/2026-01-03.parquet": [4, 5]}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_source(SOURCE, tmp_path_factory.mktemp("remote_maps"))


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    yield from azurite_or_skip(tmp_path_factory)


def _run(built: Path, azurite: str, tmp_path: Path, monkeypatch, objects: dict[str, bytes]):
    """The orchestration, replayed, with both stand-ins; returns the host, the blob service and what each saw."""
    pytest.importorskip("azure.durable_functions")
    staging = read_blocks(built / "terraform")["azurerm_storage_container"]["p_staging"]["name"]
    service = blob_service(azurite, ("raw", "out", staging), empty=True)
    for name, data in objects.items():
        service.get_blob_client("raw", name).upload_blob(data)
    storage = azurite_environment(azurite)
    for key, value in storage.items():
        monkeypatch.setenv(key, value)
    module = built / "terraform"
    with azure(module, tmp_path / "vm", None) as (arm, arm_seen), \
            livy(module / "jobs" / "spark", tmp_path / "cluster", azurite) as (cluster, livy_seen):
        vm = {"kind": "vm", "vm": f"{arm}/vm/heavy", "location": "westeurope", "jobs_url": f"{arm}/jobs-vm",
              "client_id": "vm-client", "environment": {}, "poll_seconds": 0.2}
        spark = {"kind": "hdinsight", "cluster": cluster, "user": "glacier-admin",
                 "password_setting": "GLACIER_HDINSIGHT_PASSWORD", "python": "/usr/bin/python3",
                 "job": f"{FILESYSTEM}/jobs/spark/job.py", "files": [f"{FILESYSTEM}/jobs/spark/glacier_runner_p.py"],
                 "environment": {"AZURE_CLIENT_ID": "cluster-client"}, "poll_seconds": 0.2}
        for key, value in {"GLACIER_STAGING_URI__p": f"az://{staging}", "GLACIER_VM_HEAVY": json.dumps(vm),
                           "GLACIER_HDINSIGHT_SPARK": json.dumps(spark), "GLACIER_HDINSIGHT_PASSWORD": PASSWORD,
                           "IDENTITY_ENDPOINT": f"{arm}/msi", "IDENTITY_HEADER": "app-secret",
                           "AZURE_CLIENT_ID": "app-client"}.items():
            monkeypatch.setenv(key, value)
        app = load_app((module / "functions" / "local_exec.zip").read_bytes(), tmp_path / "app")
        host = Host(app, "orchestrate_p", instance_id="feedfeedfeedfeedfeedfeedfeedfeed")
        state = host.run()
    return host, state, service, staging, arm_seen, livy_seen


def _parquet(values: list[int]) -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame({"a": values}).write_parquet(buffer)
    return buffer.getvalue()


def _read(service, container: str, name: str) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(service.get_blob_client(container, name).download_blob().readall()))


def test_each_object_is_its_executors_own_run_and_the_result_is_the_local_runners(built, azurite, tmp_path,
                                                                                  monkeypatch):
    objects = {name: _parquet(values) for name, values in OBJECTS.items()}
    host, state, service, staging, arm_seen, livy_seen = _run(built, azurite, tmp_path, monkeypatch, objects)
    assert state["isDone"] and state.get("error") is None, state
    actions = [a["functionName"] for a in host.actions]
    # heavy's objects two at a time (max_parallel=2), then spark_job's three at once, then combine
    assert actions == ["list_p__heavy", "run_p__heavy", "run_p__heavy", "run_p__heavy",
                       "list_p__spark_job", "run_p__spark_job", "run_p__spark_job", "run_p__spark_job", "run_p__combine"]
    items = [json.loads(a["input"]) for a in host.actions if a["functionName"] == "run_p__heavy"]
    assert [(i["item"], i["index"]) for i in items] == [(name, str(n)) for n, name in enumerate(sorted(OBJECTS))]
    commands = sorted(path.split("?")[0].rsplit("/", 1)[1] for method, path in arm_seen if method == "PUT")
    assert commands == [f"glacier-p-{host.instance_id}-heavy-{n}" for n in range(3)]  # one Run Command each
    batches = [body for method, _, body in livy_seen if method == "POST"]
    assert sorted(b["args"][4:] for b in batches) == [[name, str(n)] for n, name in enumerate(sorted(OBJECTS))]
    assert len({b["name"] for b in batches}) == 3
    staged = {b.name.split("/", 1)[1] for b in service.get_container_client(staging).list_blobs()}
    assert {f"{node}/{n}.parquet" for node in ("heavy", "spark_job") for n in range(3)} <= staged
    data = local_outputs(built, tmp_path / "data", {f"raw/{name}": values for name, values in OBJECTS.items()})
    for name in ("doubled.parquet", "kept.parquet"):
        assert _read(service, "out", name).equals(pl.read_parquet(data / "out" / name)), name


def test_a_bad_object_fails_its_run_and_counts_against_the_maps_tolerance(built, azurite, tmp_path, monkeypatch):
    """spark_job tolerates one failed object, heavy none: one unreadable object fails heavy's map, naming it."""
    objects = {name: _parquet(values) for name, values in OBJECTS.items()}
    objects["events/2026-01-02.parquet"] = b"not parquet"
    host, state, *_ = _run(built, azurite, tmp_path, monkeypatch, objects)
    assert "glacier.NodeFailed: node `heavy` (task `heavy`, pipeline.py:" in state["error"]
    assert "failed on 1 of 3 objects of dataset `events` (0 tolerated): events/2026-01-02.parquet: " in state["error"]
    assert "failed on vm" in state["error"]  # the object's Run Command failed, and the activity said so
    assert "run_p__spark_job" not in [a["functionName"] for a in host.actions]


def test_the_app_may_only_list_the_dataset_the_objects_run_elsewhere(built):
    assignments = read_blocks(built / "terraform")["azurerm_role_assignment"]
    lists = assignments["local_exec_lists_raw"]
    assert (lists["scope"], lists["role_definition_name"]) == ("${azurerm_storage_container.raw.id}",
                                                               "Storage Blob Data Reader")
    blobs = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
    assert lists["condition"] == (
        f"(!(ActionMatches{{'{blobs}/read'}} AND NOT SubOperationMatches{{'Blob.List'}})) AND "
        f"((!(ActionMatches{{'{blobs}/read'}} AND SubOperationMatches{{'Blob.List'}})) OR "
        f"(@Request[{blobs}:prefix] StringStartsWith 'events/'))")
    vm = assignments["vm_p_staging"]["condition"]
    assert "'p-*/heavy/*'" in vm and "spark_job" not in vm and "combine" not in vm
