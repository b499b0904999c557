"""What every cloud's deployment packages share: who calls a task, where runners go, the zip writer.

`pipeline_entries` says, for every task, which pipelines call it at which nodes and where their
runner modules go in a package; `task_entries` names the Python entry function of each task of a
shared package (one package per serverless executor); `package` writes a deterministic zip (sorted,
stored entries with fixed dates and permissions), so its bytes depend only on its contents.
Used by the AWS, GCP and Azure packages and the Databricks job scripts.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from glacierc.backends.terraform.common import unique_labels
from glacierc.backends.terraform.requirements import (
    INSTALLED_CHECK,
    REQUIREMENTS_FILE,
    Pins,
    Requirement,
    module_roots,
    requirement_set,
    requirements_txt,
)
from glacierc.ir.nodes import Project

if TYPE_CHECKING:
    from glacierc.backends.terraform.wheels import Wheelhouse

_DATE = (1980, 1, 1, 0, 0, 0)
_MODE = 0o100644  # regular file, rw-r--r--
#: Entry functions are `task_<label>`; AWS allows handler strings (`handler.<entry>`) of 128 characters.
ENTRY_PREFIX = "task_"
ENTRY_MAX = 128 - len("handler.")


@dataclass(frozen=True, slots=True)
class PipelineEntry:
    """A pipeline calling a task: its runner file in the package (None if not bundled) and node ids."""

    name: str
    runner: str | None
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TaskEntry:
    """A task of a shared package: the Python function running it and the pipelines calling it."""

    task: str
    entry: str  # a valid Python identifier, unique in the package
    pipelines: tuple[PipelineEntry, ...]


@dataclass(frozen=True, slots=True)
class PackageInputs:
    """What packages need besides the code: the project's pins and the wheelhouse (docs/cloud.md, "Packages")."""

    pins: Pins = field(default_factory=dict)
    wheelhouse: Wheelhouse | None = None
    #: the top-level names of the project's own modules: imports of them are not distributions
    own_modules: frozenset[str] = frozenset()
    #: the package index the sets install from (`--index-url`, first line of each requirements.txt); None: PyPI
    index_url: str | None = None


class Bundle(dict[str, str]):
    """The runner sources a build bundles (pipeline name -> source), carrying the `PackageInputs` of the
    build to the package writers of every cloud along the same path."""

    def __init__(self, sources: Mapping[str, str], inputs: PackageInputs,
                 imports: Mapping[str, frozenset[str]] | None = None) -> None:
        """`imports`: source -> the top-level modules it imports, where the runner backend read them."""
        super().__init__(sources)
        self.inputs = inputs
        self.imports = dict(imports or {})


def package_inputs(runner_sources: Mapping[str, str] | None) -> PackageInputs:
    return runner_sources.inputs if isinstance(runner_sources, Bundle) else PackageInputs()


def bundle_requirements(runners: Mapping[str, str], runner_sources: Mapping[str, str] | None,
                        project: Project | None = None) -> tuple[Requirement, ...]:
    """The requirement set of a package bundling `runners` (path in the package -> source), with the build's
    pins; imports of `project`'s own modules are not requirements."""
    inputs = package_inputs(runner_sources)
    own = inputs.own_modules | (module_roots(m.name for m in project.modules) if project is not None else set())
    known = runner_sources.imports if isinstance(runner_sources, Bundle) else None
    return requirement_set([runners[name] for name in sorted(runners)], inputs.pins, own, known)


def requirement_files(runners: Mapping[str, str], runner_sources: Mapping[str, str] | None, folder: str = ""
                      ) -> dict[str, str]:
    """What a job package or job folder carrying `runners` installs from: its `requirements.txt` (the set of
    `bundle_requirements`) and `glacier_installed.py` (glacierc/runtime/installed.py), under `folder`."""
    import glacierc.runtime  # its file is copied, not imported (it loads importlib.metadata: ~10 ms of a build)

    prefix = f"{folder}/" if folder else ""
    installed = Path(glacierc.runtime.__file__).with_name("installed.py")
    return {f"{prefix}{INSTALLED_CHECK}": installed.read_text(encoding="utf-8"),
            f"{prefix}{REQUIREMENTS_FILE}": requirements_file(runners, runner_sources)}


