"""Graphviz DOT text for a `GraphView`. Only layout of text: every choice is made in view.py/style.py.

Ids in the DOT are namespaced (`task:<node id>`, `storage:<name>`, `legend:<...>`) so a storage and
a node of the same name never collide, and always quoted, so dots or spaces in names are harmless.
"""

from __future__ import annotations

from html import escape

from glacierc.backends.escaping import visible
from glacierc.backends.graph import style as st
from glacierc.backends.graph.view import Cluster, GraphView, Line, StorageBox, TaskBox

INDENT = "  "


def to_dot(view: GraphView) -> str:
    out = [f"digraph {quote(view.pipeline)} {{"]
    out += _defaults(view)
    for cluster in view.clusters:
        out += _cluster(cluster)
    out += [INDENT + _storage_node(box) for box in view.storage]
    out += [INDENT + _rank(level) for level in view.levels if len(level) > 1]
    out += [INDENT + _edge(line) for line in view.lines]
    out += _legend(view)
    out.append("}")
    return "\n".join(out) + "\n"


def quote(text: str) -> str:
    """A DOT double-quoted string (usable as an id or a plain label). Newlines and other hidden
    characters become visible `\\n`-style text, and backslashes are doubled, so neither DOT escapes
    (`\\N`, `\\G`, `\\l`) nor line breaks come from user text."""
    body = visible(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{body}"'


def html(text: str) -> str:
    """Text for inside an HTML-like label; non-ASCII as numeric entities, so the DOT stays ASCII."""
    return "".join(ch if ch.isascii() else f"&#{ord(ch)};" for ch in escape(visible(text), quote=False))


def task_id(node_id: str) -> str:
    return quote(f"task:{node_id}")


def storage_id(name: str) -> str:
    return quote(f"storage:{name}")


def _attrs(**attrs: str) -> str:
    return "[" + ", ".join(f"{key}={value}" for key, value in attrs.items()) + "]"


def _defaults(view: GraphView) -> list[str]:
    title = f'<<b>{html(view.pipeline)}</b>'
    if view.clouds:
        title += f' <font color="#555555">({html(", ".join(view.clouds))})</font>'
    graph = _attrs(
        rankdir="LR", newrank="true", label=title + ">", labelloc="t", labeljust="l",
        fontname=quote(st.FONT), fontsize="16", nodesep="0.3", ranksep="0.45", pad="0.25",
    )
    node = _attrs(fontname=quote(st.FONT), fontsize="11", margin='"0.12,0.05"')
    edge = _attrs(
        fontname=quote(st.FONT), fontsize="9", color=quote(st.DATA_COLOR), arrowsize="0.7",
    )
    return [f"{INDENT}graph {graph};", f"{INDENT}node {node};", f"{INDENT}edge {edge};"]


def _cluster(cluster: Cluster) -> list[str]:
    look = st.kind_style(cluster.kind)
    label = f'<<b>{html(cluster.executor)}</b> ({html(_detail(cluster))})>'
    attrs = _attrs(
        label=label, style='"rounded"', color=quote(look.stroke), fontcolor=quote("#333333"),
        fontsize="11", labeljust="l", penwidth="1.4", margin="10",
    )
    body = [f"{INDENT * 2}graph {attrs};"]
    body += [INDENT * 2 + _task_node(box) for box in cluster.nodes]
    return [f"{INDENT}subgraph {quote('cluster_' + cluster.executor)} {{", *body, INDENT + "}"]


def _detail(cluster: Cluster) -> str:
    return f"{cluster.kind}: {cluster.config_type}" if cluster.config_type else cluster.kind


def _task_node(box: TaskBox) -> str:
    label = f'<<b>{html(box.title)}</b><br/><font point-size="9">{html(box.detail)}</font>>'
    stacked = {"peripheries": str(st.MAPPED_PERIPHERIES)} if box.map is not None else {}
    return f"{task_id(box.id)} {_kind_attrs(box.kind, label, **stacked)};"


def _kind_attrs(kind: str, label: str, **extra: str) -> str:
    look = st.kind_style(kind)
    return _attrs(
        label=label, shape=look.shape, style=quote(look.style), color=quote(look.stroke),
        fillcolor=quote(look.fill), **extra,
    )


def _storage_node(box: StorageBox) -> str:
    label = (
        f'<<b>{html(box.name)}</b><br/><font point-size="9">{html(box.location)}</font>'
        f'<br/><font point-size="9"><i>{html(box.format)}</i></font>>'
    )
    return f"{storage_id(box.name)} {_storage_attrs(label)};"


def _storage_attrs(label: str) -> str:
    # The extra vertical margin keeps the cylinder's top rim clear of the first label line.
    return _attrs(
        label=label, shape="cylinder", style="filled", color=quote(st.STORAGE_STROKE),
        fillcolor=quote(st.STORAGE_FILL), margin='"0.12,0.18"',
    )


def _rank(level: tuple[str, ...]) -> str:
    return "{rank=same; " + " ".join(task_id(i) + ";" for i in level) + "}"


EDGE_ATTRS: dict[str, dict[str, str]] = {
    "data": {},
    "order": {"style": "dashed", "color": quote(st.ORDER_COLOR), "fontcolor": quote(st.ORDER_COLOR)},
    "read": {"color": quote(st.READ_COLOR), "arrowhead": "empty"},
    "write": {"color": quote(st.WRITE_COLOR), "penwidth": "2"},
}


def _edge(line: Line) -> str:
    source = storage_id(line.source) if line.style == "read" else task_id(line.source)
    target = storage_id(line.target) if line.style == "write" else task_id(line.target)
    attrs = dict(EDGE_ATTRS[line.style])
    if line.label:
        attrs["label"] = quote(line.label)
    suffix = " " + _attrs(**attrs) if attrs else ""
    return f"{source} -> {target}{suffix};"


# Samples of the edge styles, drawn with box-drawing characters (entities keep the DOT ASCII).
LEGEND_EDGES = {
    "data": (st.DATA_COLOR, "&#9472;&#9472;&#9658;", "data (parameter)"),
    "order": (st.ORDER_COLOR, "&#9548;&#9548;&#9658;", "order (depends_on, storage)"),
    "read": (st.READ_COLOR, "&#9472;&#9472;&#9655;", "reads"),
    "write": (st.WRITE_COLOR, "<b>&#9473;&#9473;&#9658;</b>", "writes"),
}


def _legend(view: GraphView) -> list[str]:
    """One HTML-table node: a swatch of every kind and a sample of every edge style the picture
    uses. A single node keeps the legend compact; a cluster of sample nodes and edges would be
    spread over the global ranks of the picture (see docs/graph.md)."""
    swatches = [_swatch(k, st.kind_style(k).fill, st.kind_style(k).stroke) for k in view.kinds]
    if view.storage:
        swatches.append(_swatch("storage", st.STORAGE_FILL, st.STORAGE_STROKE))
    samples = [_sample(*LEGEND_EDGES[s]) for s in view.styles]
    rows = ['<tr><td colspan="2" align="left"><font point-size="9" color="#555555">'
            "<b>legend</b></font></td></tr>"]
    for i in range(max(len(swatches), len(samples))):
        left = swatches[i] if i < len(swatches) else "<td></td>"
        right = samples[i] if i < len(samples) else "<td></td>"
        rows.append(f"<tr>{left}{right}</tr>")
    table = (
        '<table border="1" style="rounded" color="#BBBBBB" cellborder="0" cellspacing="3" '
        f'cellpadding="2">{"".join(rows)}</table>'
    )
    return [f'{INDENT}{quote("legend:")} [shape=plain, fontsize=9, label=<{table}>];']


def _swatch(name: str, fill: str, stroke: str) -> str:
    return f'<td bgcolor="{fill}" color="{stroke}" border="1">{html(name)}</td>'


def _sample(colour: str, glyphs: str, text: str) -> str:
    return f'<td align="left"><font color="{colour}">{glyphs}</font> {html(text)}</td>'
