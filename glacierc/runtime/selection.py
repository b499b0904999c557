"""selection: which nodes run

--select and --exclude take dbt's selector syntax, the one `glacierc graph --select` takes too (this
module is the one parser of it; glacierc imports it, runners copy it):

    NODE       the node itself              tag:NAME   every node whose task has `tags=` NAME
    +NODE      and all its ancestors        path:FILE  every node whose task is defined in FILE
    2+NODE     ancestors up to two edges    NODE+      and all its descendants (NODE+1: children)
    @NODE      its descendants and all the ancestors of those

Several selectors (repeated, or space-separated in one) give the union; --exclude removes its union.
Ancestors and descendants follow every edge, data and order. A selector that is malformed or picks
nothing is a usage error. --from and --until narrow the choice; --resume skips the nodes a checkpoint
holds. What comes after a node that runs again runs too, and the results a running node needs are
loaded from checkpoints or computed (pulled in).
"""

import difflib
import re
from collections import namedtuple
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.plan import LEVELS, NODES, OUTPUTS, PIPELINE


class UsageError(Exception):
    """A flag names something this pipeline does not have (exit status 2)."""


class SelectionError(UsageError, ValueError):
    """A selector cannot be parsed, or picks no node of the pipeline; the message is for the user."""


SELECTOR = re.compile(r"^(?P<at>@)?(?:(?P<up>\d*)(?P<plus_up>\+))?(?P<name>[^+@\s]+)"
                      r"(?:(?P<plus_down>\+)(?P<down>\d*))?$")
METHODS = ("tag", "path")
#: `name`: a node id, `tag:NAME` or `path:FILE`; `ancestors`/`descendants`: edges to follow (None: all).
Selector = namedtuple("Selector", "name ancestors descendants at", defaults=(0, 0, False))
#: What selection needs of one node: the nodes it comes after, its task's tags and the file defining it.
SelectionNode = namedtuple("SelectionNode", "parents tags file")


def parse_selector(raw):
    match = SELECTOR.match(raw)
    method, colon, value = match["name"].partition(":") if match else ("", "", "")
    if not match or (match["at"] and match["plus_up"]) or (colon and (method not in METHODS or not value)):
        raise SelectionError(f"invalid selector '{raw}': expected NODE, +NODE, NODE+, +NODE+, N+NODE, NODE+N or "
                             "@NODE, where NODE is a node id, tag:NAME or path:FILE")
    up = (int(match["up"]) if match["up"] else None) if match["plus_up"] else 0
    down = (int(match["down"]) if match["down"] else None) if match["plus_down"] else 0
    return Selector(match["name"], up, down, bool(match["at"]))


def choose(selectors, excluded, nodes, pipeline):
    """The ids `selectors` pick from `nodes` ({id: SelectionNode}; all of them when there are no selectors),
    less those `excluded` picks."""
    children = {node: set() for node in nodes}
    for node, spec in nodes.items():
        for parent in spec.parents:
            children[parent].add(node)
    parents = {node: set(spec.parents) for node, spec in nodes.items()}
    picked = [_picked(parse_selector(raw), nodes, parents, children, pipeline, "--select") for raw in _split(selectors)]
    chosen = set().union(*picked) if picked else set(nodes)
    for raw in _split(excluded):
        chosen -= _picked(parse_selector(raw), nodes, parents, children, pipeline, "--exclude")
    return chosen


def _split(raws):
    return [part for raw in raws or () for part in raw.split()]


def _picked(selector, nodes, parents, children, pipeline, flag):
    start = _matching(selector.name, nodes, pipeline, flag)
    if selector.at:
        return _walk(_walk(start, children, None), parents, None)
    return _walk(start, parents, selector.ancestors) | _walk(start, children, selector.descendants)


def _matching(name, nodes, pipeline, flag):
    method, colon, value = name.partition(":")
    if not colon:
        if name not in nodes:
            raise SelectionError(_unknown(f"{flag}: pipeline '{pipeline}' has no node '{name}'", name, sorted(nodes)))
        return {name}
    if method == "tag":
        found = {node for node, spec in nodes.items() if value in spec.tags}
        known, what = sorted({tag for spec in nodes.values() for tag in spec.tags}), "tagged"
    else:
        found = {node for node, spec in nodes.items() if _in_path(spec.file, value)}
        known, what = sorted({spec.file for spec in nodes.values()}), "whose task is defined in"
    if not found:
        raise SelectionError(_unknown(f"{flag}: pipeline '{pipeline}' has no node {what} '{value}'", value, known,
                                      "its tags are" if method == "tag" else "its files are"))
    return found


