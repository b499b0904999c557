"""A mapped Functions task on Azure, end to end offline: the generated orchestrator replayed by the Durable
SDK (tests/azure_durable.py), its listing activity listing Azurite's container, one activity per object in
batches of the map's `max_parallel`, the items staged in Azurite and read back by the combining activity.
Outputs equal the local runner's (`glacierc run --data-dir`) on the same files, tolerated failures included;
one failure more fails the orchestration naming the node and the objects."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from azure_durable import Host, azurite_environment, azurite_or_skip, blob_service, load_app

from tests.helpers import FIXTURES
from tests.test_partitions_library import write_events

pytest.importorskip("azure.durable_functions", reason="azure-functions-durable (dev extra) drives the orchestrator")

FIXTURE = FIXTURES / "partitions" / "azure_daily" / "pipeline.py"
RAW, CURATED = "glacier-maps-raw", "glacier-maps-curated"
OUTPUT = "daily/countries.parquet"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from glacierc.driver import build

    out = tmp_path_factory.mktemp("azure_maps") / "out"
    result = build([str(FIXTURE)], out, {})
    assert not result.has_errors, [d.message for d in result.diagnostics]
    return out


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    yield from azurite_or_skip(tmp_path_factory)


@pytest.fixture()
def app(built, azurite, tmp_path, monkeypatch):
    """The fn app's package, imported, with the settings Azure would give it pointing at Azurite."""
    from test_azure_durable_e2e import _staging_container

    staging = _staging_container(built, "daily")
    service = blob_service(azurite, (RAW, CURATED, staging), empty=True)
    settings = {"GLACIER_STAGING_URI__daily": f"az://{staging}", **azurite_environment(azurite)}
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    module = load_app((built / "terraform" / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    return module, service


def events(data: Path, bad: tuple[int, ...] = ()) -> None:
    """tests/test_partitions_library.py's day files (and a file the glob skips, a hidden one) in RAW; the days
    in `bad` lack the column the mapped task filters on."""
    write_events(data, count=4)
    (data / "raw").rename(data / RAW)
    for day in bad:
        path = data / RAW / "events" / "2026" / f"day-{day:02}.parquet"
        pl.read_parquet(path).drop("user_id").write_parquet(path)


def upload(service, data: Path) -> None:
    for path in sorted((data / RAW).rglob("*")):
        if path.is_file():
            name = path.relative_to(data / RAW).as_posix()
            service.get_blob_client(RAW, name).upload_blob(path.read_bytes(), overwrite=True)


def local_output(data: Path) -> pl.DataFrame:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE", "GLACIER"))}
    done = subprocess.run([sys.executable, "-m", "glacierc", "run", str(FIXTURE), "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return pl.read_parquet(data / CURATED / OUTPUT)


def cloud_output(service) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(service.get_blob_client(CURATED, OUTPUT).download_blob().readall()))


def orchestration(module, instance: str) -> Host:
    (orchestrator,) = module.ORCHESTRATORS.values()
    return Host(module, orchestrator, instance_id=instance)


@pytest.mark.parametrize("bad", [(), (2,)], ids=["all", "one_tolerated"])
def test_the_map_fans_out_per_object_in_batches_and_equals_the_local_runner(app, tmp_path, bad):
    module, service = app
    events(tmp_path / "cloud", bad)
    upload(service, tmp_path / "cloud")
    host = orchestration(module, f"0000000000000000000000000000000{len(bad)}")
    state = host.run()
    assert state["isDone"] and state.get("error") is None, state
    # the listing keeps the objects the glob matches; then the objects, three at once (max_parallel=3)
    assert [a["functionName"] for a in host.actions] == [
        "list_daily__clean", *["run_daily__clean"] * 4, "run_daily__combine"]
    items = [c.event for c in host.calls if c.activity == "run_daily__clean"]
    assert [(e["item"], e["index"]) for e in items] == [(f"events/2026/day-{i:02}.parquet", str(i)) for i in range(4)]
    mapped = next(g for g in state["output"]["groups"] if g.get("group") == "clean")
    assert (mapped["items"], mapped["failed"]) == (4, len(bad))
    events(tmp_path / "local", bad)
    assert cloud_output(service).equals(local_output(tmp_path / "local"))


def test_one_failure_more_than_tolerated_fails_the_orchestration_naming_the_node_and_objects(app, tmp_path):
    module, service = app
    events(tmp_path / "cloud", bad=(0, 3))
    upload(service, tmp_path / "cloud")
    host = orchestration(module, "badbadbadbadbadbadbadbadbadbad00")
    state = host.run()
    assert state.get("output") is None
    error = state["error"]
    assert "glacier.NodeFailed: node `clean` (task `clean`, pipeline.py:" in error
    assert "failed on 2 of 4 objects of dataset `events` (1 tolerated)" in error
    assert "events/2026/day-00.parquet: NodeFailed" in error and "events/2026/day-03.parquet" in error
    assert "run_daily__combine" not in [c.activity for c in host.calls]
    assert not service.get_container_client(CURATED).get_blob_client(OUTPUT).exists()


def test_items_are_staged_per_node_and_listed_only_there(built):
    from glacierc.backends.terraform.azure_orchestration import path_condition

    iam = (built / "terraform" / "iam.tf").read_text(encoding="utf-8")
    condition = path_condition(["daily-*/clean/*"], [])
    assert "SubOperationMatches{'Blob.List'}" in condition
    assert "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix] StringLike " \
           "'daily-*/clean/'" in condition
    assert "StringLike 'daily-*/clean/*'" in iam  # the items' blobs (runs are `daily-<instance id>`)
    assert "blobs:prefix] StringLike 'daily-*/clean/'" in iam  # the one listing allowed
    assert "-*/clean.*" not in iam


def test_a_mapped_node_on_databricks_is_a_run_per_object_on_azure(tmp_path):
    """vm and HDInsight maps run (tests/test_azure_remote_maps.py), and so do Databricks ones: no GLC401, and the
    build's note says one one-time job run per object (replayed in tests/test_azure_databricks_runs.py)."""
    from glacierc.driver import build

    source = FIXTURE.read_text(encoding="utf-8").replace(
        "fn = provider.serverless(config=AzureFunctionConfig(timeout=120))", "fn = provider.cluster(config=DatabricksConfig())")
    (tmp_path / "pipeline.py").write_text(source.replace("AzureFunctionConfig", "DatabricksConfig"), encoding="utf-8")
    result = build([str(tmp_path / "pipeline.py")], tmp_path / "out", {})
    assert not [d for d in result.diagnostics if d.code == "GLC401"]
    (note,) = [d.message for d in result.diagnostics if d.code == "GLC409"]
    assert "node clean runs on Databricks, a one-time job run per object" in note


def test_a_chain_of_mapped_tasks_is_one_activity_per_object_like_the_local_runner(azurite, tmp_path, monkeypatch):
    from test_azure_durable_e2e import _staging_container

    from glacierc.driver import build

    shrink = '\n\n@fn.task(timeout=20)\ndef shrink(frame: pl.LazyFrame) -> pl.LazyFrame:\n    return frame.select("country")\n'
    text = FIXTURE.read_text(encoding="utf-8").replace("\n\n@local_exec.task()", shrink + "\n\n@local_exec.task()", 1)
    source = tmp_path / "pipeline.py"
    source.write_text(text.replace("[clean(p) for p", "[shrink(clean(p)) for p"), encoding="utf-8")
    assert not build([str(source)], tmp_path / "out", {}).has_errors
    staging = _staging_container(tmp_path / "out", "daily")
    service = blob_service(azurite, (RAW, CURATED, staging), empty=True)
    for key, value in {"GLACIER_STAGING_URI__daily": f"az://{staging}", **azurite_environment(azurite)}.items():
        monkeypatch.setenv(key, value)
    module = load_app((tmp_path / "out" / "terraform" / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    events(tmp_path / "cloud")
    upload(service, tmp_path / "cloud")
    host = orchestration(module, "c0ffeec0ffeec0ffeec0ffeec0ffee00")
    state = host.run()
    assert state["isDone"] and state.get("error") is None, state
    assert [a["functionName"] for a in host.actions] == [
        "list_daily__clean", *["run_daily__clean"] * 4, "run_daily__combine"]  # no activity of shrink's own
    staged = sorted(b.name.split("/", 1)[1] for b in service.get_container_client(staging).list_blobs()
                    if b.name.endswith(".json"))
    assert staged == [f"shrink/{i}.json" for i in range(4)]
    events(tmp_path / "local")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE", "GLACIER"))}
    done = subprocess.run([sys.executable, "-m", "glacierc", "run", str(source), "--data-dir", str(tmp_path / "local")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert cloud_output(service).equals(pl.read_parquet(tmp_path / "local" / CURATED / OUTPUT))
