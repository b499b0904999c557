"""Backends: pure functions from the IR to `{relative path: text or bytes}`. Only the driver writes files."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from glacierc.diagnostics.model import Diagnostic
from glacierc.ir import nodes as ir


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What the configuration (`[tool.glacierc]`), not the pipeline code, decides about the artifacts."""

    terraform_backend: str | None = None  # `backend "<name>" {}` in every Terraform root module; None: local state
    #: The project's own requirement pins (canonical distribution -> requirement line) and the wheelhouse
    #: (directory, name as configured) the Lambda layers are packed from (docs/cloud.md, "Packages").
    pins: Mapping[str, str] = field(default_factory=dict)
    wheelhouse: tuple[Path, str] | None = None
    #: The package index the requirement sets install from (`package-index`; None: PyPI), first line of every
    #: generated requirements.txt.
    package_index: str | None = None


Files = dict[str, "str | bytes"]
Backend = Callable[[ir.Project, dict[str, str], Files, BuildOptions], tuple[Files, list[Diagnostic]]]


def _graphs(project: ir.Project, sources: dict[str, str], earlier: Files, options: BuildOptions
            ) -> tuple[Files, list[Diagnostic]]:
    from glacierc.backends.graph import emit

    return dict(emit(project)), []


def _runners(project: ir.Project, sources: dict[str, str], earlier: Files, options: BuildOptions
             ) -> tuple[Files, list[Diagnostic]]:
    from glacierc.backends.runner import backend

    return backend(project, sources, earlier)


def _terraform(project: ir.Project, sources: dict[str, str], earlier: Files, options: BuildOptions
               ) -> tuple[Files, list[Diagnostic]]:
    """Serverless packages bundle the runner of each pipeline (produced by the runner backend before)."""
    from glacierc.backends.terraform import emit

    files, diagnostics = emit(project, _bundled(project, earlier, options), options.terraform_backend)
    return files, list(diagnostics)


def package_problems(project: ir.Project, sources: dict[str, str], options: BuildOptions) -> list[Diagnostic]:
    """What the Terraform backend of `emit_all` reports of its packages (GLC415, GLC412), from the same runners
    and wheelhouse, without packing or writing anything: what `check` adds when a wheelhouse is configured."""
    from glacierc.backends.terraform import package_problems as measured

    runners, _ = _runners(project, sources, {}, options)  # the runners `emit_all` lays out
    bundle = _bundled(project, runners, options)
    return list(measured(project, bundle)) if bundle is not None else []


def _bundled(project: ir.Project, earlier: Files, options: BuildOptions) -> Mapping[str, str] | None:
    """The runners among `earlier` (the runner backend's files) as the packages bundle them; None without any."""
    from glacierc.backends.runner import runner_path

    found = {p.name: earlier.get(runner_path(p.name)) for p in project.pipelines}
    runners = {name: text for name, text in found.items() if isinstance(text, str)}
    return _bundle(runners, options, project) if runners else None


def _bundle(runners: dict[str, str], options: BuildOptions, project: ir.Project) -> Mapping[str, str]:
    from glacierc.backends.runner.imports import runner_imports
    from glacierc.backends.terraform.packaging import Bundle, PackageInputs
    from glacierc.backends.terraform.requirements import module_roots

    wheelhouse = None
    if options.wheelhouse:  # the wheel reader (email, zipfile, packaging) only for a build that packs layers
        from glacierc.backends.terraform.wheels import Wheelhouse

        wheelhouse = Wheelhouse(*options.wheelhouse)
    own = frozenset(module_roots(m.name for m in project.modules))
    imports = {text: found for text in runners.values() if (found := runner_imports(text)) is not None}
    return Bundle(runners, PackageInputs(options.pins, wheelhouse, own, options.package_index), imports)


#: name -> emit(project, sources, files of the backends before it, options) -> (files relative to OUT, diagnostics),
#: in the order they run. `ir.json` is added by `emit_all`.
BACKENDS: dict[str, Backend] = {"graphs": _graphs, "runners": _runners, "terraform": _terraform}


def emit_all(project: ir.Project, sources: dict[str, str], diagnostics_so_far: tuple[Diagnostic, ...] = (),
             options: BuildOptions = BuildOptions()) -> tuple[Files, list[Diagnostic]]:
    """Every artifact of `glacierc build`: ir.json, graphs, runners and Terraform (docs/cli.md, `build`)."""
    from glacierc.ir.serialize import to_json

    from glacierc.backends.names import clashes

    files: Files = {"ir.json": to_json(project, diagnostics_so_far)}
    diagnostics: list[Diagnostic] = clashes(project.pipelines)  # GLC406: one file, two pipelines
    for emit in BACKENDS.values():
        produced, found = emit(project, sources, dict(files), options)
        files.update(produced)
        diagnostics += found
    return files, diagnostics
