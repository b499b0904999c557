"""Colours and shapes, shared by DOT and Mermaid.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
every kind also differs by shape, and every edge style by line pattern or width, so nothing is told
apart by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KindStyle:
    shape: str  # Graphviz shape
    stroke: str  # border / cluster outline
    fill: str  # light tint of `stroke` for the task boxes
    style: str  # Graphviz node style


KINDS: dict[str, KindStyle] = {
    "local": KindStyle("box", "#0072B2", "#D4E8F5", "rounded,filled"),  # blue
    "serverless": KindStyle("hexagon", "#E69F00", "#FBEACC", "filled"),  # orange
    "vm": KindStyle("box3d", "#009E73", "#CCEDE3", "filled"),  # bluish green
    "cluster": KindStyle("component", "#CC79A7", "#F5E4ED", "filled"),  # reddish purple
}
UNKNOWN_KIND = KindStyle("box", "#666666", "#EEEEEE", "filled")

STORAGE_STROKE = "#555555"
STORAGE_FILL = "#F2F2F2"

DATA_COLOR = "#333333"
ORDER_COLOR = "#777777"
READ_COLOR = "#56B4E9"  # sky blue
WRITE_COLOR = "#D55E00"  # vermillion

FONT = "Helvetica"

#: A mapped node (run once per object of a dataset) is drawn stacked: a second outline around its box.
MAPPED_PERIPHERIES = 2
MAPPED_STROKE_WIDTH = "3px"  # Mermaid has no peripheries: a thicker outline


def kind_style(kind: str) -> KindStyle:
    return KINDS.get(kind, UNKNOWN_KIND)
