"""glacierc/cloud_gcp_payloads.py on the shapes Cloud Workflows gives that the interpreted runs do not all
produce: a branch's error as an error object (its `payload` the JSON of what was raised), nested
UnhandledBranchErrors, a payload that is not JSON, a tally with fields of the wrong type."""

from __future__ import annotations

import json

from glacierc.cloud_gcp_payloads import failure, group_results, map_items, raised_errors, returned_or_raised

NODE_FAILED = {"code": "glacier.NodeFailed", "message": "node `clean` (task `clean`, pipeline.py:9) failed on an "
               "object of dataset `events`", "object": "events/a.parquet",
               "error": {"tags": ["HttpError"], "code": 500, "body": "ColumnNotFoundError: user_id\nmore"},
               "results": {"extract": {"nodes": [{"node": "extract", "status": "ok", "rows": 3}]}},
               "items": {"clean": {"listed": 3, "succeeded": 2, "failed": 1, "tolerated": 0, "failures": [
                   {"object": "events/a.parquet", "index": "1", "error": {"tags": ["HttpError"], "body": "no user_id"}}]}}}
OTHER = {"code": "glacier.NodeFailed", "message": "node `per_region` (task `per_region`, pipeline.py:12) failed"}


def unhandled(*branches: tuple[str, object]) -> dict:
    return {"message": "UnhandledBranchError: One or more branches or iterations encountered an unhandled runtime "
            "error", "tags": ["UnhandledBranchError"], "branches": [{"id": i, "error": e} for i, e in branches]}


def test_a_branch_error_object_and_nested_branch_errors_are_read_through():
    as_object = {"context": "RuntimeError", "payload": json.dumps(NODE_FAILED)}
    nested = unhandled(("branch_per_region", OTHER))
    raised = raised_errors(json.dumps(unhandled(("branch_clean", as_object), ("level", nested))))
    assert raised == [NODE_FAILED, OTHER]
    name, cause = failure(json.dumps(unhandled(("branch_clean", as_object), ("level", nested))))
    assert name == "glacier.NodeFailed"
    assert cause.splitlines() == [NODE_FAILED["message"], "object `events/a.parquet`: HttpError: ColumnNotFoundError: user_id",
                                  "1 more failed branch of the same parallel step"]


def test_results_and_tallies_come_from_every_raised_map():
    execution = {"state": "FAILED", "error": {"payload": json.dumps(unhandled(("b", NODE_FAILED), ("c", OTHER)))}}
    found = returned_or_raised(execution)
    assert group_results(found) == {"extract": {"extract": {"node": "extract", "status": "ok", "rows": 3}}}
    (items,) = map_items(found).values()
    assert (items.total, items.succeeded, items.failed, items.tolerated) == (3, 2, 1, 0)
    assert items.lines() == ["  3 items: 2 succeeded, 1 failed (at most 0 tolerated)",
                             "  item 1 `events/a.parquet` failed: HttpError: no user_id"]


def test_what_is_not_a_raised_map_is_text_and_a_wrong_tally_is_left_out():
    assert failure("the connection was reset") == ("", "the connection was reset")
    assert failure(None) == ("", "")
    assert raised_errors("[1, 2]") == []
    bad = {"items": {"clean": {"listed": "3", "succeeded": 2, "failed": 1}, "other": {"listed": 1, "succeeded": True,
                                                                                     "failed": 0}}}
    assert map_items([bad]) == {}
    assert returned_or_raised({"state": "SUCCEEDED", "result": "not json"}) == []
