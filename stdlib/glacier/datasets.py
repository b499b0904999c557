"""Partitioned datasets: a storage whose `path` is a glob (`events/2026/*.parquet`) or ends in `/`
(`events/`) stands for every object it matches; `dataset.partitions()` lists them.

Matching follows `pathlib`'s glob: `*` and `?` stay within one path segment, `**` spans segments; a path
ending in `/` matches every object below it, at any depth. Names starting with `.` (hidden files, such as
a run's staging files) are never partitions. No Polars here: the compiler reads this module too.
"""

from __future__ import annotations

import re
from functools import lru_cache

GLOB_CHARACTERS = "*?["


def is_dataset(path: str) -> bool:
    """Whether a storage `path` names a dataset (a glob, or a prefix ending in `/`) instead of one file."""
    return path.endswith("/") or any(c in path for c in GLOB_CHARACTERS)


def check_limits(max_parallel: object, tolerated_failures: object) -> None:
    """The options of `partitions(...)`: `max_parallel` a whole number of at least 1 (or None), `tolerated_failures`
    one of at least 0 (the compiler reports other values as GLC220)."""
    for name, value, least in (("max_parallel", max_parallel, 1), ("tolerated_failures", tolerated_failures, 0)):
        if value is None and name == "max_parallel":
            continue
        if type(value) is not int or value < least:
            raise ValueError(f"partitions({name}=...) expects a whole number of at least {least}, got {value!r}")


def prefix(path: str) -> str:
    """The part of `path` before its first wildcard, cut back to a segment boundary (`events/2026/` for
    `events/2026/*.parquet`, `events/` for `events/`): every partition's key starts with it."""
    cut = min((path.index(c) for c in GLOB_CHARACTERS if c in path), default=len(path))
    return path[: path.rfind("/", 0, cut) + 1] if cut < len(path) else path


def matches(path: str, key: str) -> bool:
    """Whether the object `key` (relative to the bucket) is a partition of the dataset `path`."""
    if any(part.startswith(".") for part in key[len(prefix(path)):].split("/")):
        return False
    if path.endswith("/") and not any(c in path for c in GLOB_CHARACTERS):
        return key.startswith(path) and key != path and not key.endswith("/")
    return _pattern(path).fullmatch(key) is not None


@lru_cache(maxsize=64)
def _pattern(path: str) -> re.Pattern[str]:
    out, index = [], 0
    while index < len(path):
        char = path[index]
        if path.startswith("**/", index):
            out.append("(?:[^/]*/)*")
            index += 3
            continue
        if path.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in path[index + 2:]:
            end = path.index("]", index + 2)
            body = path[index + 1:end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            index = end + 1
            continue
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out))
