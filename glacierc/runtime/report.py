"""progress, failures and the run report

One progress line per node on stderr, the message of a failed run (mapped back to the sources
through SOURCE_MAP), --dry-run's plan and --report's JSON: versioned (`version`, REPORT_VERSION), its
JSON Schema in docs/run-report.schema.json (a change of its shape is a new version and a new schema).
"""

import json
import os
import sys
import traceback
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.commit import CommitFailed
    from glacierc.runtime.execute import Result
    from glacierc.runtime.plan import LEVELS, NODES, PIPELINE, PLAN_ID, SOURCES, SOURCE_MAP, STORAGE
    from glacierc.runtime.selection import reachable


class Progress:
    """One line per node on stderr: `[2/5] clean (serverless, lambda_exec) ... ok 0.12 s, 10,412 rows`."""

    def __init__(self, total, quiet):
        self.total, self.quiet, self.count = total, quiet, 0

    def level(self, level, results, selection):
        for node in level:
            result = results.get(node)
            if result is None:
                continue
            if result.status != "skipped":
                self.count += 1
            if not self.quiet:
                print(self.line(node, result, selection), file=sys.stderr, flush=True)

    def line(self, node, result, selection):
        spec = NODES[node]
        position = "-" if result.status == "skipped" else str(self.count)
        head = f"[{position}/{self.total}] {node} ({spec['kind']}, {spec['executor']}) ..."
        if result.status == "skipped":
            return f"{head} skipped ({result.note})"
        if result.status != "ok":
            return f"{head} {result.status.upper()} after {result.seconds:.2f} s"
        text = f"{head} ok {result.seconds:.2f} s" + describe_rows(result)
        if result.attempts > 1:
            text += f", after {result.attempts} attempts"
        if node in selection.pulled:
            text += f" (needed by {selection.pulled[node]})"
        return text


def describe_rows(result):
    items = "" if result.items is None else f", {result.items:,} item" + ("" if result.items == 1 else "s")
    if result.rows is not None:
        return items + f", {result.rows:,} row" + ("" if result.rows == 1 else "s")
    return items + (", lazy" if result.output == "lazy" else "")


def source_of(line):
    for first, last, file, source_line in SOURCE_MAP:
        if first <= line <= last:
            return f"{file}:{source_line + line - first}"
    return None


def user_frames(error):
    here = os.path.abspath(__file__)
    frames = []
    for frame in traceback.extract_tb(error.__traceback__):
        where = source_of(frame.lineno) if os.path.abspath(frame.filename) == here else None
        if where is not None:
            frames.append(f"  at {where}, in {frame.name}: {(frame.line or '').strip()}")
    return frames


def explain(failure, run, results):
    """The message of a failed run: node, task, source location, the error, where it came from."""
    if isinstance(failure, CommitFailed):
        return failure.describe()
    first = failure.nodes[0]
    spec = NODES[first]
    who = f"node `{first}` (task `{spec['task']}`, {spec['source']}, called at {spec['call']})"
    if len(failure.nodes) > 1:
        who += " or " + ", ".join(f"`{n}`" for n in failure.nodes[1:])
    if failure.phase == "write":
        lines = [f"error: {who} failed while its results were computed and written"]
    else:
        lines = [f"error: {who} failed"]
    message = [line.rstrip() for line in str(failure.error).strip().splitlines() if line.strip()] or [""]
    lines.append(f"  {type(failure.error).__name__}: {message[0]}")
    lines += [f"    {line.strip()}" for line in message[1:12]]
    lines += user_frames(failure.error)
    if failure.phase == "write":
        upstream = set().union(*(reachable(n, False, data_only=True) for n in failure.nodes)) - set(failure.nodes)
        upstream = sorted(n for n in upstream if getattr(results.get(n), "output", None) == "lazy")
        if upstream:
            lines.append(f"  the query includes the lazy steps of: {', '.join(upstream)}")
    for name in sorted(STORAGE):
        uri, _ = run.locate(name)
        if uri in str(failure.error) and "missing input data" not in str(failure.error):
            lines.append(f"  {uri} is storage `{name}` (bucket `{STORAGE[name]['bucket']}`, "
                         f"path `{STORAGE[name]['path']}`)")
    return "\n".join(lines)


