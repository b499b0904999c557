"""The Terraform backend: one root module per non-local provider, from the IR.

`emit(project)` returns `{path relative to OUT: content}` and the diagnostics of the backend.
With exactly one non-local provider its module is `terraform/`; with several, each provider
gets `terraform/<provider label>/`. Each cloud is a module in `CLOUD_TARGETS` (imported when used) whose
`TARGET`, a `target.Target` subclass, makes the module: `TARGET.emit(project, provider, runner_sources,
state_backend) -> (files relative to the module, diagnostics)`; the cloud's rules module in `CLOUD_RULES`, whose
`RULES` (a `target_rules.TargetRules` the target inherits) judges the IR alone, is what `check` runs (`validate`);
with a wheelhouse, `check` also has the targets measure their packages (`package_problems`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from glacierc.backends.terraform.common import unique_labels
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.nodes import Project, Provider
from glacierc.source import Span
from glacierc.checks.glc401_unsupported_on_target import NO_BACKEND
from glacierc.checks.glc402_no_infrastructure import LOCAL_ONLY

if TYPE_CHECKING:
    from glacierc.backends.terraform.target import Target

#: cloud -> the module of its target (`TARGET`), imported when a project uses that cloud.
CLOUD_TARGETS: dict[str, str] = {"aws": "aws", "gcp": "gcp", "azure": "azure"}
#: cloud -> the module of its rules (`RULES`, a `target_rules.TargetRules` judging the IR alone), which the
#: cloud's target inherits: `check` runs the rules without importing the target or its block builders.
CLOUD_RULES: dict[str, str] = {"aws": "aws_rules", "gcp": "gcp_rules", "azure": "azure_rules"}


def _target(cloud: str) -> type[Target]:
    return importlib.import_module(f"glacierc.backends.terraform.{CLOUD_TARGETS[cloud]}").TARGET


def emit(project: Project, runner_sources: Mapping[str, str] | None = None, state_backend: str | None = None
         ) -> tuple[dict[str, str | bytes], tuple[Diagnostic, ...]]:
    """All Terraform files of `project` (paths relative to OUT) and the backend's diagnostics.

    `runner_sources` maps a pipeline name to its runner module source; serverless packages bundle
    the runners of the pipelines that call their task (without it the packages say, when
    invoked, that the runner was not bundled). `state_backend` (`terraform-backend` in `[tool.glacierc]`)
    puts an empty `backend "<name>" {}` block into every root module (docs/terraform.md).
    """
    providers = sorted((p for p in project.providers if p.cloud != "local"), key=lambda p: p.name)
    if not providers:
        return {}, (_no_infrastructure(project),)
    labels = unique_labels(p.name for p in providers)
    files: dict[str, str | bytes] = {}
    diagnostics: list[Diagnostic] = []
    for provider in providers:
        if provider.cloud not in CLOUD_TARGETS:
            diagnostics.append(_no_emitter(provider))
            continue
        base = "terraform/" if len(providers) == 1 else f"terraform/{labels[provider.name]}/"
        found, problems = _target(provider.cloud).emit(project, provider, runner_sources, state_backend)
        files.update((base + path, content) for path, content in found.items())
        diagnostics.extend(problems)
    return files, tuple(sorted(diagnostics, key=Diagnostic.sort_key))


def validate(project: Project) -> tuple[Diagnostic, ...]:
    """What the Terraform targets refuse or warn about, judged over the IR without building anything: each
    cloud's rules (`CLOUD_RULES`), which its target inherits and its `emit` reports too, so `check` reports
    every error `build` would."""
    found: list[Diagnostic] = []
    for provider in sorted((p for p in project.providers if p.cloud != "local"), key=lambda p: p.name):
        if provider.cloud not in CLOUD_RULES:
            found.append(_no_emitter(provider))
            continue
        rules = importlib.import_module(f"glacierc.backends.terraform.{CLOUD_RULES[provider.cloud]}").RULES
        found.extend(rules().validate(project, provider))
    return tuple(sorted(set(found), key=Diagnostic.sort_key))


def package_problems(project: Project, runner_sources: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """What `emit` reports of the packages bundling `runner_sources` (GLC415 for a Lambda package and layer above
    the limit, GLC412 for wheels the wheelhouse lacks), each target measuring them as it does when it packs
    them, packing nothing: what `check` adds when a wheelhouse is configured."""
    found: list[Diagnostic] = []
    for provider in sorted((p for p in project.providers if p.cloud in CLOUD_TARGETS), key=lambda p: p.name):
        found.extend(_target(provider.cloud)(project, provider, runner_sources).package_problems())
    return tuple(sorted(set(found), key=Diagnostic.sort_key))


def _no_infrastructure(project: Project) -> Diagnostic:
    span = project.providers[0].span if project.providers else Span.whole_file(
        project.modules[0].path if project.modules else "")
    return LOCAL_ONLY.diagnostic(span)


def _no_emitter(provider: Provider) -> Diagnostic:
    return NO_BACKEND.diagnostic(provider.span, provider=provider.name, cloud=provider.cloud)