def _in_path(file, wanted):
    """FILE names the task's file as the IR does (relative to its project root), a directory above it, or
    the same file from further up (`pipelines/tasks.py` for `tasks.py`)."""
    file, wanted = file.replace("\\", "/"), wanted.replace("\\", "/").strip("/")
    while wanted.startswith("./"):
        wanted = wanted[2:]
    return file == wanted or file.startswith(wanted + "/") or wanted.endswith("/" + file)


def _walk(start, links, depth):
    seen, frontier, step = set(start), set(start), 0
    while frontier and (depth is None or step < depth):
        frontier = {n for f in frontier for n in links[f]} - seen
        seen |= frontier
        step += 1
    return seen


def _unknown(message, name, known, listing="its nodes are"):
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"{message}; did you mean '{close[0]}'?"
    return f"{message}; {listing}: {', '.join(known) or '(none)'}"


def plan_selection_nodes():
    """The plan's nodes as selection sees them."""
    return {node: SelectionNode((*spec["needs"], *spec["after"]), spec.get("tags", ()),
                                spec["source"].rsplit(":", 1)[0]) for node, spec in NODES.items()}


class Selection:
    """`outputs`: results shown at the end: the pipeline's, or in a partial run the selected nodes
    no other selected node consumes (lazy ones are computed for it)."""

    def __init__(self, run, skipped, load, pulled):
        self.run, self.skipped, self.load, self.pulled = run, skipped, load, pulled
        if not skipped:
            self.outputs = OUTPUTS
        else:
            consumed = {n for node in run for n in NODES[node]["needs"]}
            self.outputs = tuple(n for level in LEVELS for n in level if n in run and n not in consumed)


def reachable(start, downstream, data_only=False):
    """`start` and the nodes after it (downstream) or before it, following data edges, and order
    edges unless `data_only`."""
    edges = {n: set() for n in NODES}
    for node, spec in NODES.items():
        for before in (*spec["needs"], *(() if data_only else spec["after"])):
            if downstream:
                edges[before].add(node)
            else:
                edges[node].add(before)
    found, stack = {start}, [start]
    while stack:
        for other in edges[stack.pop()]:
            if other not in found:
                found.add(other)
                stack.append(other)
    return found


def select(chosen=(), start=None, until=None, resume=False, checkpoints=None, pull=True):
    """Nodes to run, nodes skipped (and why), results to load from checkpoints, nodes pulled in."""
    for name in (*chosen, start, until):
        if name is not None and name not in NODES:
            raise UsageError(f"pipeline `{PIPELINE}` has no node `{name}`; its nodes: {', '.join(NODES)}")
    if resume and checkpoints is None:
        raise UsageError("--resume needs --checkpoint DIR")
    wanted = set(chosen) if chosen else set(NODES)
    if start is not None:
        wanted &= reachable(start, downstream=True)
    if until is not None:
        wanted &= reachable(until, downstream=False)
    if resume and (foreign := checkpoints.foreign(sorted(NODES))):
        raise UsageError(f"checkpoint {checkpoints.root} holds results of another build of pipeline "
                         f"`{PIPELINE}` ({', '.join(foreign)}); run without --resume to start over")
    done = {n for n in wanted if resume and checkpoints.valid(n)}
    running, load, pulled = wanted - done, set(), {}
    for node in sorted(running):  # what comes after a node that runs again is stale: it runs too
        running |= reachable(node, downstream=True) & wanted
    done -= running
    stack = sorted(running)
    while stack:
        node = stack.pop()
        for needed in NODES[node]["needs"]:
            if needed in running or needed in load:
                continue
            if checkpoints is not None and checkpoints.valid(needed):
                load.add(needed)
            elif pull:
                running.add(needed)
                pulled[needed] = node
                stack.append(needed)
            else:
                raise UsageError(f"node `{node}` needs the result of `{needed}`, which no checkpoint holds")
    skipped = {n: "from checkpoint" if n in done else "not selected" for n in NODES if n not in running}
    return Selection(running, skipped, load, pulled)
