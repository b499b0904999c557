"""Cloud entry points trust nothing in the invocation event: unpack the real Lambda package of a build
and call its entry functions with hostile events."""

from __future__ import annotations

import pytest

from glacierc.driver import build
from tests.terraform_tools import extract, load_module
from tests.test_runner_support import EXAMPLES, copy_data


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    result = build([str(EXAMPLES / "aws_etl" / "pipeline.py")], out / "out", {})
    package = (out / "out" / "terraform" / "lambda" / "lambda_exec.zip").read_bytes()
    assert result.written
    return load_module(extract(package, out / "pkg") / "handler.py", "handler_entry_events")


@pytest.mark.parametrize("event, refused", [
    ({"checkpoint": "s3://attacker/payload"}, "refused event keys 'checkpoint'"),
    ({"data_dir": "/etc", "storage_options": {}}, "refused event keys 'data_dir', 'storage_options'"),
    ({"node": "extract"}, r"node 'extract' is not run by this function; it runs \['clean'\]"),
    ({"node": ["clean"]}, "`node` must be a string, got list"),
    (["clean"], "expected a JSON object, got list"),
    ({"run_id": "../../etc"}, r"`run_id` must match \[A-Za-z0-9_-\]\{1,64\}"),
])
def test_hostile_events_are_refused(handler, event, refused):
    with pytest.raises((RuntimeError, ValueError), match=refused):
        handler.task_clean(event, None)


def test_a_node_that_exchanges_results_needs_the_configured_store(handler, monkeypatch):
    monkeypatch.delenv("GLACIER_STAGING_URI", raising=False)
    with pytest.raises(RuntimeError, match=r"set GLACIER_STAGING_URI__aws_5Fetl \(or GLACIER_STAGING_URI\) on this function"):
        handler.task_clean({"pipeline": "aws_etl"}, None)


def test_the_store_comes_from_the_environment(handler, monkeypatch, tmp_path):
    data = copy_data("aws_etl", tmp_path)
    monkeypatch.setenv("GLACIER_DATA_DIR", str(data))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "staging"))
    runner = handler._load("glacier_runners/aws_etl.py")
    assert runner.run_node("extract", {"run_id": "r1"})["status"] == "ok"
    assert handler.task_clean({"run_id": "r1"}, None)["status"] == "ok"
    assert sorted(p.name for p in (tmp_path / "staging" / "r1").iterdir()) == [
        "clean.json", "clean.parquet", "extract.json", "extract.parquet"]
