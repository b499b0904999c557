"""The Azure role assignments, conditions included, against what a replayed run really does.

The two Durable end-to-end fixtures (tests/test_azure_durable_e2e.py's orders, tests/test_partitions_azure.py's
mapped daily) run against an Azurite started with `--debug`, whose log records every request (method, URL);
the run's requests are those between two marker requests the test makes before and after it. Each is turned
into the data action it needs (GET/HEAD a blob: read; PUT: write; DELETE: delete; List Blobs: read with the
`Blob.List` suboperation and its `prefix`) and checked against the built iam.tf, read back with python-hcl2:
some assignment of the home app's identity (every activity the orchestration calls is that app's) on the
request's container grants the action and its ABAC condition, evaluated by tests/azure_abac.py, allows it.
Then the same requests for another pipeline's run and for another node of the pipeline are denied.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure_abac import ADD, BLOB_LIST, DELETE, PATH, PREFIX, READ, WRITE, Request, allows
from azure_durable import Host, azurite_environment, azurite_or_skip, blob_service, load_app
from terraform_tools import read_blocks

pytest.importorskip("azure.durable_functions", reason="azure-functions-durable (dev extra) drives the orchestrator")

import test_azure_durable_e2e as orders  # noqa: E402  (after the skip: it needs the Durable SDK too)
import test_partitions_azure as daily  # noqa: E402

ROLE_ACTIONS = {"Storage Blob Data Reader": {READ}, "Storage Blob Data Contributor": {READ, WRITE, ADD, DELETE}}
HOME_IDENTITY = "${azurerm_user_assigned_identity.fn.principal_id}"  # the fixtures' one app, `fn`
MARKS = "glacier-marks"
_LOGGED = re.compile(r"RequestMethod=(\S+) RequestURL=(\S+) RequestHeaders:(\{.*?\}) ClientIP=")


@dataclass(frozen=True)
class Grant:
    container: str
    role: str
    condition: str | None


@dataclass(frozen=True)
class Operation:
    """One request of the run: its container and the data action it needs."""

    method: str
    url: str
    container: str
    request: Request


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """An Azurite logging every request to a file: (account URL, log path)."""
    log = tmp_path_factory.mktemp("azurite-log") / "debug.log"
    for url in azurite_or_skip(tmp_path_factory, "--debug", str(log)):
        yield url, log


def grants(terraform: Path) -> list[Grant]:
    """The home app identity's role assignments, by container name."""
    containers = read_blocks(terraform)["azurerm_storage_container"]
    found = []
    for assignment in read_blocks(terraform)["azurerm_role_assignment"].values():
        if assignment["principal_id"] != HOME_IDENTITY:
            continue
        label = re.fullmatch(r"\$\{azurerm_storage_container\.(\w+)\.id\}", assignment["scope"]).group(1)
        found.append(Grant(containers[label]["name"], assignment["role_definition_name"], assignment.get("condition")))
    return found


def permitted(found: list[Grant], container: str, request: Request) -> bool:
    return any(g.container == container and request.action in ROLE_ACTIONS[g.role]
               and (g.condition is None or allows(g.condition, request)) for g in found)


