"""Cloud entry points trust nothing in the invocation event: unpack the real packages of a build (a Lambda
zip, a Cloud Functions source, an Azure Functions app, which share glacierc/entrypoints/serverless.py) and
call their entry functions with hostile events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

from glacierc.driver import build
from tests.terraform_tools import REPO, extract, load_module
from tests.test_runner_support import EXAMPLES, copy_data


def _package(tmp_path_factory, pipeline, package):
    out = tmp_path_factory.mktemp("build")
    result = build([str(pipeline)], out / "out", {})
    assert result.written
    return (out / "out" / "terraform" / package).read_bytes(), out


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    content, out = _package(tmp_path_factory, EXAMPLES / "aws_etl" / "pipeline.py", "lambda/lambda_exec.zip")
    return load_module(extract(content, out / "pkg") / "handler.py", "handler_entry_events")


@dataclass(frozen=True)
class Entry:
    """A task's function of a built package: `call(event)` runs it; it runs node `node` (not `other`)."""

    call: Callable[[object], object]
    node: str
    other: str
    groups: bool  # whether its events may name a fused group


@pytest.fixture(scope="module", params=["aws", "gcp", "azure"])
def entry(request, handler, tmp_path_factory):
    if request.param == "aws":
        return Entry(lambda event: handler.task_clean(event, None), "clean", "extract", True)
    if request.param == "gcp":
        content, out = _package(tmp_path_factory, EXAMPLES / "gcp_analytics" / "pipeline.py",
                                "functions/function_exec.zip")
        main = load_module(extract(content, out / "pkg") / "main.py", "main_entry_events")
        return Entry(lambda event: main.run("completed_orders", event), "completed_orders", "load", True)
    from azure_durable import load_app

    content, out = _package(tmp_path_factory, REPO / "tests" / "fixtures" / "terraform_azure" / "functions_vm" /
                            "pipeline.py", "functions/functions.zip")
    app = load_app(content, out / "pkg")
    return Entry(lambda event: app.run("clean", event), "clean", "enrich", False)


@pytest.mark.parametrize("event, refused", [
    (lambda e: {"checkpoint": "s3://attacker/payload"}, lambda e: "refused event keys 'checkpoint'"),
    (lambda e: {"data_dir": "/etc", "storage_options": {}},
     lambda e: "refused event keys 'data_dir', 'storage_options'"),
    (lambda e: {"node": e.other}, lambda e: rf"node '{e.other}' is not run by this function; it runs \['{e.node}'\]"),
    (lambda e: {"node": [e.node]}, lambda e: "`node` must be a string, got list"),
    (lambda e: [e.node], lambda e: "expected a JSON object, got list"),
    (lambda e: {"run_id": "../../etc"}, lambda e: r"`run_id` must match \[A-Za-z0-9_-\]\{1,64\}"),
], ids=["unknown key", "unknown keys", "other node", "not a string", "not an object", "run id"])
def test_hostile_events_are_refused(entry, event, refused):
    with pytest.raises((RuntimeError, ValueError), match=refused(entry)):
        entry.call(event(entry))


def test_a_group_is_one_the_function_leads_and_only_where_groups_run(entry):
    refused = "group 'nope' is not run by this function" if entry.groups else "refused event keys 'group'"
    with pytest.raises(RuntimeError, match=refused):
        entry.call({"group": "nope"})


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
