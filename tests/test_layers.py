"""The package layering of glacierc, computed from the source: every module's imports (module-level,
function-level and `TYPE_CHECKING` ones alike, read with `ast`, nothing imported) point to a lower layer.

The order, top to bottom (a unit imports only units of lower layers, never one of its own layer):

- the entry points (`python -m glacierc`, the argparse fast path, the typer app, the Python API, the fuzzer);
- `commands`, what each CLI command does, and the command modules under it;
- the services the commands share (the check cache, `-e` pairs, fixes, tables);
- `driver`, which sequences the passes, and what it sequences after the analysis (`output`, `migrate`,
  `suppression`);
- the backends: `backends` (the build's list of them) over `graph`, `runner` and `terraform`, which never
  import each other, over the helpers they share (`backends.names`, `backends.escaping`);
- `frontend` (LibCST in, IR out) over `settings` (what the walk and the loader are told) over `checks` (the
  rule modules: their messages, which the frontend and the backends report, and the checks of the IR);
- `ir`, then `diagnostics` (the model and its renderers, which know no rule), then the leaves: `source`,
  `errors`, `fileio`, the command-line table, and `runtime` / `entrypoints`, which import nothing of glacierc
  (they are copied into what is generated).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "glacierc"

#: Top to bottom; each layer is a tuple of units (a module, or a package with everything under it).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("glacierc.__main__", "glacierc.fuzz"),
    ("glacierc.entry",),
    ("glacierc.cli", "glacierc.api", "glacierc.fuzzing", "glacierc.fast_parser"),
    ("glacierc.commands",),
    ("glacierc.check_command", "glacierc.run_command", "glacierc.rule_command"),
    ("glacierc.cloud_run",),
    ("glacierc.cloud_targets",),
    ("glacierc.cloud_aws", "glacierc.cloud_azure", "glacierc.cloud_gcp"),
    ("glacierc.cloud_gcp_payloads",),
    ("glacierc.cache", "glacierc.check_scope", "glacierc.cloud_databricks", "glacierc.cloud_follow",
     "glacierc.cloud_map_runs",
     "glacierc.columns_report",
     "glacierc.pipeline_choice",
     "glacierc.env_flags", "glacierc.fixes", "glacierc.table"),
    ("glacierc.driver",),
    ("glacierc.migrate", "glacierc.output", "glacierc.suppression", "glacierc.package_inputs"),
    ("glacierc.backends",),
    ("glacierc.backends.graph", "glacierc.backends.runner", "glacierc.backends.terraform"),
    ("glacierc.backends.names", "glacierc.backends.imports"),
    ("glacierc.backends.escaping",),
    ("glacierc.frontend",),
    ("glacierc.settings",),
    ("glacierc.checks",),
    ("glacierc.ir",),
    ("glacierc.diagnostics",),
    ("glacierc.source", "glacierc.errors", "glacierc.fileio", "glacierc.cli_table", "glacierc.runtime",
     "glacierc.entrypoints", "glacierc.replay", "glacierc.cloud_common", "glacierc.cloud_items",
     "glacierc.cloud_sfn_history",
     "glacierc.class_code"),
    ("glacierc",),  # the package itself: `__version__`
)
BACKENDS = ("glacierc.backends.graph", "glacierc.backends.runner", "glacierc.backends.terraform")
#: Units whose code is copied into what glacierc generates: they import nothing of glacierc but themselves.
STANDALONE = ("glacierc.runtime", "glacierc.entrypoints")
#: Upward imports allowed by name (none: keep it so).
ALLOWED: frozenset[tuple[str, str]] = frozenset()

UNITS = {unit: depth for depth, layer in enumerate(LAYERS) for unit in layer}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(name: str, path: Path) -> Iterator[str]:
    """The glacierc modules `name` imports anywhere in its body (`from pkg import module` names the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base


def _known(module: str) -> str | None:
    """The glacierc module `module` is (or lies in), None for another distribution's."""
    while module not in modules() and "." in module:
        module = module.rpartition(".")[0]
    return module if module in modules() else None


@cache
def imports() -> dict[str, frozenset[str]]:
    """Module -> the glacierc modules it imports."""
    return {name: frozenset(filter(None, map(_known, _imported(name, path)))) for name, path in modules().items()}


def unit_of(module: str) -> str | None:
    """The declared unit `module` belongs to: the longest unit that is it or a package above it."""
    candidates = [unit for unit in UNITS if module == unit or module.startswith(unit + ".")]
    return max(candidates, key=len, default=None)


def unit_edges() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(importing unit, imported unit) -> the module imports behind it, between different units."""
    edges: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for module, targets in sorted(imports().items()):
        for target in sorted(targets):
            pair = (unit_of(module), unit_of(target))
            if pair[0] != pair[1] and None not in pair:
                edges.setdefault(pair, []).append((module, target))  # type: ignore[arg-type]
    return edges


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components of more than one unit (Tarjan)."""
    graph: dict[str, list[str]] = {}
    for source, target in sorted(edges):
        graph.setdefault(source, []).append(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read_from_the_source():
    """Function-level, relative and `from package import module` imports all land in the graph."""
    graph = imports()
    assert "glacierc.check_command" in graph["glacierc.commands"]  # inside a function
    assert "glacierc.checks.glc001_syntax_error" in graph["glacierc.frontend.loader"]  # from package import module
    assert "glacierc.frontend.loader" in graph["glacierc.driver"]
    assert len(graph) == len(list(PACKAGE.rglob("*.py")))


def test_every_module_belongs_to_a_declared_layer():
    assert [module for module in modules() if unit_of(module) is None] == []


def test_every_declared_unit_exists():
    assert [unit for unit in UNITS if unit not in modules()] == []


def test_imports_point_to_lower_layers_only():
    upward = {pair: sites for pair, sites in unit_edges().items()
              if UNITS[pair[0]] >= UNITS[pair[1]] and pair not in ALLOWED}
    assert upward == {}, "a unit imports one of its own or a higher layer (module -> module):\n" + "\n".join(
        f"  {a} -> {b}: {', '.join(f'{m} -> {t}' for m, t in sites)}" for (a, b), sites in sorted(upward.items()))


def test_the_allowed_upward_imports_are_still_needed():
    assert ALLOWED <= set(unit_edges()), "an allowed upward import is gone: remove it from ALLOWED"


def test_no_cycle_between_packages():
    """Packages (and top-level modules), whatever the declared order: only the allowed pair may form one."""
    def package(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:3] if parts[1:2] == ["backends"] else parts[:2])

    edges = {(package(m), package(t)) for m, targets in imports().items() for t in targets
             if package(m) != package(t)}
    allowed = [sorted(pair) for pair in ALLOWED]
    assert [cycle for cycle in _cycles(edges) if cycle not in allowed] == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_backends_never_import_each_other(backend):
    others = [b for b in BACKENDS if b != backend]
    crossing = [(m, t) for m, targets in imports().items() if unit_of(m) == backend
                for t in targets if unit_of(t) in others]
    assert crossing == []


def test_backends_write_no_file():
    """Backends return `{path: text or bytes}` (or a picture); the driver and the command layer write."""
    writers = ("glacierc.fileio", "glacierc.output")
    writing = [(m, t) for m, targets in imports().items() if (unit_of(m) or "").startswith("glacierc.backends")
               for t in targets if unit_of(t) in writers]
    assert writing == []


@pytest.mark.parametrize("unit", STANDALONE)
def test_runtime_and_entrypoints_import_nothing_of_glacierc(unit):
    outside = [(m, t) for m, targets in imports().items() if unit_of(m) == unit
               for t in targets if unit_of(t) != unit]
    assert outside == []