def hidden(key):
    return any(word in key.lower() for word in ("secret", "key", "token", "password", "sas", "credential"))


def describe_plan(run, selection):
    """`--dry-run`: storage locations, then the levels with what would run."""
    lines = [f"pipeline {PIPELINE}: {len(NODES)} nodes in {len(LEVELS)} levels "
             f"(generated from {', '.join(SOURCES)})", "storage:"]
    width = max((len(n) for n in STORAGE), default=0)
    for name in sorted(STORAGE):
        uri, _ = run.locate(name)
        lines.append(f"  {name:<{width}}  {uri}  ({STORAGE[name]['format']})")
    if run.options:
        shown = [f"{k}={'***' if hidden(k) else v}" for k, v in sorted(run.options.items())]
        lines.append("storage options: " + ", ".join(shown))
    for index, level in enumerate(LEVELS):
        lines.append(f"level {index}:")
        for node in level:
            spec = NODES[node]
            state = f"skip ({selection.skipped[node]})" if node in selection.skipped else "run"
            args = ", ".join(f"{p}={describe_arg(k, v)}" for p, _, k, v in spec["args"])
            lines.append(f"  {node}: {spec['task']}({args}) on {spec['executor']} ({spec['kind']}), "
                         f"{spec['source']} -> {state}")
    lines.append(f"would run {len(selection.run)} of {len(NODES)} nodes (engine {run.engine})")
    return "\n".join(lines)


def describe_arg(kind, value):
    if kind == "node":
        return f"<{value}>"
    if kind == "nodes":
        return "[" + ", ".join(f"<{v}>" for v in value) + "]"
    if kind in ("storage", "partition"):
        return f"<storage {value}>" if kind == "storage" else f"<each object of {value}>"
    return repr(value) if kind == "const" else "<unknown>"


REPORT_VERSION = 1


def report_data(results, selection, run, seconds, failure):
    nodes = []
    for node in (n for level in LEVELS for n in level):
        result = results.get(node) or Result(node, "not run")
        nodes.append({
            "id": node, "task": NODES[node]["task"], "executor": NODES[node]["executor"],
            "kind": NODES[node]["kind"], "status": result.status, "seconds": round(result.seconds, 4),
            "rows": result.rows, "output": result.output, "attempts": result.attempts, "note": result.note,
            "writes": [{"storage": s, "uri": u, "rows": r} for s, u, r in result.writes],
            "error": None if result.error is None else f"{type(result.error).__name__}: {result.error}",
            **({"map": NODES[node]["map"], "items": result.items} if NODES[node].get("map") else {}),
        })
    counts = {status: sum(1 for n in nodes if n["status"] == status)
              for status in ("ok", "failed", "cancelled", "skipped", "not run")}
    written = [w["rows"] for n in nodes for w in n["writes"] if w["rows"] is not None]
    return {
        "version": REPORT_VERSION, "pipeline": PIPELINE, "plan": PLAN_ID, "status": "failed" if failure else "ok",
        "engine": run.engine, "seconds": round(seconds, 4), "nodes": nodes,
        "totals": {"nodes": len(nodes), **counts, "rows_written": sum(written)},
        "error": None if failure is None else explain(failure, run, results),
    }


def write_report(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    staging = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:8]}.tmp")
    with open(staging, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=2)
        file.write("\n")
    os.replace(staging, path)


def summary(run, results, seconds, quiet):
    ran = sum(1 for r in results.values() if r.status == "ok")
    if quiet:
        return
    print(f"done: {ran} node{'s' * (ran != 1)} in {seconds:.2f} s (engine {run.engine})", file=sys.stderr)
    last = {}
    for _, _, uri, rows in run.written:
        last[uri] = rows
    for uri, rows in last.items():
        counted = "" if rows is None else f" ({rows:,} row{'s' * (rows != 1)})"
        print(f"wrote {uri}{counted}", file=sys.stderr)
