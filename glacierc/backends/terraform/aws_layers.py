"""The Lambda layers of one AWS module: what the functions' code imports, built from a wheelhouse.

A serverless executor's functions import Polars and whatever the task code imports (`requirements`); Lambda
provides neither. So `glacierc build` with a wheelhouse packs one layer per (architecture, Python runtime,
requirement set): `lambda/layers/<label>.zip`, uploaded as an object of the generated `glacier_artifacts`
bucket (a layer of Polars is larger than the 50 MB Lambda takes inline) and published as an
`aws_lambda_layer_version` whose ARN every function of those executors lists in `layers`. Without a
wheelhouse, or when it lacks a wheel, no layer is built and GLC412 says what the deploy lacks.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from glacierc.backends.terraform.aws_artifacts import ARTIFACTS
from glacierc.backends.terraform.blocks import Block, Expr, Template, block
from glacier.config import LambdaConfig
from glacierc.backends.terraform.packaging import (
    PackageInputs,
    TaskEntry,
    bundle_requirements,
    package_inputs,
    shared_runner_files,
)
from glacierc.backends.terraform.requirements import Requirement
from glacierc.backends.terraform.target import Target
from glacierc.checks import glc412_missing_requirements as missing_requirements
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Project



@dataclass(frozen=True, slots=True)
class Layer:
    label: str
    architecture: str
    runtime: str
    requirements: tuple[str, ...]  # requirement lines
    wheels: tuple[str, ...]  # the wheel files packed, sorted
    digest: str  # hex SHA-256 of the zip

    @property
    def zip_file(self) -> str:
        return f"lambda/layers/{self.label}.zip"

    @property
    def arn(self) -> Expr:
        return Expr(f"aws_lambda_layer_version.{self.label}.arn")


def layer_label(architecture: str, runtime: str, lines: tuple[str, ...]) -> str:
    digest = hashlib.sha256("\n".join((architecture, runtime, *lines)).encode()).hexdigest()[:10]
    return f"deps_{architecture}_{runtime.replace('.', '')}_{digest}"


def executor_layer(executor: Executor, shared: tuple[TaskEntry, ...], runner_sources: Mapping[str, str],
                   project: Project, built: Mapping[str, Layer]) -> tuple[Layer | None, bytes | None, Diagnostic | None]:
    """`plan_layer` for the functions of `executor` running `shared`: their platform (LambdaConfig) and the
    requirement set of the runners their package bundles."""
    values = typed_config(executor.config, LambdaConfig)
    requirements = bundle_requirements(shared_runner_files(shared, runner_sources), runner_sources, project)
    return plan_layer(executor, values.architecture, values.runtime, requirements, package_inputs(runner_sources),
                      built)


def plan_layer(executor: Executor, architecture: str, runtime: str, requirements: tuple[Requirement, ...],
               inputs: PackageInputs, built: Mapping[str, Layer]
               ) -> tuple[Layer | None, bytes | None, Diagnostic | None]:
    """The layer the functions of `executor` need (and its zip when not in `built` yet), or the GLC412
    diagnostic saying what the deploy lacks."""
    lines = tuple(r.line for r in requirements)
    label = layer_label(architecture, runtime, lines)
    if label in built:
        return built[label], None, None
    if inputs.wheelhouse is None:
        return None, None, missing_requirements.no_wheelhouse(executor, architecture, runtime, lines)
    from glacierc.backends.terraform.wheels import Platform, layer_zip, resolve  # the wheel reader: layers only

    platform = Platform(architecture, runtime)
    resolution = resolve(lines, inputs.wheelhouse, platform)
    if resolution.missing:
        return None, None, missing_requirements.missing_wheels(executor, architecture, runtime, resolution.missing,
                                                               inputs.wheelhouse.shown)
    content = layer_zip(resolution.wheels)
    layer = Layer(label, architecture, runtime, lines, tuple(sorted(w.path.name for w in resolution.wheels)),
                  hashlib.sha256(content).hexdigest())
    return layer, content, None




def layer_blocks(layer: Layer) -> list[Block]:
    """The uploaded zip and the published layer version."""
    shown = ", ".join(layer.requirements)
    comment = f"source: generated, the Lambda layer of {shown} ({layer.architecture}, {layer.runtime})"
    obj = block("resource", "aws_s3_object", layer.label, comments=[comment], body=[
        ("bucket", Expr(f"aws_s3_bucket.{ARTIFACTS}.id")),
        ("key", f"layers/{layer.label}-{layer.digest[:16]}.zip"),
        ("source", Template(Expr("path.module"), "/" + layer.zip_file)),
        ("source_hash", layer.digest),
        ("kms_key_id", Expr(f"aws_kms_key.{ARTIFACTS}.arn")),
    ])
    version = block("resource", "aws_lambda_layer_version", layer.label, comments=[comment], body=[
        ("layer_name", Target.name(layer.label, 140)),
        ("description", f"glacier: {shown}"[:256]),
        ("s3_bucket", Expr(f"aws_s3_object.{layer.label}.bucket")),
        ("s3_key", Expr(f"aws_s3_object.{layer.label}.key")),
        ("source_code_hash", base64.b64encode(bytes.fromhex(layer.digest)).decode()),
        ("compatible_runtimes", [layer.runtime]),
        ("compatible_architectures", [layer.architecture]),
    ])
    return [obj, version]
