"""mapped nodes: one task run per object of a dataset

A node whose plan entry names a dataset in "map" (`[clean(p) for p in events.partitions()]`) runs its task
once per object of that dataset, listed when the node runs where its storage lives in this run (below
--data-dir, the local provider's directory, or the object store itself: see listing), in threads: at most
MAX_PARALLEL["runs"] at once when --max-parallel is given, else the node's `max_parallel`
(`partitions(max_parallel=...)`), else the CPU count; each run retried as the task says. The argument of kind "partition" is the object: a bucket at its key whose access is the
dataset's. The node's result is the list of the successful runs' results in key order; more failing runs
than the node's `tolerated_failures` (0 unless `partitions(tolerated_failures=...)` says) fail the node.
Matching follows pathlib's glob (`*` within a segment, `**` across); a path ending in `/` is every object
below it; names starting with `.` (staging files) are never partitions.
"""

import concurrent.futures
import os
import re
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.execute import Result, call_node
    from glacierc.runtime.listing import object_keys
    from glacierc.runtime.plan import NODES, STORAGE
    from glacierc.runtime.run import current_run
    from glacierc.runtime.storage import Bucket

GLOB_CHARACTERS = "*?["
MAX_PARALLEL = {"runs": None}  # --max-parallel, when given


class Partition(Bucket):
    """One object of dataset `name`: the dataset's format, schema and grants, the object's key as path."""

    def __init__(self, name, key):
        super().__init__(name)
        self.key = self.path = key
        self.pattern = False  # the key names the object, even when it holds `*`, `?` or `[`

    def location(self):
        return current_run().place(self)

    def partitions(self):
        raise TypeError(f"partitions() of one object ({self.key!r}) of dataset `{self.name}`: it is not a dataset")


def dataset_prefix(path):
    """The part of a dataset's path before its first wildcard, cut back to a `/`: every key starts with it."""
    cut = min((path.index(c) for c in GLOB_CHARACTERS if c in path), default=len(path))
    return path[: path.rfind("/", 0, cut) + 1] if cut < len(path) else path


def is_partition(path, key):
    """Whether object `key` of the bucket belongs to the dataset `path` (as glacier.datasets.matches)."""
    if any(part.startswith(".") for part in key[len(dataset_prefix(path)):].split("/")):
        return False
    if not any(c in path for c in GLOB_CHARACTERS):
        return path.endswith("/") and key.startswith(path) and key != path and not key.endswith("/")
    return re.fullmatch(glob_pattern(path), key) is not None


def glob_pattern(path):
    out, index = [], 0
    while index < len(path):
        if path.startswith("**/", index) or path.startswith("**", index):
            double = path.startswith("**/", index)
            out.append("(?:[^/]*/)*" if double else ".*")
            index += 3 if double else 2
            continue
        char = path[index]
        if char == "[" and "]" in path[index + 2:]:
            end = path.index("]", index + 2)
            body = path[index + 1:end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            index = end + 1
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(char) or re.escape(char))
        index += 1
    return "".join(out)


def partition_spec(name, key):
    """STORAGE[name] for the object `key` of the dataset: its path and URI are the object's."""
    spec = STORAGE[name]
    return {**spec, "path": key, "uri": spec["uri"][: len(spec["uri"]) - len(spec["path"])] + key}


def partition_keys(name):
    """The keys of the dataset's objects in this run, sorted: listed below its prefix where its storage lives
    (below --data-dir, the local provider's directory, or the object store itself), the names its path
    matches."""
    spec = STORAGE[name]
    located, options = current_run().locate(name)
    start = dataset_prefix(spec["path"])
    if options is not None:
        keys = object_keys(located, spec["bucket"], start, options)
    else:
        keys = local_keys(located[: len(located) - len(spec["path"])], start)
    return sorted(k for k in keys if is_partition(spec["path"], k))


def local_keys(base, start):
    """The keys (relative to the bucket's folder `base`) of the files below `base/start`, hidden folders skipped."""
    keys = []
    for directory, folders, files in os.walk(os.path.join(base, start)):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        relative = os.path.relpath(directory, base).replace(os.sep, "/")
        keys += [(f if relative == "." else f"{relative}/{f}") for f in files]
    return keys