def data_request(method: str, url: str, headers: dict) -> tuple[str, Request]:
    """(container, the data action with its attributes) of one logged request."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    _, _, rest = parts.path.lstrip("/").partition("/")  # below the account
    container, _, blob = rest.partition("/")
    if query.get("restype") == "container" and query.get("comp") == "list":
        attributes = {PREFIX: query["prefix"]} if "prefix" in query else {}
        return container, Request(READ, BLOB_LIST, attributes)
    assert blob, f"a container operation the run should not make: {method} {url}"
    path = {PATH: urllib.parse.unquote(blob)}
    if method in ("GET", "HEAD"):
        return container, Request(READ, None, path)
    if method == "DELETE":
        return container, Request(DELETE, None, path)
    assert method == "PUT" and query.get("comp") in (None, "block", "blocklist", "appendblock"), (method, url)
    assert "x-ms-copy-source" not in headers, f"a copy, which also reads its source: {url}"
    return container, Request(ADD if query.get("comp") == "appendblock" else WRITE, None, path)


def mark(service, name: str) -> str:
    service.get_container_client(MARKS).get_blob_client(name).exists()  # one HEAD request, logged
    return f"/{MARKS}/{name}"


def recorded(service, log: Path, run) -> list[Operation]:
    """The requests made while `run()` runs: those logged between a marker before it and one after it."""
    begin, end = uuid.uuid4().hex, uuid.uuid4().hex
    begin_url = mark(service, f"begin-{begin}")
    run()
    end_url = mark(service, f"end-{end}")
    for _ in range(100):  # the log is written asynchronously
        text = log.read_text(encoding="utf-8", errors="replace")
        if end_url in text:
            break
        time.sleep(0.05)
    lines = [m for m in _LOGGED.finditer(text)]
    first = next(i for i, m in enumerate(lines) if m.group(2).endswith(begin_url))
    last = next(i for i, m in enumerate(lines) if m.group(2).endswith(end_url))
    found = []
    for match in lines[first + 1:last]:
        container, request = data_request(match.group(1), match.group(2), json.loads(match.group(3)))
        found.append(Operation(match.group(1), match.group(2), container, request))
    return found


def moved(request: Request, old: str, new: str) -> Request:
    """`request` with the text `old` of its path or prefix replaced by `new`."""
    return Request(request.action, request.suboperation, {k: v.replace(old, new, 1) for k, v in request.attributes.items()})


def check_run(terraform: Path, operations: list[Operation], staging: str, run_id: str, other_node: str) -> None:
    """Every operation is granted to the home app; on staging, another pipeline's and another node's are not."""
    found = grants(terraform)
    assert operations, "the run made no request"
    refused = [f"{o.method} {o.url}" for o in operations if not permitted(found, o.container, o.request)]
    assert not refused, refused
    staged = [o for o in operations if o.container == staging]
    assert {o.request.action for o in staged} >= {READ, WRITE}, staged
    for o in staged:
        value = next(iter(o.request.attributes.values()))
        assert value.startswith(f"{run_id}/"), o.url
        node = re.match(r"[^./]+", value[len(run_id) + 1:]).group()
        others = [moved(o.request, f"{run_id}/", f"other-{run_id.split('-', 1)[1]}/"),
                  moved(o.request, f"{run_id}/{node}", f"{run_id}/{other_node}")]
        assert not [r for r in others if permitted(found, staging, r)], o.url
    # listing anything but a map's items, or the whole container, is denied
    assert not permitted(found, staging, Request(READ, BLOB_LIST, {PREFIX: f"{run_id}/"}))
    assert not permitted(found, staging, Request(READ, BLOB_LIST, {}))


def test_the_orders_run_uses_only_what_its_roles_allow(recording, tmp_path, monkeypatch):
    account, log = recording
    built = build(orders.ORDERS, tmp_path / "out")
    staging = orders._staging_container(built, "orders")
    service = blob_service(account, (*orders.DATA_CONTAINERS, staging, MARKS))
    for key, value in {"GLACIER_STAGING_URI__orders": f"az://{staging}", **azurite_environment(account)}.items():
        monkeypatch.setenv(key, value)
    module = load_app((built / "terraform" / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    orders._upload(service, orders.ORDERS_DATA)
    host = Host(module, "orchestrate_orders", instance_id="abc0123456789abcdef0123456789abc")
    state: dict = {}
    operations = recorded(service, log, lambda: state.update(host.run()))
    assert state["isDone"] and state.get("error") is None, state
    check_run(built / "terraform", operations, staging, f"orders-{host.instance_id}", "save_daily")
    assert any(o.request.action == READ and o.container == staging for o in operations)


def test_the_mapped_run_uses_only_what_its_roles_allow(recording, tmp_path, monkeypatch):
    account, log = recording
    built = build(daily.FIXTURE, tmp_path / "out")
    staging = orders._staging_container(built, "daily")
    service = blob_service(account, (daily.RAW, daily.CURATED, staging, MARKS), empty=True)
    for key, value in {"GLACIER_STAGING_URI__daily": f"az://{staging}", **azurite_environment(account)}.items():
        monkeypatch.setenv(key, value)
    module = load_app((built / "terraform" / "functions" / "fn.zip").read_bytes(), tmp_path / "app")
    daily.events(tmp_path / "cloud")
    daily.upload(service, tmp_path / "cloud")
    host = daily.orchestration(module, "def0123456789abcdef0123456789def")
    state: dict = {}
    operations = recorded(service, log, lambda: state.update(host.run()))
    assert state["isDone"] and state.get("error") is None, state
    check_run(built / "terraform", operations, staging, f"daily-{host.instance_id}", "combine")
    listed = {(o.container, o.request.attributes.get(PREFIX)) for o in operations if o.request.suboperation == BLOB_LIST}
    assert listed >= {(staging, f"daily-{host.instance_id}/clean/"), (daily.RAW, "events/2026/")}, listed
    assert daily.cloud_output(service).height > 0


def build(source: Path, out: Path) -> Path:
    from glacierc.driver import build

    result = build([str(source)], out, {})
    assert not result.has_errors, [d.message for d in result.diagnostics]
    return out


# ---- the evaluator itself, on the operators' documented examples ----------------------------------------

def _like(attribute_value: str, pattern: str) -> bool:
    return allows(f"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringLike "
                  f"'{pattern}'", Request(READ, None, {PATH: attribute_value}))


def test_string_like_is_case_sensitive_with_star_and_question_mark_wildcards():
    assert _like("abcd", "a*c?") and not _like("abcd", "A*C?") and not _like("abcd", "a*c")
    assert _like("run-1/deep/x.parquet", "run-*.parquet")  # `*` crosses `/`
    assert _like("a*", r"a\*") and not _like("ab", r"a\*") and _like("a?", r"a\?") and not _like("ab", r"a\?")


def test_actions_suboperations_and_the_boolean_operators():
    listing = Request(READ, BLOB_LIST, {PREFIX: "run-1/clean/"})
    assert allows(f"ActionMatches{{'{READ}'}} AND SubOperationMatches{{'blob.list'}}", listing)
    assert allows("ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'}", listing)
    assert not allows(f"!(ActionMatches{{'{READ}'}} AND NOT SubOperationMatches{{'{BLOB_LIST}'}}) AND "
                      f"ActionMatches{{'{WRITE}'}}", listing)
    assert allows(f"{PREFIX} StringStartsWith 'run-1/' && {PREFIX} StringLike 'run-?/clean/'", listing)
    # a term not needed is not evaluated: a blob write carries no prefix
    assert allows(f"(!(ActionMatches{{'{READ}'}})) OR ({PREFIX} StringLike 'x')", Request(WRITE, None, {PATH: "a"}))
    # an attribute the request does not carry cannot be evaluated: denied
    assert not allows(f"{PREFIX} StringLike '*'", Request(READ, BLOB_LIST, {}))
    with pytest.raises(ValueError, match="AND and OR mixed"):
        allows(f"ActionMatches{{'{READ}'}} AND ActionMatches{{'{READ}'}} OR ActionMatches{{'{READ}'}}", listing)


def test_the_generated_staging_condition_allows_its_paths_only():
    from glacierc.backends.terraform.azure_orchestration import path_condition

    condition = path_condition(["daily-*/clean/*", "daily-*/load.*"], ["daily-*/load.*"])
    assert allows(condition, Request(READ, None, {PATH: "daily-1/clean/0.parquet"}))
    assert allows(condition, Request(READ, BLOB_LIST, {PREFIX: "daily-1/clean/"}))
    assert allows(condition, Request(WRITE, None, {PATH: "daily-1/load.parquet"}))
    assert allows(condition, Request(DELETE, None, {PATH: "daily-1/load.json"}))
    assert not allows(condition, Request(WRITE, None, {PATH: "daily-1/clean/0.parquet"}))  # read only
    assert not allows(condition, Request(READ, BLOB_LIST, {PREFIX: "daily-1/"}))
    assert not allows(condition, Request(READ, None, {PATH: "weekly-1/load.parquet"}))
    assert not allows(condition, Request(ADD, None, {PATH: "daily-1/save.parquet"}))
