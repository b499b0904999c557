"""Node selection in the style of dbt's `--select`.

    NODE      the node itself
    +NODE     the node and all its ancestors       2+NODE  ancestors up to two edges away
    NODE+     the node and all its descendants     NODE+1  direct children only
    +NODE+    both
    @NODE     the node, its descendants and all ancestors of those descendants

Several selectors (or one string with several space-separated selectors) give the union. Ancestors
and descendants follow every edge of the pipeline, data and order alike. An unknown node or a
malformed selector raises `SelectionError`, whose message is meant for the user as it is.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from glacierc.ir.nodes import Pipeline

SELECTOR = re.compile(
    r"""^(?P<at>@)?
        (?:(?P<up>\d*)(?P<plus_up>\+))?
        (?P<name>[^+@\s]+)
        (?:(?P<plus_down>\+)(?P<down>\d*))?$""",
    re.VERBOSE,
)


class SelectionError(ValueError):
    """A selector names no node of the pipeline, or cannot be parsed."""


@dataclass(frozen=True, slots=True)
class Selector:
    name: str
    ancestors: int | None = 0  # how many edges up; None = unlimited
    descendants: int | None = 0
    at: bool = False  # dbt's @: descendants plus all their ancestors


def parse_selector(raw: str) -> Selector:
    match = SELECTOR.match(raw)
    if not match or (match["at"] and match["plus_up"]):
        raise SelectionError(
            f"invalid selector '{raw}': expected NODE, +NODE, NODE+, +NODE+, N+NODE, NODE+N or @NODE"
        )
    up = _depth(match["plus_up"], match["up"])
    down = _depth(match["plus_down"], match["down"])
    return Selector(match["name"], up, down, bool(match["at"]))


def _depth(plus: str | None, digits: str | None) -> int | None:
    if not plus:
        return 0
    return int(digits) if digits else None


def select_nodes(pipeline: Pipeline, selectors: Iterable[str]) -> frozenset[str]:
    """The node ids the selectors pick; every node when there are no selectors."""
    raws = [part for raw in selectors for part in raw.split()]
    if not raws:
        return frozenset(n.id for n in pipeline.nodes)
    parents, children = _adjacency(pipeline)
    chosen: set[str] = set()
    for raw in raws:
        selector = parse_selector(raw)
        if selector.name not in parents:
            raise SelectionError(_unknown(pipeline, selector.name))
        chosen |= _expand(selector, parents, children)
    return frozenset(chosen)


def _expand(selector: Selector, parents: dict, children: dict) -> set[str]:
    if selector.at:
        below = _walk({selector.name}, children, None)
        return _walk(below, parents, None)
    up = _walk({selector.name}, parents, selector.ancestors)
    down = _walk({selector.name}, children, selector.descendants)
    return up | down


def _walk(start: set[str], links: dict[str, set[str]], depth: int | None) -> set[str]:
    seen, frontier, step = set(start), set(start), 0
    while frontier and (depth is None or step < depth):
        frontier = {n for f in frontier for n in links[f]} - seen
        seen |= frontier
        step += 1
    return seen


def _adjacency(pipeline: Pipeline) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    parents: dict[str, set[str]] = {n.id: set() for n in pipeline.nodes}
    children: dict[str, set[str]] = {n.id: set() for n in pipeline.nodes}
    for edge in pipeline.edges:
        if edge.source in parents and edge.target in parents:
            parents[edge.target].add(edge.source)
            children[edge.source].add(edge.target)
    return parents, children


def _unknown(pipeline: Pipeline, name: str) -> str:
    ids = sorted(n.id for n in pipeline.nodes)
    message = f"--select: pipeline '{pipeline.name}' has no node '{name}'"
    close = difflib.get_close_matches(name, ids, n=1)
    if close:
        return f"{message}; did you mean '{close[0]}'?"
    return f"{message}; its nodes are: {', '.join(ids) or '(none)'}"
