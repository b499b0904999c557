"""One runner script per pipeline: the plan (plan.py), the shaken task code (shaker.py) and the
runtime's source (runtime.py, from glacierc/runtime/), laid out once by layout.py."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Mapping

from glacierc.backends.escaping import Code, visible
from glacierc.backends.names import file_stem
from glacierc.backends.runner import layout
from glacierc.backends.runner.plan import (
    access_text,
    build_plan,
    levels_text,
    literal,
    nodes_text,
    plan_storage,
    shim_expression,
    storage_text,
)
from glacierc.backends.runner.rewrite import Rendered
from glacierc.backends.runner.shaker import Block, Shaker
from glacierc.backends.runner.runtime import reserved_names
from glacierc.backends.runner.symbols import analyse_modules
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir.nodes import Pipeline, Project

def runner_path(pipeline: str) -> str:
    return f"runners/{file_stem(pipeline)}.py"


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
    used = {name for _, ref in shaken.storage for name in ref.storage_names}
    storage = plan_storage(project, {s.name for s in plan.storage} | used)
    code, placed = _code(shaken.blocks)
    module_path = next((m.path for m in project.modules if m.name == pipeline.module), pipeline.span.file)
    sources = sorted({module_path, *(b.path for b in shaken.blocks)})
    context: layout.RunnerContext = {
        "about": Code(_about(pipeline.name, sources, plan.execution_order)),
        "script": runner_path(pipeline.name).rsplit("/", 1)[-1],
        "futures": shaken.futures,
        "pipeline": pipeline.name,
        "sources": tuple(sources),
        "storage": Code(storage_text(storage)),
        "nodes": Code(nodes_text(plan)),
        "access": Code(access_text(plan)),
        "levels": Code(levels_text(plan)),
        "outputs": plan.outputs,
        "imports": [Code(line) for line in shaken.imports],  # import statements of the copied code
        "storage_names": [(name, Code(shim_expression(ref))) for name, ref in shaken.storage],
        "code": Code(code),  # the task code itself, copied from the sources (comments escaped in _code)
        "tasks": [(task, shaken.tasks[task]) for task in sorted(shaken.tasks)],
    }
    context["plan_id"] = _plan_id(context)
    before = layout.before_code(context)
    first_line = before.count("\n") + 1  # the line the code text starts on
    text = before + str.__str__(code) + layout.after_code(context, _source_map(placed, first_line))
    return text, shaken.diagnostics


def _about(pipeline: str, sources: list[str], order: tuple[str, ...]) -> str:
    """The `#` comment lines naming the pipeline, its sources and its order: user text never goes
    into the docstring, and every piece is made visible (no newline can end the comment)."""
    return "\n".join([
        f"# Pipeline: {visible(pipeline)}",
        *_wrapped("Generated from: " + ", ".join(visible(s) for s in sources) + "."),
        *_wrapped("Nodes in execution order: " + ", ".join(visible(n) for n in order) + "."),
    ])


def _wrapped(text: str) -> list[str]:
    lines = textwrap.wrap(text, width=98, subsequent_indent="    ", break_on_hyphens=False)
    return [f"# {line}" for line in lines]


def _plan_id(context: layout.RunnerContext) -> str:
    values: Mapping[str, object] = context  # every entry, in key order
    parts = [str.__str__(values[key]) if isinstance(values[key], str) else repr(values[key])
             for key in sorted(values)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# ---- the copied code and where each of its lines came from ----------------------------------------

def _code(blocks: tuple[Block, ...]) -> tuple[str, list[tuple[int, Block, Rendered]]]:
    """The code section text, and for each statement the 0-based line its text starts on (counted
    before the two leading blank lines are stripped)."""
    lines: list[str] = []
    placed: list[tuple[int, Block, Rendered]] = []
    for block in blocks:
        path = visible(block.path)
        lines += ["", "", f"# ---- from {path} " + "-" * max(4, 88 - len(path))]
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
