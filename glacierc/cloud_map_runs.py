"""The items of a Distributed Map, read through the Step Functions API for `glacierc run --cloud` (cloud_aws.py).

A mapped node's `Map` state runs each object as a child execution of a Map Run, which the parent's history
shows only as `MapRunStarted` (its ARN) and `MapRunSucceeded` / `MapRunFailed`. Once it ended:

- `DescribeMapRun`: `itemCounts` (total, succeeded, failed, timedOut, aborted) and `toleratedFailureCount`;
- when items failed, `ListExecutions(mapRunArn=..., statusFilter=FAILED | TIMED_OUT | ABORTED)` lists the
  failed child executions, and `DescribeExecution` of the first FIRST of them gives each one's `input` (what
  the map's `ItemSelector` passed: the object's `item` key and its `index`), `error` and `cause`.

A DescribeMapRun the service refuses is a CloudError (the follow fails, exit 1); failed children that cannot
be listed or described (a role without `states:ListExecutions` on the Map Run, ...) leave the counts and say
why instead.
"""

from __future__ import annotations

import json

from glacierc.cloud_common import CloudError
from glacierc.cloud_items import FIRST, ItemFailure, Items, cause_message

#: The statuses of a child execution that did not succeed, in the order they are described.
UNSUCCESSFUL = ("FAILED", "TIMED_OUT", "ABORTED")


def map_items(client, arn: str) -> Items:
    """The items of Map Run `arn` (`client`: boto3's Step Functions client)."""
    try:
        described = client.describe_map_run(mapRunArn=arn)
    except Exception as error:  # botocore's errors: access denied, no such map run, endpoint unreachable
        raise CloudError(f"DescribeMapRun of {arn} failed: {error}") from None
    counts = described.get("itemCounts")
    counts = counts if isinstance(counts, dict) else {}
    failed = sum(_count(counts, key) for key in ("failed", "timedOut", "aborted"))
    tolerated = described.get("toleratedFailureCount")
    failures: tuple[ItemFailure, ...] = ()
    unlisted = ""
    if failed:
        try:
            failures = tuple(sorted(_failures(client, arn), key=lambda f: (f.index is None, f.index or 0, f.item)))
        except Exception as error:  # as above; moto, for one, has no ListExecutions by Map Run
            unlisted = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
    return Items(_count(counts, "total"), _count(counts, "succeeded"), failed, failures,
                 tolerated if isinstance(tolerated, int) and not isinstance(tolerated, bool) else None,
                 f"aws stepfunctions list-executions --map-run-arn {arn}", unlisted)


def _failures(client, arn: str) -> list[ItemFailure]:
    """The first FIRST failed child executions of the Map Run, described."""
    found: list[str] = []
    for status in UNSUCCESSFUL:
        token = ""
        while len(found) < FIRST:
            page = client.list_executions(mapRunArn=arn, statusFilter=status, maxResults=FIRST,
                                          **({"nextToken": token} if token else {}))
            found += [e["executionArn"] for e in page.get("executions", [])
                      if isinstance(e, dict) and isinstance(e.get("executionArn"), str)]
            token = page.get("nextToken") or ""
            if not isinstance(token, str) or not token:
                break
    return [_failure(client.describe_execution(executionArn=child)) for child in found[:FIRST]]


def _failure(described: dict) -> ItemFailure:
    """One child execution: its input's `item` and `index` (read, never trusted), its error and cause."""
    try:
        given = json.loads(described.get("input") or "{}")
    except (TypeError, ValueError):
        given = {}
    given = given if isinstance(given, dict) else {}
    item, index = given.get("item"), given.get("index")
    position = int(index) if isinstance(index, str) and index.isascii() and index.isdigit() else (
        index if isinstance(index, int) and not isinstance(index, bool) else None)
    error, cause = described.get("error"), described.get("cause")
    return ItemFailure(item if isinstance(item, str) else "", position,
                       error if isinstance(error, str) else str(described.get("status") or ""),
                       cause_message(cause) if isinstance(cause, str) else "")


def _count(counts: dict, key: str) -> int:
    value = counts.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
