"""Mermaid `flowchart LR` text for a `GraphView`, for READMEs and pull-request comments.

The same content as the DOT, simplified: a subgraph per execution resource, storage as cylinders,
data edges labelled with their parameter, order edges dotted, writes thick. Mermaid has no ranks, so
levels are left to its layout. Labels are always quoted and user text is entity-escaped; ids are
derived from names (`t_<node>`, `s_<storage>`, `x_<executor>`), made unique when sanitising clashes.
"""

from __future__ import annotations

import re

from glacierc.backends.escaping import visible
from glacierc.backends.graph import style as st
from glacierc.backends.graph.view import GraphView, Line

INDENT = "  "
SHAPES = {  # (open, close) around the quoted label
    "local": ("(", ")"),
    "serverless": ("{{", "}}"),
    "vm": ("[[", "]]"),
    "cluster": ("[/", "/]"),
}
ARROWS = {"data": "-->", "order": "-.->", "read": "-->", "write": "==>"}
ENTITIES = {"#": "#35;", "&": "#amp;", "<": "#lt;", ">": "#gt;", '"': "#quot;", "|": "#124;", "%": "#37;",
            "`": "#96;"}


def to_mermaid(view: GraphView) -> str:
    ids = _ids(view)
    out = ["---", f"title: {_yaml(view.title)}", "---", "flowchart LR"]
    for cluster in view.clusters:
        out.append(f'{INDENT}subgraph {ids["x", cluster.executor]}["{text(cluster.label)}"]')
        for box in cluster.nodes:
            opening, closing = SHAPES.get(box.kind, ("[", "]"))
            label = f"<b>{text(box.title)}</b><br/>{text(box.detail)}"
            out.append(f'{INDENT * 2}{ids["t", box.id]}{opening}"{label}"{closing}')
        out.append(f"{INDENT}end")
    for store in view.storage:
        label = f"<b>{text(store.name)}</b><br/>{text(store.location)}<br/><i>{text(store.format)}</i>"
        out.append(f'{INDENT}{ids["s", store.name]}[("{label}")]')
    out += [INDENT + _edge(line, ids) for line in view.lines]
    out += _styles(view, ids)
    return "\n".join(out) + "\n"


def text(value: str) -> str:
    """User text safe inside a quoted Mermaid label (non-ASCII as numeric entities too)."""
    return "".join(_entity(ch) for ch in visible(value.replace("\n", " ")))


def _entity(ch: str) -> str:
    if ch in ENTITIES:
        return ENTITIES[ch]
    return ch if ch.isascii() else f"#{ord(ch)};"


def _yaml(value: str) -> str:
    return '"' + visible(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ids(view: GraphView) -> dict[tuple[str, str], str]:
    names = [("x", c.executor) for c in view.clusters]
    names += [("t", box.id) for c in view.clusters for box in c.nodes]
    names += [("s", box.name) for box in view.storage]
    ids: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for prefix, name in names:
        base = f"{prefix}_" + re.sub(r"\W", "_", name, flags=re.ASCII)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        ids[prefix, name] = candidate
    return ids


def _edge(line: Line, ids: dict[tuple[str, str], str]) -> str:
    source = ids["s" if line.style == "read" else "t", line.source]
    target = ids["s" if line.style == "write" else "t", line.target]
    label = f'|"{text(line.label)}"|' if line.label else ""
    return f"{source} {ARROWS[line.style]}{label} {target}"


def _styles(view: GraphView, ids: dict[tuple[str, str], str]) -> list[str]:
    out = []
    for kind in view.kinds:
        look = st.kind_style(kind)
        out.append(f"{INDENT}classDef {kind} fill:{look.fill},stroke:{look.stroke},color:#000")
    if view.storage:
        fill, stroke = st.STORAGE_FILL, st.STORAGE_STROKE
        out.append(f"{INDENT}classDef storage fill:{fill},stroke:{stroke},color:#000")
    for kind in view.kinds:
        members = [ids["t", b.id] for c in view.clusters for b in c.nodes if b.kind == kind]
        out.append(f"{INDENT}class {','.join(members)} {kind}")
    if view.storage:
        out.append(f"{INDENT}class {','.join(ids['s', b.name] for b in view.storage)} storage")
    mapped = [ids["t", b.id] for c in view.clusters for b in c.nodes if b.map is not None]
    if mapped:  # drawn stacked: a thicker outline (the label says `[*]`)
        out += [f"{INDENT}classDef mapped stroke-width:{st.MAPPED_STROKE_WIDTH}",
                f"{INDENT}class {','.join(mapped)} mapped"]
    for cluster in view.clusters:
        stroke = st.kind_style(cluster.kind).stroke
        out.append(f"{INDENT}style {ids['x', cluster.executor]} fill:#FFFFFF,stroke:{stroke}")
    colours = {"order": st.ORDER_COLOR, "read": st.READ_COLOR, "write": st.WRITE_COLOR}
    for style, colour in colours.items():
        index = [str(i) for i, line in enumerate(view.lines) if line.style == style]
        if index:
            out.append(f"{INDENT}linkStyle {','.join(index)} stroke:{colour}")
    return out