def call_mapped(run, node, values):
    """Call the node's task once per object (bounded threads); a Result whose value is the list of results
    (in a cloud function running one object, `run.item`: that object's result, staged as an item). A chain
    of mapped tasks (`[b(a(p)) ...]`) runs whole per object in one thread, fused: the results of its later
    nodes wait in `run.chained` for their level. An object fails when any task of its chain fails."""
    if NODES[node].get("map_after") is not None:
        return chained_result(run, node, values)
    start = time.perf_counter()
    one = run.item is not None and run.item[0] == node  # a cloud function's run of one object
    try:
        keys = [run.item[1]] if one else partition_keys(NODES[node]["map"])
    except Exception as error:
        return Result(node, "failed", time.perf_counter() - start, attempts=1, error=error)
    chain = chain_of(node)
    workers = max(1, min(max_parallel(node), len(keys)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(lambda key: call_chain(run, chain, values, key), keys))
    failed = [r[-1] for r in runs if r[-1].status != "ok"]
    if len(failed) > (0 if one else NODES[node].get("tolerated_failures", 0)):
        return Result(node, "failed", time.perf_counter() - start, attempts=max(r.attempts for r in failed),
                      error=failed[0].error, items=len(keys))
    ok = [r for r in runs if r[-1].status == "ok"]  # whole chains: every task of the object succeeded
    results = {}
    for position, member in enumerate(chain):
        attempts = max((r[position].attempts for r in runs if len(r) > position), default=1)
        results[member] = Result(member, "ok", time.perf_counter() - start, attempts=attempts, items=len(keys))
        results[member].value = ok[0][position].value if one else [r[position].value for r in ok]
    run.chained.update((member, results[member]) for member in chain[1:])
    return results[node]


def call_chain(run, chain, values, key):
    """The results of `chain`'s tasks on object `key`, up to the first that failed (whose error then names it)."""
    found, values = [], dict(values)
    for position, member in enumerate(chain):
        result = call_node(run, member, values, Partition(NODES[chain[0]]["map"], key) if position == 0 else None)
        found.append(result)
        if result.status != "ok":
            if position:
                result.error = ChainFailed(f"node `{member}` (after `{chain[position - 1]}` in the map over "
                                           f"`{NODES[chain[0]]['map']}`) failed on object {key!r}: "
                                           f"{type(result.error).__name__}: {result.error}")
            break
        values[member] = result.value
    return found


class ChainFailed(Exception):
    """A later task of a chain of mapped tasks failed on an object (reported as its chain's first node)."""


def chain_of(node):
    """`node` and the later tasks of its chain of mapped tasks (`map_after`), in order."""
    chain = [node]
    while True:
        later = [other for other, spec in NODES.items() if spec.get("map_after") == chain[-1]]
        if not later:
            return chain
        chain.append(later[0])


def chained_result(run, node, values):
    """A later task of a chain: what its chain's run gave it; else (its first node's result was loaded, not
    run) once per result of the node before it."""
    if node in run.chained:
        return run.chained.pop(node)
    start, before = time.perf_counter(), NODES[node]["map_after"]
    items = [values[before]] if run.item is not None else values[before]
    workers = max(1, min(max_parallel(node), len(items)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(lambda item: call_node(run, node, {**values, before: item}), items))
    failed = [r for r in runs if r.status != "ok"]
    attempts = max((r.attempts for r in runs), default=1)
    if len(failed) > (0 if run.item is not None else NODES[node].get("tolerated_failures", 0)):
        return Result(node, "failed", time.perf_counter() - start, attempts=attempts, error=failed[0].error,
                      items=len(items))
    result = Result(node, "ok", time.perf_counter() - start, attempts=attempts, items=len(items))
    result.value = runs[0].value if run.item is not None else [r.value for r in runs if r.status == "ok"]
    return result


def max_parallel(node):
    """Runs of mapped `node` at once: --max-parallel, else the node's `max_parallel`, else the CPU count."""
    return MAX_PARALLEL["runs"] or NODES[node].get("max_parallel") or os.cpu_count() or 1
