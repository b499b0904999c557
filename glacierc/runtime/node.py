"""one node in a cloud function

`run_node(node, event)` is what the cloud entry points call. The event only selects; results
between nodes live in the pipeline's staging location, GLACIER_STAGING_URI__<pipeline> (see
`staging_variable`: one function may serve several pipelines, each with a store of its own).
"""

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.execute import execute
    from glacierc.runtime.mapping import chain_of, dataset_prefix, is_partition
    from glacierc.runtime.plan import NODES, OUTPUTS, PIPELINE, PLAN_ID
    from glacierc.runtime.run import ACTIVE, Run
    from glacierc.runtime.selection import select
    from glacierc.runtime.storage import is_remote


EVENT_KEYS = ("pipeline", "node", "group", "run_id", "item", "index")
STAGING_VARIABLE = "GLACIER_STAGING_URI"
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
INDEX = re.compile(r"0|[1-9][0-9]{0,8}")


class RefusedEvent(ValueError):
    """A cloud invocation asked for something the event may not choose."""


def check_event(node, event):
    """The run id an invocation event gives (or None). The event only selects: the pipeline and the node
    (both must be this runner's) and a run id; every location comes from the function's configuration."""
    event = {} if event is None else event
    if not isinstance(event, dict):
        raise RefusedEvent(f"refused event: expected a JSON object, got {type(event).__name__}")
    extra = sorted(repr(key) for key in event if key not in EVENT_KEYS)
    if extra:
        raise RefusedEvent(f"refused event keys {', '.join(extra)}: an event may only hold {', '.join(EVENT_KEYS)}; "
                           "where data lives comes from the function's configuration, never from the event")
    for key, value in sorted(event.items()):
        if not isinstance(value, str):
            raise RefusedEvent(f"refused event: `{key}` must be a string, got {type(value).__name__}")
    if event.get("pipeline", PIPELINE) != PIPELINE or node not in NODES or event.get("node", node) != node:
        raise RefusedEvent(f"refused event: this runner runs pipeline `{PIPELINE}`, nodes {', '.join(NODES)}")
    if event.get("group", node) != node:
        raise RefusedEvent(f"refused event: group `{event['group']}` is not the group led by node `{node}`")
    run_id = event.get("run_id")
    if run_id is not None and not RUN_ID.fullmatch(run_id):
        raise RefusedEvent("refused event: `run_id` must match [A-Za-z0-9_-]{1,64}")
    if "item" in event or "index" in event:
        check_item(node, event)
    return run_id


def check_item(node, event):
    """An item of a Distributed Map: a mapped node, an object key below its dataset's prefix, an index."""
    dataset = NODES[node].get("map")
    if dataset is None:
        raise RefusedEvent(f"refused event: node `{node}` is not mapped over a dataset, so it takes no `item`")
    start = dataset_prefix(STORAGE[dataset]["path"])
    key, index = event.get("item", ""), event.get("index", "")
    if not key.startswith(start) or ".." in key.split("/") or not INDEX.fullmatch(index):
        raise RefusedEvent(f"refused event: `item` must be an object key below `{start}` (dataset `{dataset}`) "
                           "and `index` its position, a whole number")


def exchanged(nodes):
    """The nodes of the group `nodes` whose results a node outside it needs (or the pipeline returns): only
    these are staged; the others flow in memory within the invocation."""
    inside = set(nodes)
    needed = {n for other, spec in NODES.items() if other not in inside for n in spec["needs"]}
    return tuple(n for n in nodes if n in needed or n in OUTPUTS)


def staging_variable(pipeline):
    """The environment variable holding the staging location of `pipeline` in a function serving it:
    GLACIER_STAGING_URI__ and the name with ASCII letters and digits kept and every other character
    (`_` too) written `_XX`, the hex of its UTF-8 bytes. So the mapping is one-to-one and every name
    gives a valid variable name (`[A-Za-z][A-Za-z0-9_]*`) on AWS Lambda, Cloud Functions and Azure."""
    escaped = (c if c.isascii() and c.isalnum() else "".join(f"_{b:02X}" for b in c.encode()) for c in pipeline)
    return f"{STAGING_VARIABLE}__{''.join(escaped)}"


def staged_stem(node):
    """The file stem of `node`'s staged result and checkpoint (`<stem>.json`, `<stem>.parquet`, a map's items
    `<stem>/<index>.*`): ASCII letters, digits and `_` kept, every other character and a leading digit written
    `-XX`, the hex of its UTF-8 bytes. One-to-one, and a stem holds no `.`, `/` or wildcard and is never a
    number, so one node's grants (`<stem>.*`, `<stem>/*`) never match another's names: a node id is a task
    name, which may be any string (`x` and `x.parquet`, `x*`, `../x`)."""
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") and not (i == 0 and c.isdigit())
                   else "".join(f"-{b:02X}" for b in c.encode()) for i, c in enumerate(node))


def staging_root():
    """This pipeline's staging location: its own variable (`staging_variable`), else GLACIER_STAGING_URI
    (a function configured by hand, or a job given its location on the command line)."""
    own = os.environ.get(staging_variable(PIPELINE), "").strip()
    return own or os.environ.get(STAGING_VARIABLE, "").strip()


