"""Deployment packages of serverless tasks, built by glacierc itself (no archive provider).

`pipeline_entries` says, for every task, which pipelines call it at which nodes and where their
runner modules go in a package; `function_zip` builds the Cloud Functions (2nd gen) source of one
task: `main.py` (entry point `handler`), `requirements.txt` and the runners under
`glacier_runners/`. Zips come from `aws_lambda_zip.package` (cloud-independent: sorted, stored
entries with fixed dates), so the bytes depend only on the contents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from glacierc.backends.terraform.aws_lambda_zip import (
    PipelineEntry,
    package,
    runner_path,
)
from glacierc.backends.terraform.common import render_text, unique_labels
from glacierc.ir.nodes import Project

#: What the generated entry points import; the task code's own imports are the user's to add.
FUNCTION_REQUIREMENTS = "functions-framework>=3,<4\npolars\n"


def pipeline_entries(project: Project, runner_sources: Mapping[str, str]
                     ) -> dict[str, tuple[PipelineEntry, ...]]:
    """For every task: the pipelines calling it, their node ids and runner files (if bundled)."""
    labels = unique_labels(p.name for p in project.pipelines)
    nodes: dict[str, dict[str, list[str]]] = {}
    for pipeline in sorted(project.pipelines, key=lambda p: p.name):
        for node in pipeline.nodes:
            nodes.setdefault(node.task, {}).setdefault(pipeline.name, []).append(node.id)
    return {
        task: tuple(
            PipelineEntry(name, runner_path(labels[name]) if name in runner_sources else None,
                          tuple(sorted(ids)))
            for name, ids in by_pipeline.items()
        )
        for task, by_pipeline in nodes.items()
    }


def runner_files(entries: tuple[PipelineEntry, ...], runner_sources: Mapping[str, str]) -> dict[str, str]:
    """The bundled runner modules of `entries` (path in the package -> source)."""
    return {e.runner: runner_sources[e.name] for e in entries if e.runner is not None}


def function_zip(task: str, location: str, entries: tuple[PipelineEntry, ...],
                 runner_sources: Mapping[str, str]) -> bytes:
    """The source zip of the Cloud Function of `task`."""
    main = render_text("terraform/gcp/function_main.py.j2", task=task, location=location, pipelines=entries)
    files = {"main.py": main, "requirements.txt": FUNCTION_REQUIREMENTS}
    files.update(runner_files(entries, runner_sources))
    return package(files)


def content_name(stem: str, content: bytes) -> str:
    """`<stem>-<16 hex digits of sha256>.zip`: a new object name (and so a new deployment) per content."""
    return f"{stem}-{hashlib.sha256(content).hexdigest()[:16]}.zip"
