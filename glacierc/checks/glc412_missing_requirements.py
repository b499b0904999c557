"""GLC412 missing-requirements: a Lambda package would deploy without what its code imports.

Reported by glacierc/backends/terraform/aws_layers.py when `glacierc build` packs the Lambda functions of a
serverless executor; this module holds its code, messages, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, Case, Expected, MAIN, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir.nodes import Executor

CODE = "GLC412"
NAME = "missing-requirements"
#: A note, as the build's other reports of what it generated: `check` cannot know it (the requirements come from
#: the runners a build generates, the wheels from the build's wheelhouse), and a green check means `build` adds
#: no warning. The build prints it with the other notes.
SEVERITY = Severity.INFO
TITLE = "a Lambda package lacks what its code imports"
WHAT = ("Reports, at `glacierc build`, a serverless AWS executor whose functions would deploy without the "
        "distributions their code imports (Polars, and the task code's third-party imports) because no wheelhouse is "
        "configured, or because the configured wheelhouse has no wheel of a requirement for the executor's "
        "architecture and Python runtime: the build then packs no layer.")
WHY = ("Lambda's Python runtime has neither Polars nor the task code's libraries: a function deployed without "
       "them fails on its first invocation with `ModuleNotFoundError`. GCP and Azure install the generated "
       "requirements.txt themselves; Lambda needs them packed, for its platform, in a layer.")

_HELP = ("fill a wheelhouse: `pip download --only-binary=:all: --platform manylinux2014_{machine} --python-version "
         "{python} -d wheels {shown}`, then build with `--wheelhouse wheels` (or `wheelhouse = \"wheels\"` in "
         "[tool.glacierc])")
NO_WHEELHOUSE = Message(CODE, SEVERITY, "executor `{executor}`: its Lambda functions import {shown}, which Lambda "
                        "does not provide; no wheelhouse is configured, so the build packs no layer (build with "
                        "--wheelhouse DIR)", help=_HELP)
MISSING_WHEELS = Message(CODE, SEVERITY, "executor `{executor}`: the wheelhouse {wheelhouse!r} has no wheel for "
                         "{architecture}, {runtime} of {shown}; the build packs no layer (add the wheels with "
                         "`pip download --only-binary=:all: --platform manylinux2014_{machine} --python-version "
                         "{python} -d DIR ...`)", help=_HELP)

MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}


def no_wheelhouse(executor: Executor, architecture: str, runtime: str, lines: tuple[str, ...]) -> Diagnostic:
    return NO_WHEELHOUSE.diagnostic(executor.span, executor=executor.name, shown=" ".join(lines),
                                    machine=MACHINES.get(architecture, architecture),
                                    python=runtime.removeprefix("python"))


def missing_wheels(executor: Executor, architecture: str, runtime: str, lines: tuple[str, ...],
                   wheelhouse: str) -> Diagnostic:
    return MISSING_WHEELS.diagnostic(executor.span, executor=executor.name, wheelhouse=wheelhouse,
                                     shown=" ".join(lines), machine=MACHINES.get(architecture, architecture),
                                     python=runtime.removeprefix("python"), architecture=architecture,
                                     runtime=runtime)


BODY = """fn = provider.serverless(config=LambdaConfig(architecture="arm64"))

@fn.task()
def clean(source) -> pl.LazyFrame:
    import yaml
    return source.scan()

@pipeline(name="etl")
def etl():
    return clean(raw)
"""
GCP = """from glacier import Provider, pipeline
from glacier.config import CloudFunctionConfig, GcpConfig
import polars as pl

provider = Provider(config=GcpConfig(project_id="acme", region="europe-west1"))
fn = provider.serverless(config=CloudFunctionConfig(memory=512))
raw = provider.bucket(bucket="acme-data", path="raw.parquet")

@fn.task()
def clean(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name="etl")
def etl():
    return clean(raw)
"""
_SPAN = (9, 6, 9, 68)

INVALID = (
    invalid(HEAD + BODY, (*_SPAN, "executor `fn`: its Lambda functions import polars==2.1.0 PyYAML, which Lambda "
                                  "does not provide; no wheelhouse is configured, so the build packs no layer (build "
                                  "with --wheelhouse DIR)"),
            stage="build"),
    Case({MAIN: HEAD + BODY, "pyproject.toml": "[tool.glacierc]\nwheelhouse = \"wheels\"\n", "wheels/README": ""},
         (Expected(*_SPAN, "executor `fn`: the wheelhouse 'wheels' has no wheel for arm64, python3.11 of "
                           "polars==2.1.0 PyYAML; the build packs no layer (add the wheels with `pip download "
                           "--only-binary=:all: --platform manylinux2014_aarch64 --python-version 3.11 -d DIR ...`)"),),
         stage="build"),
)
VALID = (
    valid(GCP, stage="build"),  # Cloud Functions install the generated requirements.txt themselves
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