def staging_uri(nodes, run_id):
    """Where results between nodes live: the pipeline's staging location (under run_id/ when the event
    gives one). None when the group neither takes nor gives a result; an error when it does and nothing is
    configured."""
    root = staging_root()
    inside = set(nodes)
    linked = any(set(NODES[n]["needs"]) - inside for n in nodes) or exchanged(nodes)
    if not root:
        if linked:
            raise RuntimeError(f"node `{nodes[0]}` exchanges results with other nodes of pipeline `{PIPELINE}`, "
                               f"which needs a store for them: set {staging_variable(PIPELINE)} (or "
                               f"{STAGING_VARIABLE}) on this function (the Terraform glacierc generates sets "
                               "the first to the pipeline's staging bucket)")
        return None
    if run_id is None:
        return root
    return f"{root.rstrip('/')}/{run_id}" if is_remote(root) else os.path.join(root, run_id)


def run_node(node, event=None):
    """Run one node in this process (how cloud functions call the runner); see `run_group`. Its result is
    saved to the store whether or not another node needs it."""
    return run_group((node,), event, stage_all=True)


def run_group(nodes, event=None, retry_in_process=True, stage_all=False):
    """Run a fused group of nodes (its first node leads it) in one process, as one invocation.

    The event may hold only "pipeline", "node", "group" (the leading node) and "run_id" (see check_event).
    The results the group needs from other nodes are read from the staging location and the results other
    nodes need from it are saved there, as data (Parquet, JSON); within the group LazyFrames flow in
    memory. `retry_in_process=False` (a state machine's task, whose Retry retries it): no retry here. GLACIER_DATA_DIR, when
    set, maps buckets below a directory as --data-dir does. Raises RefusedEvent for an event that asks for
    more, NodeFailed when a node fails.
    """
    nodes = tuple(nodes)
    if "item" in (event or {}):
        return run_item(nodes, event, retry_in_process)
    run_id = check_event(nodes[0], event)
    for node in nodes[1:]:
        check_event(node, {k: v for k, v in (event or {}).items() if k not in ("node", "group")})
    staging = staging_uri(nodes, run_id)
    run = Run(os.environ.get("GLACIER_DATA_DIR") or None, None, "auto", staging, True, strict=True)
    run.retry_in_process = retry_in_process
    if run.checkpoints is not None and not stage_all:
        run.checkpoints.only = set(exchanged(nodes))
    selection = select(nodes, checkpoints=run.checkpoints, pull=False)
    results = {}
    ACTIVE["run"] = run
    try:
        if run.data_dir is not None:
            run.recover()
        execute(run, selection, None, results, {})
    finally:
        ACTIVE["run"] = None
    reports = [_report(node, results[node]) for node in nodes]
    return reports[0] if len(nodes) == 1 else {"pipeline": PIPELINE, "group": nodes[0], "nodes": reports}


def run_item(nodes, event, retry_in_process=True):
    """One object of a mapped node (a Distributed Map's child execution): its task on the object `item`,
    the result staged as item `index` of the node (<staging>/<run id>/<node>/<index>.*); a chain of mapped
    tasks (`[b(a(p)) ...]`, one group) runs whole on the object and stages what leaves it. A key below the
    prefix that the dataset's path does not match (or a hidden name) is skipped: nothing is staged."""
    node, run_id = nodes[0], check_event(nodes[0], event)
    if tuple(nodes) != tuple(chain_of(node)):
        raise RefusedEvent(f"refused event: node `{node}` is mapped and runs alone or with its chain "
                           f"{chain_of(node)}, not in group {list(nodes)}")
    key, index = event["item"], event["index"]
    if not is_partition(STORAGE[NODES[node]["map"]]["path"], key):
        return {"pipeline": PIPELINE, "plan": PLAN_ID, "node": node, "status": "skipped", "item": key,
                "index": int(index)}
    run = Run(os.environ.get("GLACIER_DATA_DIR") or None, None, "auto", staging_uri(nodes, run_id), True, strict=True)
    run.retry_in_process, run.item = retry_in_process, (node, key)
    run.checkpoints.stems.update((member, f"{staged_stem(member)}/{index}") for member in nodes)
    if len(nodes) > 1:
        run.checkpoints.only = set(exchanged(nodes))
    selection = select(nodes, checkpoints=run.checkpoints, pull=False)
    results = {}
    ACTIVE["run"] = run
    try:
        execute(run, selection, None, results, {})
    finally:
        ACTIVE["run"] = None
    reports = [{**_report(member, results[member]), "item": key, "index": int(index)} for member in nodes]
    return reports[0] if len(nodes) == 1 else {"pipeline": PIPELINE, "group": node, "nodes": reports,
                                               "status": reports[-1]["status"]}


def _report(node, result):
    """What the invocation returns for one node: the keys of its entry in a local run's report (so
    `glacierc run --cloud` reports a deployed execution as a local run), the pipeline and the plan id."""
    writes = [{"storage": s, "uri": u, "rows": r} for s, u, r in result.writes]
    return {"pipeline": PIPELINE, "plan": PLAN_ID, "node": node, "status": result.status,
            "seconds": round(result.seconds, 4), "rows": result.rows, "output": result.output,
            "attempts": result.attempts, "writes": writes}
