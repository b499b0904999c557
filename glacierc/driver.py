"""The compiler driver: paths in, IR and diagnostics out; `build` writes the artifacts atomically."""

from __future__ import annotations

import gc
import os
import re
from contextlib import contextmanager
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from glacierc.checks.glc101_provider_class import CODE as PROVIDER_CLASS
from glacierc.checks.glc102_glacier_env import CODE as GLACIER_ENV
from glacierc.checks.glc103_string_executor import CODE as STRING_EXECUTOR
from glacierc.checks.glc206_unused_storage import CODE as UNUSED_STORAGE
from glacierc.checks.registry import run_all
from glacierc.diagnostics.model import Diagnostic, Reporter, Severity
from glacierc.frontend.loader import SourceFile, discover, load, span_names
from glacierc.ir import nodes as ir
from glacierc.settings import FileSettings, load_settings

if TYPE_CHECKING:
    from glacierc.backends import BuildOptions


@dataclass(frozen=True, slots=True)
class CompileResult:
    """What a compile produced: the IR, its diagnostics and the sources they point into."""

    project: ir.Project
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, str]  # module name -> source text
    files: dict[str, str] = field(default_factory=dict)  # span file name -> path as the user gave it
    texts: dict[str, str] = field(default_factory=dict)  # span file name -> source text
    env_used: frozenset[str] = frozenset()

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def compile_project(paths: Sequence[str | Path], env: Mapping[str, str] | None = None,
                    settings: FileSettings | None = None, stdin: tuple[str, str] | None = None, *,
                    wheelhouse: str | None = None, measure_packages: bool = False) -> CompileResult:
    """`stdin`: (path, text) of a file whose text comes from standard input (an editor's buffer). With a
    wheelhouse (`wheelhouse`, a directory, or the configuration's) and `measure_packages` (what `check` asks
    for), the Lambda packages are measured as `build` measures them (GLC415); `build` measures them while it
    packs them, and analyze, graph and run, which pack nothing, do not measure."""
    from glacierc.suppression import reported

    path_list = [str(p) for p in paths]
    chosen = settings or load_settings(path_list)
    packages = measured_packages(chosen, path_list, wheelhouse) if measure_packages else None
    reporter = Reporter()
    with collector_paused():
        sources = _load_all(path_list, reporter, chosen, stdin)
        project, env_used = _analyse_roots(sources, dict(env or {}), reporter, packages)
        texts = {s.name: s.text for s in sources}
        diagnostics = reported(reporter.sorted(), sources, chosen)
        diagnostics = _attach_migration_fixes(diagnostics, texts)
    return CompileResult(project, diagnostics, {s.module: s.text for s in sources if s.tree is not None},
                         {s.name: s.display for s in sources}, texts, env_used)


def measured_packages(settings: FileSettings, paths: Sequence[str | Path], wheelhouse: str | None
                      ) -> BuildOptions | None:
    """The package options of a build of `paths` when a wheelhouse is given or configured, else None: without
    one nothing is packed, so nothing is measured (and no packaging module is imported)."""
    from glacierc.settings import wheelhouse as configured_wheelhouse

    if not wheelhouse and configured_wheelhouse(settings, paths) is None:
        return None
    from glacierc.backends import BuildOptions
    from glacierc.package_inputs import package_options

    return BuildOptions(None, *package_options(settings, paths, wheelhouse))


