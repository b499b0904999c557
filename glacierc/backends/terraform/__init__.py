"""The Terraform backend: one root module per non-local provider, from the IR.

`emit(project)` returns `{path relative to OUT: content}` and the diagnostics of the backend.
With exactly one non-local provider its module is `terraform/`; with several, each provider
gets `terraform/<provider label>/`. Each cloud is one emitter in `CLOUD_EMITTERS`, a function
`(project, provider, runner_sources) -> (files relative to the module, diagnostics)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from glacierc.backends.terraform import aws, azure, gcp
from glacierc.backends.terraform.common import unique_labels
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir.nodes import Project, Provider
from glacierc.source import Span

Emitter = Callable[[Project, Provider, Mapping[str, str] | None],
                   tuple[dict[str, str | bytes], tuple[Diagnostic, ...]]]


#: cloud -> emitter; gcp.py and azure.py add theirs here.
CLOUD_EMITTERS: dict[str, Emitter] = {"aws": aws.emit_aws, "gcp": gcp.emit_gcp, "azure": azure.emit_azure}


def emit(project: Project, runner_sources: Mapping[str, str] | None = None
         ) -> tuple[dict[str, str | bytes], tuple[Diagnostic, ...]]:
    """All Terraform files of `project` (paths relative to OUT) and the backend's diagnostics.

    `runner_sources` maps a pipeline name to its runner module source; serverless packages bundle
    the runners of the pipelines that call their task (without it the packages say, when
    invoked, that the runner was not bundled).
    """
    providers = sorted((p for p in project.providers if p.cloud != "local"), key=lambda p: p.name)
    if not providers:
        return {}, (_no_infrastructure(project),)
    labels = unique_labels(p.name for p in providers)
    files: dict[str, str | bytes] = {}
    diagnostics: list[Diagnostic] = []
    for provider in providers:
        emitter = CLOUD_EMITTERS.get(provider.cloud)
        if emitter is None:
            diagnostics.append(_no_emitter(provider))
            continue
        base = "terraform/" if len(providers) == 1 else f"terraform/{labels[provider.name]}/"
        found, problems = emitter(project, provider, runner_sources)
        files.update((base + path, content) for path, content in found.items())
        diagnostics.extend(problems)
    return files, tuple(sorted(diagnostics, key=Diagnostic.sort_key))


def _no_infrastructure(project: Project) -> Diagnostic:
    span = project.providers[0].span if project.providers else Span.whole_file(
        project.modules[0].path if project.modules else "")
    return Diagnostic(
        "GLC402", Severity.INFO,
        "every provider is local (LocalConfig): no Terraform is written",
        span,
        help="use AwsConfig, GcpConfig or AzureConfig to deploy to a cloud",
    )


def _no_emitter(provider: Provider) -> Diagnostic:
    return Diagnostic(
        "GLC401", Severity.ERROR,
        f"provider `{provider.name}`: no Terraform backend for cloud `{provider.cloud}` yet",
        provider.span,
    )
