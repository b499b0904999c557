"""The DAG of a pipeline: ordering edges, cycles, execution levels. Linear time, deterministic."""

from __future__ import annotations

from collections import defaultdict


def successors(node_ids: list[str], edges) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {n: [] for n in node_ids}
    for edge in edges:
        if edge.source in out and edge.target in out and edge.target not in out[edge.source]:
            out[edge.source].append(edge.target)
    for targets in out.values():
        targets.sort()
    return out


def find_cycle(node_ids: list[str], edges) -> list[str] | None:
    """One cycle as a closed walk [a, b, ..., a], or None. Iterative DFS (no recursion limits)."""
    graph = successors(node_ids, edges)
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    for start in sorted(node_ids):
        if state.get(start):
            continue
        stack = [(start, iter(graph[start]))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph[child])))
                path.append(child)
    return None


def levels(node_ids: list[str], edges) -> tuple[tuple[str, ...], ...]:
    """Level of a node = length of the longest path to it (Kahn's algorithm). Nodes on a cycle are left out."""
    graph = successors(node_ids, edges)
    indegree: defaultdict[str, int] = defaultdict(int)
    for targets in graph.values():
        for target in targets:
            indegree[target] += 1
    level = {n: 0 for n in node_ids}
    ready = [n for n in node_ids if indegree[n] == 0]
    order = []
    while ready:
        node = ready.pop()
        order.append(node)
        for target in graph[node]:
            level[target] = max(level[target], level[node] + 1)
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    grouped: dict[int, list[str]] = defaultdict(list)
    for node in order:
        grouped[level[node]].append(node)
    return tuple(tuple(sorted(grouped[i])) for i in sorted(grouped))


def topological_order(levels_: tuple[tuple[str, ...], ...]) -> list[str]:
    return [node for level in levels_ for node in level]