def requirements_file(runners: Mapping[str, str], runner_sources: Mapping[str, str] | None,
                      extra: tuple[str, ...] = ()) -> str:
    """The requirements.txt of a package bundling `runners`: the build's package index (`--index-url`), the
    entry module's own requirements (`extra`), then the set of `bundle_requirements`."""
    return requirements_txt(bundle_requirements(runners, runner_sources), extra,
                            package_inputs(runner_sources).index_url)


def runner_path(pipeline_label: str) -> str:
    return f"glacier_runners/{pipeline_label}.py"


def pipeline_entries(project: Project, runner_sources: Mapping[str, str] | None
                     ) -> dict[str, tuple[PipelineEntry, ...]]:
    """For every task: the pipelines calling it, their node ids and runner files (if bundled)."""
    runner_sources = runner_sources or {}
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


def entry_names(task_labels: Iterable[str]) -> dict[str, str]:
    """`task_<label>` for every task label (labels are identifiers already, see `common.label`).

    The prefix keeps entries apart from the module's own names and from keywords; a name longer
    than `ENTRY_MAX` keeps its start and gets a hash of the label, and clashes get `_2`, `_3`, ...
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    for label in sorted(set(task_labels)):
        base = candidate = _bounded(ENTRY_PREFIX + label, label)
        counter = 1
        while candidate in taken:
            counter += 1
            candidate = f"{base[: ENTRY_MAX - len(str(counter)) - 1]}_{counter}"
        taken.add(candidate)
        result[label] = candidate
    return result


def _bounded(name: str, label: str) -> str:
    if len(name) <= ENTRY_MAX:
        return name
    digest = hashlib.sha256(label.encode()).hexdigest()[:8]
    return f"{name[: ENTRY_MAX - 9]}_{digest}"


def task_entries(tasks: Iterable[str], task_labels: Mapping[str, str],
                 entries: Mapping[str, tuple[PipelineEntry, ...]]) -> tuple[TaskEntry, ...]:
    """The entries of `tasks` sharing one package, in the order given."""
    tasks = tuple(tasks)
    names = entry_names(task_labels[task] for task in tasks)
    return tuple(TaskEntry(task, names[task_labels[task]], entries.get(task, ())) for task in tasks)


def runner_files(entries: Iterable[PipelineEntry], runner_sources: Mapping[str, str]) -> dict[str, str]:
    """The bundled runner modules of `entries` (path in the package -> source), each once."""
    return {e.runner: runner_sources[e.name] for e in entries if e.runner is not None}


def shared_runner_files(tasks: Iterable[TaskEntry], runner_sources: Mapping[str, str]) -> dict[str, str]:
    """The runner modules of every pipeline calling any of `tasks`, each once."""
    return runner_files((p for task in tasks for p in task.pipelines), runner_sources)


def package(files: Mapping[str, str | bytes]) -> bytes:
    """A deterministic zip of `files` (path in the zip -> content)."""
    import zipfile  # only a build writes packages (check validates without them)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.external_attr = _MODE << 16
            info.create_system = 3
            content = files[name]
            archive.writestr(info, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def files_size(files: Mapping[str, str | bytes]) -> int:
    """The bytes the zip `package(files)` unzips to, known without packing it (what GLC415 measures)."""
    return sum(len(content.encode() if isinstance(content, str) else content) for content in files.values())


def content_name(stem: str, content: bytes) -> str:
    """`<stem>-<16 hex digits of sha256>.zip`: a new object name (and so a new deployment) per content."""
    return f"{stem}-{hashlib.sha256(content).hexdigest()[:16]}.zip"
