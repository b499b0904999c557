"""selection: which nodes run

--select, --from and --until choose nodes; --resume skips those a checkpoint holds. What comes after
a node that runs again runs too, and the results a running node needs are loaded from checkpoints
or computed (pulled in).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.plan import LEVELS, NODES, OUTPUTS, PIPELINE


class UsageError(Exception):
    """A flag names something this pipeline does not have (exit status 2)."""


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
