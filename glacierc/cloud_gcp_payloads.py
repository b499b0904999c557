"""What a Cloud Workflows execution of a glacierc definition returned or raised, read for `glacierc run --cloud`
(cloud_gcp.py): the groups' `results`, the mapped nodes' tallies (`items`) and the failure.

A succeeded execution's `result` is the JSON of `{"pipeline", "run_id", "results", "items"}`; a failed one's
`error.payload` the JSON of what was raised: `glacier.NodeFailed` (its `message`, a map's `object` and
`error`, with `results` and `items`), a call's own HTTP / connector error (its `tags` name it), or, when the
raise happened in a branch or iteration of a `parallel` step, Workflows' `UnhandledBranchError` (`tags`
["UnhandledBranchError"], `branches`: each failed branch's `id` and `error`, what it raised), read through
to what its branches raised. A branch's `error` given as an error object of its own (its `payload` the JSON
of what was raised, as an execution's error gives it) is read the same way.

A tally (gcp_workflows_map.TALLY) is `{"listed", "succeeded", "failed", "tolerated", "failures": [{"object",
"index", "error"}, ...]}`: it becomes cloud_items.Items. Everything here comes from the service: read, never
trusted (a field of the wrong type is left out).
"""

from __future__ import annotations

import json

from glacierc.cloud_follow import node_reports
from glacierc.cloud_items import FIRST, ItemFailure, Items

UNHANDLED_BRANCH = "UnhandledBranchError"


def returned_or_raised(execution: dict) -> list[dict]:
    """The maps a finished execution returned (a succeeded one's `result`) or raised (a failed one's error
    payload, or each of its failed branches' errors): [] when there are none."""
    if execution.get("state") == "SUCCEEDED":
        found = _json(execution.get("result"))
        return [found] if isinstance(found, dict) else []
    error = execution.get("error")
    return raised_errors(error.get("payload") if isinstance(error, dict) else None)


def raised_errors(payload: object) -> list[dict]:
    """What was raised, given an error payload (JSON text, or the map itself): the map, or for an
    UnhandledBranchError what each failed branch raised (read through nested ones); [] for no map."""
    raised = _json(payload) if isinstance(payload, str) else payload
    if not isinstance(raised, dict):
        return []
    tags = raised.get("tags")
    branches = raised.get("branches")
    if isinstance(tags, list) and UNHANDLED_BRANCH in tags and isinstance(branches, list):
        return [found for branch in branches if isinstance(branch, dict) for found in _branch_error(branch)]
    return [raised]


def _branch_error(branch: dict) -> list[dict]:
    error = branch.get("error")
    if isinstance(error, dict) and "payload" in error and not ({"code", "tags"} & set(error)):
        return raised_errors(error["payload"])  # an error object: its payload is what was raised
    return raised_errors(error)


def group_results(found: list[dict]) -> dict[str, dict[str, dict]]:
    """group -> {node: report}, from every returned or raised map's `results`."""
    merged: dict[str, dict[str, dict]] = {}
    for data in found:
        results = data.get("results")
        if isinstance(results, dict):
            merged.update((str(g), node_reports(r)) for g, r in sorted(results.items()))
    return merged


def map_items(found: list[dict]) -> dict[str, Items]:
    """mapped node -> its tally as Items, from every returned or raised map's `items`."""
    merged: dict[str, Items] = {}
    for data in found:
        items = data.get("items")
        if isinstance(items, dict):
            merged.update((str(node), tally) for node, t in sorted(items.items())
                          if (tally := _tally(t)) is not None)
    return merged


def _tally(data: object) -> Items | None:
    if not isinstance(data, dict):
        return None
    listed, succeeded, failed, tolerated = (_count(data.get(k)) for k in ("listed", "succeeded", "failed", "tolerated"))
    if listed is None or succeeded is None or failed is None:
        return None
    failures = data.get("failures")
    described = tuple(_item_failure(f) for f in failures if isinstance(f, dict)) if isinstance(failures, list) else ()
    ordered = sorted(described, key=lambda f: (f.index is None, f.index or 0, f.item))
    return Items(listed, succeeded, failed, tuple(ordered[:FIRST]), tolerated)


def _item_failure(data: dict) -> ItemFailure:
    name, index, error = data.get("object"), data.get("index"), data.get("error")
    position = int(index) if isinstance(index, str) and index.isascii() and index.isdigit() else _count(index)
    tag, said = error_said(error)
    return ItemFailure(name if isinstance(name, str) else "", position, tag, said)


def failure(payload: object) -> tuple[str, str]:
    """(name, cause) of a Workflows error payload: `glacier.NodeFailed` with its message (and a map's failed
    object), or a call's own HTTP / connector error (its tag names it: HttpError, OperationError); of an
    UnhandledBranchError, the first failed branch's, with a line counting the others; else plain text."""
    raised = _json(payload) if isinstance(payload, str) else payload
    if not isinstance(raised, dict):
        text = payload if isinstance(payload, str) and raised is None else raised
        return "", "" if text is None else str(text)
    errors = raised_errors(raised)
    tags = raised.get("tags")
    if isinstance(tags, list) and UNHANDLED_BRANCH in tags and errors:
        name, cause = failure(errors[0])
        others = len(errors) - 1
        return name, cause + (f"\n{others} more failed branch{'es' * (others != 1)} of the same parallel step"
                              if others else "")
    code = raised.get("code")
    if isinstance(code, str):  # raised by the definition: its message names the nodes (a map's, its object)
        return code, str(raised.get("message") or "") + _failed_object(raised)
    name = str(tags[0]) if isinstance(tags, list) and tags else ""
    return name, _call_error(raised)


def error_said(error: object) -> tuple[str, str]:
    """(tag, what it said) of a call's error: its first tag and its HTTP body or message."""
    if isinstance(error, dict):
        tags = error.get("tags")
        return (str(tags[0]) if isinstance(tags, list) and tags else ""), _call_error(error)
    return "", "" if error is None else str(error)


def _failed_object(raised: dict) -> str:
    """A map's error names the (first) object that failed and the error its call raised: a line
    `object `<name>`: <tag>: <first line of what the call said>`, or "" when it names none."""
    name = raised.get("object")
    if not isinstance(name, str) or not name:
        return ""
    tag, said = error_said(raised.get("error"))
    first = next((line.strip() for line in said.splitlines() if line.strip()), "")
    shown = ": ".join(p for p in (tag, first) if p)
    return f"\nobject `{name}`" + (f": {shown}" if shown else "")


def _call_error(error: dict) -> str:
    """What a failed call raised: a function's HTTP error body, or the connector's message."""
    body = error.get("body")
    if isinstance(body, str) and body.strip():
        return body.strip()
    if isinstance(body, dict | list):
        return json.dumps(body, sort_keys=True)
    return str(error.get("message") or "")


def _json(text: object) -> object:
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
