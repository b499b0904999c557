"""The Workflows constructs the generator emits, against what Google's documentation says of them
(docs/cloud-gcp.md, "Workflows syntax used"), and the interpreter (tests/gcp_workflows_interpreter.py) refusing
whatever it does not implement or the service refuses, so the generator cannot leave the verified subset."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from gcp_workflows_interpreter import (CONNECTOR_TIMEOUT_MAX, PARALLEL_BRANCHES_MAX, SWITCH_CONDITIONS_MAX,
                                       Interpreter, Unsupported, render_template)
from terraform_tools import REPO, emit_pipeline

from glacierc.backends.terraform import gcp_workflows, gcp_workflows_map

EXAMPLE = REPO / "examples" / "gcp_analytics" / "pipeline.py"
MAP_JOBS = REPO / "tests" / "fixtures" / "terraform_gcp" / "workflow_map_jobs" / "pipeline.py"
LIST = "googleapis.storage.v1.objects.list"
DATAPROC = "googleapis.dataproc.v1.projects.regions.jobs.submitAsOperation"
#: An object resource as objects.list returns it (the JSON API's default `noAcl` projection), names of a
#: dataset's usual length: what one listed item costs in a workflow's variables.
OBJECT = {"kind": "storage#object", "id": "acme-raw/events/2026/11/day-01.parquet/1764633600000000",
          "selfLink": "https://www.googleapis.com/storage/v1/b/acme-raw/o/events%2F2026%2F11%2Fday-01.parquet",
          "mediaLink": "https://storage.googleapis.com/download/storage/v1/b/acme-raw/o/events%2F2026%2F11%2F"
                       "day-01.parquet?generation=1764633600000000&alt=media",
          "name": "events/2026/11/day-01.parquet", "bucket": "acme-raw", "generation": "1764633600000000",
          "metageneration": "1", "contentType": "application/octet-stream", "storageClass": "STANDARD",
          "size": "1048576", "md5Hash": "1B2M2Y8AsgTpgAmY7PhCfg==", "crc32c": "AAAAAA==", "etag": "CICAgICAgICAgAE=",
          "timeCreated": "2026-12-01T00:00:00.000Z", "updated": "2026-12-01T00:00:00.000Z",
          "timeStorageClassUpdated": "2026-12-01T00:00:00.000Z"}
#: Workflows' memory limit for all of an execution's variables (its quotas page, "Resource limits").
MEMORY_LIMIT = 512 * 1024


def _definitions(path) -> dict[str, dict]:
    """The workflows of `path` as deployed: Terraform's variables filled in (with placeholders)."""
    files, _, _ = emit_pipeline(path, runner_sources={"gcp_analytics": "#\n", "map_jobs": "#\n"})
    return {name: json.loads(render_template(text, defaultdict(lambda: "filled"))) for name, text in files.items()
            if name.startswith("terraform/workflows/") and not name.endswith("pipelines.json")}


def _memory(value: object) -> int:
    """A value's size as the Workflows variables page computes it: 8 bytes for a number or boolean, 8 + each
    element for a string or list, 8 + each key and value for a map (recursively)."""
    if isinstance(value, str):
        return 8 + len(value.encode())
    if isinstance(value, list):
        return 8 + sum(_memory(v) for v in value)
    if isinstance(value, dict):
        return 8 + sum(_memory(k) + _memory(v) for k, v in value.items())
    return 8


def _run(definition: dict, connectors: dict | None = None) -> object:
    return Interpreter(definition, lambda url, body, timeout: (200, {}), connectors or {}).run()


def _main(*steps: dict) -> dict:
    return {"main": {"steps": list(steps)}}


# --- what the generator emits ---------------------------------------------------------------------------

def test_a_job_without_timeouts_waits_up_to_the_connectors_maximum_not_its_1800_s_default():
    (definition,) = _definitions(EXAMPLE).values()
    join = next(s["run_join_all"] for s in definition["main"]["steps"] if "run_join_all" in s)
    assert join["try"]["call"] == DATAPROC
    assert join["try"]["args"]["connector_params"] == {"timeout": CONNECTOR_TIMEOUT_MAX}
    assert gcp_workflows.CONNECTOR_TIMEOUT_MAX == CONNECTOR_TIMEOUT_MAX == 365 * 24 * 3600


def test_a_listing_page_fits_the_variable_memory_and_is_freed_once_read():
    (definition,) = _definitions(MAP_JOBS).values()
    for name in ("glacier_map_clean", "glacier_map_distinct_users"):
        steps = {next(iter(s)): next(iter(s.values())) for s in definition[name]["steps"]}
        assert steps["list_page"]["try"]["args"]["maxResults"] == gcp_workflows_map.PAGE_SIZE
        assert steps["page_objects"]["assign"][-1] == {"listed": None}
        assert steps["next_page"]["assign"][-1] == {"objects": None}
    # the response and its copy `objects` coexist for one step: a page of PAGE_SIZE fits with room to spare,
    # the service's own page of 1,000 would not
    page = {"kind": "storage#objects", "items": [OBJECT] * gcp_workflows_map.PAGE_SIZE, "nextPageToken": "x" * 64}
    assert 2 * _memory(page) < MEMORY_LIMIT / 2
    assert 2 * _memory({**page, "items": [OBJECT] * 1000}) > MEMORY_LIMIT