@contextmanager
def collector_paused():
    """Syntax trees are millions of small acyclic objects: Python's cyclic collector re-scans them again and
    again as they are built, which made analysis time grow faster than the input (measured: 3x the tasks took
    3.9x the time with the collector on, 3.0x with it off). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _attach_migration_fixes(diagnostics: tuple[Diagnostic, ...], texts: dict[str, str]) -> tuple[Diagnostic, ...]:
    """Old-API code (GLC101-103) is fixed by `glacierc migrate`; its rewrite of the whole file is one fix,
    attached to the first such diagnostic of each file (the rewrites depend on each other)."""
    legacy = [d for d in diagnostics if d.code in (PROVIDER_CLASS, GLACIER_ENV, STRING_EXECUTOR)]
    if not legacy:
        return diagnostics
    from dataclasses import replace

    from glacierc.migrate import file_fix

    first: dict[str, Diagnostic] = {}
    for diagnostic in legacy:
        first.setdefault(diagnostic.span.file, diagnostic)
    fixes = {id(d): file_fix(texts[d.span.file], d.span.file) for d in first.values() if d.span.file in texts}
    return tuple(replace(d, fix=fixes[id(d)]) if fixes.get(id(d)) else d for d in diagnostics)


def _load_all(paths: list[str], reporter: Reporter, settings: FileSettings,
              stdin: tuple[str, str] | None = None) -> list[SourceFile]:
    """The files PATHs name, plus the project modules they import (followed on disk, transitively)."""
    from glacierc.frontend.walk import root_for

    piped, piped_text = (Path(stdin[0]), stdin[1]) if stdin else (None, None)
    files = discover([p for p in paths if piped is None or Path(p) != piped], reporter, settings)
    if piped is not None:
        files = sorted([*files, (piped, root_for(piped.absolute().parent))], key=lambda item: str(item[0]))
    names = span_names(files)
    sources = [load(file, root, reporter, settings.for_file(file).max_file_bytes, names[file],
                    text=piped_text if file == piped else None) for file, root in files]
    return sources + _followed(sources, {file for file, _ in files}, reporter, settings)


def _followed(sources: list[SourceFile], given: set[Path], reporter: Reporter, settings: FileSettings) -> list[SourceFile]:
    """Modules imported by `sources` (and by those, ...) that PATHs did not name, loaded with their root."""
    from glacierc.frontend.imports import MAX_FOLLOWED, imported_files

    seen = {os.path.realpath(f) for f in given}
    known = [(Path(s.display), Path(s.root)) for s in sources]
    followed: list[SourceFile] = []
    queue = list(sources)
    while queue and len(followed) < MAX_FOLLOWED:
        source = queue.pop(0)
        for file in imported_files(source):
            if os.path.realpath(file) in seen:
                continue
            seen.add(os.path.realpath(file))
            known.append((file, Path(source.root)))
            loaded = load(file, Path(source.root), reporter, settings.for_file(file).max_file_bytes,
                          span_names(known)[file])
            followed.append(loaded)
            queue.append(loaded)
    return followed


def _analyse_roots(sources: list[SourceFile], env: dict[str, str], reporter: Reporter,
                   packages: BuildOptions | None = None):
    """Analysis and project checks. One project per root when two roots hold the same module name
    (`a/pipeline.py`, `b/pipeline.py` given together, as pre-commit does): each is analysed and checked on
    its own, with its own errors, and the IRs are put side by side. Otherwise all sources are one project
    (imports between them resolve)."""
    modules = [s.module for s in sources]
    if len(set(modules)) == len(modules):
        groups = [sources]
    else:
        groups = [[s for s in sources if s.root == root] for root in sorted({s.root for s in sources})]
    results = [_analyse_checked(group, dict(env), reporter, packages) for group in groups]
    if len(results) == 1:
        return results[0][0], frozenset(results[0][1].env_used)
    def merged(field: str) -> tuple:
        return tuple(item for project, _ in results for item in getattr(project, field))

    return ir.Project(providers=merged("providers"), storage=merged("storage"), executors=merged("executors"),
                      tasks=merged("tasks"), pipelines=merged("pipelines"), modules=merged("modules"),
                      facts=merged("facts")), frozenset(name for _, evaluator in results for name in evaluator.env_used)


def _analyse_checked(sources: list[SourceFile], env: dict[str, str], reporter: Reporter,
                     packages: BuildOptions | None):
    from glacierc.frontend.project import analyse

    project, evaluator = analyse(sources, env, reporter)
    found = list(run_all(project))
    texts = {s.module: s.text for s in sources if s.tree is not None}
    if not _errors(reporter, found):  # as build: backends run on a clean IR
        found += _target_problems(project)
        found += _runner_problems(project, texts)
    if packages is not None and not _errors(reporter, found):  # as build: packed when nothing else is wrong
        found += _package_problems(project, texts, packages)
    for diagnostic in _without_storage_used_elsewhere(found, project, sources):
        reporter.add(diagnostic)
    return project, evaluator


def _errors(reporter: Reporter, found: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in (*reporter.items, *found))


def _package_problems(project: ir.Project, texts: dict[str, str], packages: BuildOptions) -> list[Diagnostic]:
    """What `build` reports of the Lambda packages it packs from the wheelhouse (GLC415 above Lambda's limit,
    GLC412 for a missing wheel): their runners laid out and measured, nothing packed or written."""
    if all(p.cloud == "local" for p in project.providers):
        return []
    from glacierc.backends import package_problems

    return package_problems(project, texts, packages)


def _runner_problems(project: ir.Project, texts: dict[str, str]) -> tuple[Diagnostic, ...]:
    """What the runner backend reports (a task using a compile-time object, a module used as an object): the
    same shaking `build` does, so that `check` reports it too."""
    if not project.pipelines:
        return ()
    from glacierc.backends.runner import validate

    return validate(project, texts)


def _without_storage_used_elsewhere(found: list[Diagnostic], project: ir.Project,
                                    sources: list[SourceFile]) -> list[Diagnostic]:
    """GLC206 only for storage no module of the project uses: when a subset of the project is compiled
    (pre-commit passes the changed files), the other files of its root are searched for the storage's name."""
    unused = {d.span: d for d in found if d.code == UNUSED_STORAGE}
    if not unused:
        return found
    from glacierc.frontend.loader import other_project_files

    variables = {s.span: re.split(r"[.\[]", s.name.rsplit(".", 1)[-1])[0] for s in project.storage}
    pattern = re.compile("|".join(rf"\b{re.escape(v)}\b" for v in sorted(set(variables.values()))))
    mentioned = {m.group(0) for text in other_project_files(sources) for m in pattern.finditer(text)}
    return [d for d in found if not (d.code == UNUSED_STORAGE and variables.get(d.span) in mentioned)]


