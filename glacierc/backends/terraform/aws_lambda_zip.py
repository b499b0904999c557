"""The deployment package of one Lambda function, built by glacierc itself (no archive provider).

The zip holds a generated `handler.py` and, for every pipeline that calls the task, that pipeline's
runner module under `glacier_runners/` (when the driver passes `runner_sources`). Entries are stored
uncompressed with fixed dates and permissions in sorted order, so the bytes depend only on the
contents: two builds give the same zip, and so the same `source_code_hash`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

_DATE = (1980, 1, 1, 0, 0, 0)
_MODE = 0o100644  # regular file, rw-r--r--


@dataclass(frozen=True, slots=True)
class PipelineEntry:
    """A pipeline calling the task: its runner file in the zip (None if not bundled) and node ids."""

    name: str
    runner: str | None
    nodes: tuple[str, ...]


def runner_path(pipeline_label: str) -> str:
    return f"glacier_runners/{pipeline_label}.py"


def handler_source(task: str, location: str, pipelines: tuple[PipelineEntry, ...]) -> str:
    from glacierc.backends.terraform.common import render_text

    return render_text("terraform/aws/lambda_handler.py.j2", task=task, location=location,
                       pipelines=pipelines)


def package(files: Mapping[str, str | bytes]) -> bytes:
    """A deterministic zip of `files` (path in the zip -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.external_attr = _MODE << 16
            info.create_system = 3
            content = files[name]
            archive.writestr(info, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def lambda_zip(task: str, location: str, pipelines: tuple[PipelineEntry, ...],
               runner_sources: Mapping[str, str]) -> bytes:
    """The zip of task `task`: handler.py plus the runners of `pipelines` found in `runner_sources`."""
    files: dict[str, str] = {"handler.py": handler_source(task, location, pipelines)}
    for entry in pipelines:
        if entry.runner is not None:
            files[entry.runner] = runner_sources[entry.name]
    return package(files)
