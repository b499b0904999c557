"""A mapped node's items as `glacierc run --cloud` reports them, whatever the cloud: how many objects the map
ran over, how many succeeded and failed, and the first failed ones (the object's key and index, the error
and its cause), with a count of the rest and where to look for them.

Each cloud's reader fills `Items` from what its service shows (cloud_aws.py: the Map Run of a Distributed
Map and its child executions); the follower (cloud_follow.py) prints `lines()` under the node's progress
line, puts `note()` into the report's node and the lines into a failed node's error. Everything here comes
from the service (keys, messages): the follower prints it with control characters escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

#: Failed items described one by one; the rest are counted.
FIRST = 5


@dataclass(frozen=True, slots=True)
class ItemFailure:
    """One failed item: its object key ("" when not known), its position in the listing, what it raised."""

    item: str
    index: int | None
    error: str
    message: str


@dataclass(frozen=True, slots=True)
class Items:
    """The items of one run of a mapped node. `failed` counts failed, timed-out and aborted items;
    `failures` are the first of them (at most FIRST); `tolerated` is how many may fail without failing the
    node (None: not known); `where` names where every item can be looked up (a Map Run ARN, ...)."""

    total: int
    succeeded: int
    failed: int
    failures: tuple[ItemFailure, ...] = ()
    tolerated: int | None = None
    where: str = ""
    unlisted: str = ""  # why the failed items could not be described, when they could not

    def lines(self) -> list[str]:
        """The lines under the node's progress line: the counts, then each described failure."""
        head = f"  {self.total:,} item{'s' * (self.total != 1)}: {self.succeeded:,} succeeded, {self.failed:,} failed"
        if self.failed and self.tolerated is not None:
            head += f" (at most {self.tolerated:,} tolerated)"
        lines = [head]
        lines += [f"  {describe(failure)}" for failure in self.failures]
        rest = self.failed - len(self.failures)
        if rest > 0 and self.unlisted:
            lines.append(f"  the failed items could not be listed: {self.unlisted}")
        elif rest > 0:
            lines.append(f"  ... and {rest:,} more failed item{'s' * (rest != 1)}")
        if self.failed and self.where:
            lines.append(f"  every item: {self.where}")
        return lines

    def note(self) -> str | None:
        """The report's note of a node whose map tolerated its failed items (None when none failed)."""
        if not self.failed:
            return None
        shown = "; ".join(describe(f) for f in self.failures)
        return f"{self.failed:,} of {self.total:,} items failed" + (f": {shown}" if shown else "")


def describe(failure: ItemFailure) -> str:
    """`item 3 `events/day-3.parquet` failed: NodeFailed: <first line of the message>`."""
    position = "item" if failure.index is None else f"item {failure.index}"
    key = f" `{failure.item}`" if failure.item else ""
    first = next((line.strip() for line in failure.message.splitlines() if line.strip()), "")
    said = ": ".join(part for part in (failure.error, first) if part)
    return f"{position}{key} failed" + (f": {said}" if said else "")


def cause_message(cause: str) -> str:
    """The message of an error's cause: a Lambda error's cause is JSON (`{"errorMessage", "errorType", ...}`),
    a Catch's `$.error` passed on holds its `Cause`; other causes are text."""
    try:
        data = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(data, dict) and "errorMessage" in data:
        return str(data["errorMessage"])
    if isinstance(data, dict) and "Cause" in data:
        return cause_message(str(data["Cause"]))
    return cause