def test_every_listing_the_generator_writes_is_accepted_by_the_documented_connector_arguments():
    seen = []
    (definition,) = _definitions(MAP_JOBS).values()
    interpreter = Interpreter(definition, lambda *a: (200, {}), {
        LIST: lambda args: seen.append(args) or {},
        DATAPROC: lambda args: {}, "googleapis.batch.v1.projects.locations.jobs.create": lambda args: {}})
    interpreter.run()
    assert {tuple(sorted(a)) for a in seen} == {("bucket", "maxResults", "pageToken", "prefix")}


# --- what the interpreter refuses -------------------------------------------------------------------------

def test_an_unknown_step_key_is_refused():
    with pytest.raises(Unsupported, match="assing"):
        _run(_main({"one": {"assign": [{"a": 1}], "assing": [{"b": 2}]}}))
    with pytest.raises(Unsupported, match="wait"):
        _run(_main({"one": {"wait": 3}}))


def test_an_unknown_function_is_refused():
    with pytest.raises(Unsupported, match="function text.split"):
        _run(_main({"one": {"assign": [{"a": '${text.split("a,b", ",")}'}]}}))
    with pytest.raises(Unsupported, match="function sys.get_env"):  # only the execution id is implemented
        _run(_main({"one": {"assign": [{"a": '${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}'}]}}))


def test_a_connector_outside_the_verified_ones_or_an_undocumented_argument_is_refused():
    with pytest.raises(Unsupported, match="googleapis.storage.v1.objects.get"):
        _run(_main({"one": {"call": "googleapis.storage.v1.objects.get", "args": {"bucket": "b", "object": "o"}}}),
             {"googleapis.storage.v1.objects.get": lambda args: {}})
    with pytest.raises(Unsupported, match="pageSize"):
        _run(_main({"one": {"call": LIST, "args": {"bucket": "b", "pageSize": 5}}}), {LIST: lambda args: {}})
    with pytest.raises(Unsupported, match="connector timeout"):
        _run(_main({"one": {"call": LIST, "args": {"bucket": "b", "connector_params": {
            "timeout": CONNECTOR_TIMEOUT_MAX + 1}}}}), {LIST: lambda args: {}})


def test_an_http_timeout_over_1800_s_is_refused():
    call = {"call": "http.post", "args": {"url": "https://f", "auth": {"type": "OIDC"}, "body": {}, "timeout": 1801}}
    with pytest.raises(Unsupported, match="timeout 1801"):
        _run(_main({"one": call}))


def _branches(count: int, inner: list | None = None) -> list[dict]:
    return [{f"b{i}": {"steps": inner or [{f"s{i}": {"assign": [{"x": i}]}}]}} for i in range(count)]


def test_parallel_steps_outside_the_documented_limits_are_refused():
    with pytest.raises(Unsupported, match=f"{PARALLEL_BRANCHES_MAX + 1} branches"):
        _run(_main({"p": {"parallel": {"branches": _branches(PARALLEL_BRANCHES_MAX + 1)}}}))
    with pytest.raises(Unsupported, match="concurrency_limit 0"):
        _run(_main({"p": {"parallel": {"concurrency_limit": 0, "branches": _branches(2)}}}))
    with pytest.raises(Unsupported, match=r"shared \['results'\] not assigned"):
        _run(_main({"p": {"parallel": {"shared": ["results"], "branches": _branches(2)}}}))
    nested = {"p2": {"parallel": {"branches": _branches(2, [{"p3": {"parallel": {"branches": _branches(2)}}}])}}}
    with pytest.raises(Unsupported, match="nested deeper than 2"):
        _run(_main({"p1": {"parallel": {"branches": _branches(2, [nested])}}}))
    # a subworkflow called in a branch is still inside it
    with pytest.raises(Unsupported, match="nested deeper than 2"):
        _run({**_main({"p1": {"parallel": {"branches": _branches(2, [{"c": {"call": "sub"}}])}}}),
              "sub": {"steps": [nested]}})
    loop = {"value": "x", "in": [1, 2], "steps": [{"s": {"assign": [{"y": 1}]}}]}
    with pytest.raises(Unsupported, match=r"loop variables \['x'\] exist outside"):
        _run(_main({"init": {"assign": [{"x": 0}]}}, {"p": {"parallel": {"for": loop}}}))


def test_a_switch_outside_the_documented_limits_or_a_condition_that_is_not_boolean_is_refused():
    with pytest.raises(Unsupported, match="gave 1"):
        _run(_main({"s": {"switch": [{"condition": "${1}", "next": "end"}]}}))
    conditions = [{"condition": False, "next": "end"}] * (SWITCH_CONDITIONS_MAX + 1)
    with pytest.raises(Unsupported, match=f"1 to {SWITCH_CONDITIONS_MAX} conditions"):
        _run(_main({"s": {"switch": conditions}}))


def test_a_retry_policy_with_an_unknown_key_is_refused_before_anything_fails():
    step = {"try": {"assign": [{"a": 1}]}, "retry": {"predicate": "${p}", "max_retries": 1, "backoff": {
        "initial_delay": 1, "max_delay": 2, "multiplier": 2, "jitter": True}}, "except": {"as": "e", "steps": []}}
    with pytest.raises(Unsupported, match="jitter"):
        _run({**_main({"t": step}), "p": {"params": ["e"], "steps": [{"r": {"return": True}}]}})