def _target_problems(project: ir.Project) -> tuple[Diagnostic, ...]:
    """What the deploy targets refuse (a Dataproc image, Databricks on a cloud without it, bucket settings that
    conflict...): the very validation `build` runs, so a green `check` means the build works."""
    if all(p.cloud == "local" for p in project.providers):
        return ()
    from glacierc.backends.terraform import validate

    return validate(project)


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced: the compile, every diagnostic and the files (written or not)."""

    compiled: CompileResult
    diagnostics: tuple[Diagnostic, ...]  # compile diagnostics plus the backends'
    files: dict[str, str | bytes]
    written: bool = False
    up_to_date: bool | None = None  # only for `check_only`

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def build(paths: Sequence[str | Path], out: Path, env: Mapping[str, str] | None = None,
          settings: FileSettings | None = None, *, check_only: bool = False,
          wheelhouse: str | None = None) -> BuildResult:
    """Compile and write every artifact to `out` atomically, replacing only files glacierc wrote (see
    glacierc.output); nothing is written when there are errors. `wheelhouse` (a directory) overrides the
    configuration's. Raises OutputRefused, before reading
    anything, when `out` is or holds an input or is a symbolic link, and OutputError when it cannot be
    written."""
    from glacierc.backends import BuildOptions, emit_all
    from glacierc.output import is_up_to_date, refuse_unsafe_out, write_atomically
    from glacierc.package_inputs import package_options
    from glacierc.settings import terraform_backend
    from glacierc.suppression import reported

    refuse_unsafe_out(out, paths)
    chosen = settings or load_settings([str(p) for p in paths])
    compiled = compile_project(paths, env, chosen)  # the packages are measured by the packing below
    if compiled.has_errors:
        return BuildResult(compiled, compiled.diagnostics, {})
    options = BuildOptions(terraform_backend(chosen, paths), *package_options(chosen, paths, wheelhouse))
    with collector_paused():
        files, backend_diagnostics = emit_all(compiled.project, compiled.sources, compiled.diagnostics, options)
    # the targets' validation already ran in `check`: the same diagnostics come back from the emitters, and
    # settings and `noqa` comments select them as they did there
    backend_diagnostics = list(reported(backend_diagnostics, _shown(compiled), chosen))
    diagnostics = tuple(sorted(dict.fromkeys((*compiled.diagnostics, *backend_diagnostics)), key=Diagnostic.sort_key))
    if any(d.severity is Severity.ERROR for d in backend_diagnostics):
        return BuildResult(compiled, diagnostics, files)
    if check_only:
        return BuildResult(compiled, diagnostics, files, up_to_date=is_up_to_date(out, files))
    write_atomically(out, files)
    return BuildResult(compiled, diagnostics, files, written=True)


def _shown(compiled: CompileResult):
    from glacierc.suppression import Shown

    return [Shown(name, compiled.files.get(name, name), text) for name, text in compiled.texts.items()]
