"""execution

Levels run in order. The tasks of one level run together (threads: eager tasks overlap), then all
writes of the level are sunk in one `pl.collect_all`, so LazyFrames flow between tasks unmaterialised
(Polars optimises across task boundaries) and plans shared by several writes are computed once.
A task is retried as its `retries=` says (not after an AccessRefused: it would be refused again) and
bounded by its `timeout=`.
"""

import concurrent.futures
import threading
import time
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.checkpoints import output_kind
    from glacierc.runtime.mapping import call_mapped
    from glacierc.runtime.plan import LEVELS, NODES, TASKS
    from glacierc.runtime.storage import BUCKETS, AccessRefused


class TaskTimeout(Exception):
    """A task's call ran over its `timeout=`."""


class NodeFailed(Exception):
    """`nodes` failed while their tasks ran (phase "call") or their results were written ("write")."""

    def __init__(self, nodes, error, phase):
        super().__init__(f"node `{nodes[0]}` failed: {type(error).__name__}: {error}")
        self.nodes, self.error, self.phase = nodes, error, phase


class Result:
    """What running a node did; `items`: for a mapped node, how many objects its task ran over."""

    def __init__(self, node, status, seconds=0.0, rows=None, output=None, attempts=0, error=None, note=None,
                 items=None):
        self.node, self.status, self.seconds, self.rows = node, status, seconds, rows
        self.output, self.attempts, self.error, self.note = output, attempts, error, note
        self.items = items
        self.writes = []


def arguments(node, values, partition=None):
    args, kwargs = [], {}
    for param, how, kind, value in NODES[node]["args"]:
        if kind == "node":
            item = result_of(values, value)
        elif kind == "nodes":
            item = [result_of(values, v) for v in value]
        elif kind == "storage":
            item = BUCKETS[value]
        elif kind == "partition":  # one object of the dataset a mapped node runs over
            item = partition
        elif kind == "const":
            item = value
        else:
            raise ValueError(f"the value of argument `{param}` is not known statically; the runner cannot pass it")
        if how == "positional":
            args.append(item)
        elif how == "star":
            args.extend(item)
        elif how == "starstar":
            kwargs.update(dict(item))
        else:
            kwargs[param] = item
    return args, kwargs


def result_of(values, ref):
    """A node's result (`ref` a node id), or an element of it (`ref` = (node id, index, ...))."""
    if isinstance(ref, str):
        return values[ref]
    value = values[ref[0]]
    for key in ref[1:]:
        value = value[key]
    return value


def call_node(run, node, values, partition=None):
    """Call the node's task (retrying as configured); returns a Result carrying the value. `partition`: the
    object one run of a mapped node is for."""
    spec = NODES[node]
    start = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        try:
            value = within(spec["timeout"], call_task, run, node, values, partition)
            run.settle_direct(node)
            result = Result(node, "ok", time.perf_counter() - start, attempts=attempts)
            result.value = value
            return result
        except Exception as error:
            run.discard(node)
            retries = spec["retries"] if run.retry_in_process else 0  # in the cloud the state machine retries
            if attempts > retries or isinstance(error, (TaskTimeout, AccessRefused)):  # a refusal is certain
                return Result(node, "failed", time.perf_counter() - start, attempts=attempts, error=error)


def call_task(run, node, values, partition=None):
    run.context.node = node
    try:
        args, kwargs = arguments(node, values, partition)
        return TASKS[NODES[node]["task"]](*args, **kwargs)
    finally:
        run.context.node = None


def within(seconds, function, *args):
    """`function(*args)`, bounded by `seconds` when the task has a `timeout=`. Python cannot stop a thread:
    a call that runs over is left behind in a daemon thread and the run fails without retrying it, so
    nothing that call writes is ever committed."""
    if seconds is None:
        return function(*args)
    outcome = {}

    def target():
        try:
            outcome["value"] = function(*args)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TaskTimeout(f"the task did not finish within its timeout of {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def call_level(run, todo, values):
    """Tasks declared to return a LazyFrame only build plans: called in turn. The others may do real
    work (collect, read, write): called concurrently in threads (Polars releases the GIL), as are mapped
    nodes (they list their objects, then run their task per object: mapping.call_mapped)."""
    eager = [n for n in todo if not NODES[n]["lazy"] or NODES[n].get("map")]
    called = {n: call_any(run, n, values) for n in todo if n not in eager or len(eager) == 1}
    if len(eager) > 1:
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(eager), 32)) as pool:
            futures = {node: pool.submit(call_any, run, node, values) for node in eager}
            called.update((node, future.result()) for node, future in futures.items())
    return {node: called[node] for node in todo}


def call_any(run, node, values):
    return call_mapped(run, node, values) if NODES[node].get("map") else call_node(run, node, values)


def run_level(run, todo, values, results, outputs, shown):
    called = call_level(run, todo, values)
    results.update(called)
    failed = [n for n in todo if called[n].status == "failed"]
    if failed:
        for node in todo:
            if called[node].status == "ok":
                called[node].status = "cancelled"
        raise NodeFailed(failed, called[failed[0]].error, "call")
    for node in todo:
        values[node] = called[node].value
    writes = run.take_pending()
    collects = [n for n in todo if n in shown and isinstance(values[n], pl.LazyFrame)]
    frame_types = (pl.DataFrame, pl.LazyFrame)
    saved = [n for n in todo if run.checkpoints is not None and run.checkpoints.wants(n)
             and isinstance(values[n], frame_types)]
    frame_writes = [run.checkpoints.frame_write(n, values[n]) for n in saved]
    start = time.perf_counter()
    try:
        frames = run.flush([*writes, *frame_writes], [values[n] for n in collects])
    except Exception as error:
        involved = sorted(({w.node for w in writes} | set(collects) | set(saved)) & set(todo)) or todo
        for node in involved:
            called[node].status = "failed"
        raise NodeFailed(involved, error, "write") from error
    spent = time.perf_counter() - start
    involved = {w.node for w in writes} | set(collects) | set(saved)
    for node in todo:
        finish_result(run, called[node], values[node], spent if node in involved else 0.0)
    for node, frame in zip(collects, frames):
        outputs[node] = frame
        called[node].rows = frame.height
    for node, write in zip(saved, frame_writes):
        if called[node].rows is None:
            called[node].rows = write.rows
    if run.commit_each_level:
        run.commit()
    for node in todo:
        if run.checkpoints is not None and run.checkpoints.wants(node):
            run.checkpoints.save(run, node, values[node], called[node].rows)
            if node in saved:
                values[node] = run.checkpoints.load(node)


def finish_result(run, result, value, flush_seconds):
    result.seconds += flush_seconds
    result.output = output_kind(value)
    result.writes = [(s, u, r) for n, s, u, r in run.written if n == result.node]
    if isinstance(value, pl.DataFrame):
        result.rows = value.height
    elif result.writes and all(r is not None for _, _, r in result.writes):
        result.rows = sum(r for _, _, r in result.writes)


def execute(run, selection, progress, results, outputs):
    """Run the selected nodes level by level; on any failure roll back and re-raise."""
    values = {}
    try:
        for node in sorted(selection.load):
            values[node] = run.checkpoints.load(node)
        for level in LEVELS:
            for node in level:
                if node in selection.skipped:
                    results[node] = Result(node, "skipped", note=selection.skipped[node])
            todo = [n for n in level if n in selection.run]
            try:
                if todo:
                    run_level(run, todo, values, results, outputs, selection.outputs)
            finally:
                if progress is not None:
                    progress.level(level, results, selection)
        run.commit()
    except BaseException:
        run.rollback()
        raise
    return values
