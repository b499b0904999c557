"""A pipeline whose Functions nodes are on two function apps of one Azure provider: an orchestration calls
only its own app's activities, so the home app hosts the other app's groups as activities too, with that
executor's roles on its identity and a functionTimeout covering its tasks. Replayed by the SDK
(tests/azure_durable.py) with the activities on local files (GLACIER_DATA_DIR)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest
from terraform_tools import read_blocks

from glacierc.driver import build

SOURCE = '''import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureFunctionConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000044"))
front = provider.serverless(config=AzureFunctionConfig(timeout=300))
back = provider.serverless(config=AzureFunctionConfig(plan="EP1", timeout=900))
raw = provider.bucket(bucket="raw", path="in.parquet")
out = provider.bucket(bucket="out", path="out.parquet")
side = provider.bucket(bucket="side", path="side.parquet")


@front.task()
def load(source) -> pl.LazyFrame:
    return source.scan()


@back.task(timeout=240)
def heavy(frame: pl.LazyFrame) -> pl.LazyFrame:
    doubled = frame.with_columns(b=pl.col("a") * 2)
    side.write(doubled)
    return doubled


@front.task()
def save(frame: pl.LazyFrame) -> None:
    out.write(frame)


@pipeline(name="p")
def p():
    save(heavy(load(raw)))
'''


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hosted")
    (root / "pipeline.py").write_text(SOURCE, encoding="utf-8")
    result = build([str(root / "pipeline.py")], root / "out", {})
    assert not result.has_errors, [d.message for d in result.diagnostics]
    notes = [d.message for d in result.diagnostics if d.code == "GLC409"]
    assert notes == ["pipeline `p`: Durable Functions orchestrator `orchestrate_p` in function app `front` with 3 "
                     "activities over 3 levels; no nodes fused; node heavy of another function app runs as "
                     "activities of that app too"]
    return root / "out"


def test_the_other_apps_group_runs_as_an_activity_of_the_home_app(built, tmp_path, monkeypatch):
    pytest.importorskip("azure.durable_functions")
    from azure_durable import Host, load_app

    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    pl.DataFrame({"a": [1, 2]}).write_parquet(data / "raw" / "in.parquet")
    monkeypatch.setenv("GLACIER_DATA_DIR", str(data))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "staging"))
    app = load_app((built / "terraform" / "functions" / "front.zip").read_bytes(), tmp_path / "app")
    host = Host(app, "orchestrate_p")
    state = host.run()
    assert state["isDone"] and state.get("error") is None, state
    assert [(c.activity, c.error) for c in host.calls] == [("run_p__load", None), ("run_p__heavy", None),
                                                           ("run_p__save", None)]
    assert pl.read_parquet(data / "out" / "out.parquet")["b"].to_list() == [2, 4]


def test_the_home_app_gets_the_hosted_executors_roles_and_timeout(built):
    package = zipfile.ZipFile(io.BytesIO((built / "terraform" / "functions" / "front.zip").read_bytes()))
    assert json.loads(package.read("host.json"))["functionTimeout"] == "00:05:00"  # heavy's 240 s, front's 300 s cap
    resources = read_blocks(built / "terraform")
    grants = {(a["scope"], a["role_definition_name"], a["principal_id"])
              for a in resources["azurerm_role_assignment"].values() if "role_definition_name" in a}
    front = "${azurerm_user_assigned_identity.front.principal_id}"
    back = "${azurerm_user_assigned_identity.back.principal_id}"
    side, raw = "${azurerm_storage_container.side.id}", "${azurerm_storage_container.raw.id}"
    # heavy (back) writes side: back's identity has the role, and so has the home app's, which runs heavy
    assert {(scope, role) for scope, role, who in grants if who == back} == {(side, "Storage Blob Data Contributor")}
    assert (side, "Storage Blob Data Contributor", front) in grants and (raw, "Storage Blob Data Reader", front) in grants
