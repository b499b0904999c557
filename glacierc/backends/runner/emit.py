"""One runner script per pipeline: the plan (plan.py), the shaken task code (shaker.py) and the
fixed runtime (templates/runner/*.py.j2), laid out by `templates/runner/runner.py.j2`."""

from __future__ import annotations

import ast
import functools
import hashlib
import textwrap
from collections.abc import Mapping

from glacierc.backends.runner.entities import Extern
from glacierc.backends.runner.plan import (
    RunnerPlan,
    build_plan,
    levels_text,
    literal,
    nodes_text,
    plan_storage,
    storage_text,
)
from glacierc.backends.runner.rewrite import Rendered
from glacierc.backends.runner.shaker import Block, Shaker
from glacierc.backends.runner.symbols import ModuleSymbols, analyse_module
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir.nodes import Pipeline, Project

TEMPLATE = "runner/runner.py.j2"


def file_stem(name: str) -> str:
    from glacierc.backends.graph import file_stem as graph_stem

    return graph_stem(name)


def runner_path(pipeline: str) -> str:
    return f"runners/{file_stem(pipeline)}.py"


def analyse_modules(project: Project, sources: Mapping[str, str]) -> dict[str, ModuleSymbols]:
    names = {m.name for m in project.modules if m.name in sources}
    return {m.name: analyse_module(m.name, m.path, sources[m.name], names)
            for m in sorted(project.modules, key=lambda m: m.name) if m.name in sources}


def emit_runners(project: Project, sources: Mapping[str, str]) -> tuple[dict[str, str], tuple[Diagnostic, ...]]:
    """`{"runners/<pipeline>.py": source}` for every pipeline, and the diagnostics found on the way."""
    if not project.pipelines:
        return {}, ()
    shaker = Shaker(project, analyse_modules(project, sources))
    files: dict[str, str] = {}
    diagnostics: set[Diagnostic] = set()
    for pipeline in sorted(project.pipelines, key=lambda p: p.name):
        text, found = runner_source(project, pipeline, shaker)
        files[runner_path(pipeline.name)] = text
        diagnostics.update(found)
    return files, tuple(sorted(diagnostics, key=Diagnostic.sort_key))


def runner_source(project: Project, pipeline: Pipeline, shaker: Shaker) -> tuple[str, tuple[Diagnostic, ...]]:
    called = {node.task for node in pipeline.nodes}
    tasks = sorted((t for t in project.tasks if t.name in called), key=lambda t: t.name)
    shaken = shaker.shake(tasks, reserved_names(), pipeline.name)
    plan = build_plan(project, pipeline)
    storage = plan_storage(project, {s.name for s in plan.storage} | {name for _, name in shaken.storage})
    code, placed = _code(shaken.blocks)
    module_path = next((m.path for m in project.modules if m.name == pipeline.module), pipeline.span.file)
    sources = sorted({module_path, *(b.path for b in shaken.blocks)})
    context = {
        "pipeline_name": pipeline.name,
        "script": runner_path(pipeline.name).rsplit("/", 1)[-1],
        "sources_text": _wrapped(", ".join(sources)),
        "order": _wrapped(", ".join(plan.execution_order)),
        "futures": shaken.futures,
        "pipeline": literal(pipeline.name),
        "sources": literal(tuple(sources)),
        "storage": storage_text(storage),
        "nodes": nodes_text(plan),
        "levels": levels_text(plan),
        "outputs": literal(plan.outputs),
        "imports": shaken.imports,
        "storage_names": [(name, literal(storage_name)) for name, storage_name in shaken.storage],
        "code": code,
        "tasks": [(literal(task), shaken.tasks[task]) for task in sorted(shaken.tasks)],
    }
    context["plan_id"] = literal(_plan_id(context))
    text = _render(context, source_map="()")
    start = text.index(code) if code else 0
    first_line = text.count("\n", 0, start) + 1
    text = _render(context, source_map=_source_map(placed, first_line))
    return text, shaken.diagnostics


def _render(context: dict, source_map: str) -> str:
    from glacierc.backends.terraform.common import render_text

    return render_text(TEMPLATE, **context, source_map=source_map)


def _wrapped(text: str) -> str:
    return textwrap.fill(text, width=100, subsequent_indent="    ", break_on_hyphens=False)


def _plan_id(context: dict) -> str:
    parts = [context[key] if isinstance(context[key], str) else repr(context[key]) for key in sorted(context)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# ---- the copied code and where each of its lines came from ----------------------------------------

def _code(blocks: tuple[Block, ...]) -> tuple[str, list[tuple[int, Block, Rendered]]]:
    """The code section text, and for each statement the 0-based line its text starts on (counted
    before the two leading blank lines are stripped)."""
    lines: list[str] = []
    placed: list[tuple[int, Block, Rendered]] = []
    for block in blocks:
        lines += ["", "", f"# ---- from {block.path} " + "-" * max(4, 88 - len(block.path))]
        previous: bool | None = None  # was the previous statement a one-liner? None: none yet
        for statement in block.statements:
            simple = _is_simple(statement.text)
            gap = (1 if simple else 2) if previous is None else (0 if simple and previous else 2)
            lines += [""] * gap
            placed.append((len(lines), block, statement))
            lines += statement.text.rstrip("\n").split("\n")
            previous = simple
    return "\n".join(lines).strip("\n"), placed


def _is_simple(text: str) -> bool:
    body = [line for line in text.split("\n") if line and not line.startswith("#")]
    return len(body) == 1 and not body[0].startswith(("def ", "class ", "async ", "@"))


def _source_map(placed: list[tuple[int, Block, Rendered]], first_line: int) -> str:
    if not placed:
        return "()"
    leading = 2  # the code text starts after the stripped leading blank lines
    entries = []
    for line, block, statement in placed:
        if statement.source_line <= 0 or statement.length <= 0:
            continue
        start = first_line + line - leading + statement.offset
        entries.append((start, start + statement.length - 1, block.path, statement.source_line))
    return "(\n" + "".join(f"    {literal(entry)},\n" for entry in entries) + ")"


# ---- names the runtime itself binds ------------------------------------------------------------------

@functools.cache
def reserved_names() -> dict[str, Extern | None]:
    """Every top-level name of the runner outside the copied code: user names that clash are renamed.

    Imports map to what they import, so the task code's own `import polars as pl` is shared."""
    context = {key: "None" for key in ("pipeline", "plan_id", "sources", "outputs")}
    context.update(pipeline_name="p", script="p.py", sources_text="", order="", futures=(), imports=(),
                   storage="STORAGE = {}", nodes="NODES = {}", levels="LEVELS = ()", storage_names=(),
                   code="", tasks=())
    tree = ast.parse(_render(context, source_map="()"))
    names: dict[str, Extern | None] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                extern = Extern(alias.name, None, alias.asname)
                names[extern.bound] = extern
        elif isinstance(statement, ast.ImportFrom) and statement.module != "__future__":
            for alias in statement.names:
                names[alias.asname or alias.name] = Extern(statement.module or "", alias.name, alias.asname)
        elif isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            names[statement.name] = None
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update((t.id, None) for t in targets if isinstance(t, ast.Name))
    return names
