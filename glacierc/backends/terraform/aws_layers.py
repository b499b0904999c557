"""The Lambda layers of one AWS module: what the functions' code imports, built from a wheelhouse.

A serverless executor's functions import Polars and whatever the task code imports (`requirements`); Lambda
provides neither. So `glacierc build` with a wheelhouse packs one layer per (architecture, Python runtime,
requirement set): `lambda/layers/<label>.zip`, uploaded as an object of the generated `glacier_artifacts`
bucket (a layer of Polars is larger than the 50 MB Lambda takes inline) and published as an
`aws_lambda_layer_version` whose ARN every function of those executors lists in `layers`. Without a
wheelhouse, or when it lacks a wheel, no layer is built and GLC412 says what the deploy lacks. A package and
layer that would unzip above Lambda's 250 MB limit are GLC415, found from the wheels' directories before the
layer is packed.
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
from glacierc.checks.glc415_lambda_too_large import too_large
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
    size: int = 0  # bytes it unzips to

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
                   project: Project, built: Mapping[str, Layer], package_size: int = 0
                   ) -> tuple[Layer | None, bytes | None, Diagnostic | None]:
    """`plan_layer` for the functions of `executor` running `shared` (whose package unzips to `package_size`
    bytes): their platform (LambdaConfig) and the requirement set of the runners their package bundles."""
    values = typed_config(executor.config, LambdaConfig)
    requirements = bundle_requirements(shared_runner_files(shared, runner_sources), runner_sources, project)
    tasks = tuple(entry.task for entry in shared)
    return plan_layer(executor, values.architecture, values.runtime, requirements, package_inputs(runner_sources),
                      built, Size(tasks, package_size))


@dataclass(frozen=True, slots=True)
class Size:
    """The functions a layer is for (their tasks) and the bytes their own package unzips to."""

    tasks: tuple[str, ...] = ()
    package: int = 0


def plan_layer(executor: Executor, architecture: str, runtime: str, requirements: tuple[Requirement, ...],
               inputs: PackageInputs, built: Mapping[str, Layer], size: Size = Size()
               ) -> tuple[Layer | None, bytes | None, Diagnostic | None]:
    """The layer the functions of `executor` need (and its zip when not in `built` yet), or the GLC412
    diagnostic saying what the deploy lacks, or GLC415 when package and layer exceed Lambda's limit."""
    lines = tuple(r.line for r in requirements)
    label = layer_label(architecture, runtime, lines)
    if label in built:
        problem = too_large(executor, size.tasks, size.package, built[label].size, lines)
        return (None, None, problem) if problem else (built[label], None, None)
    if inputs.wheelhouse is None:
        return None, None, missing_requirements.no_wheelhouse(executor, architecture, runtime, lines)
    from glacierc.backends.terraform.wheels import Platform, installed_size, layer_zip, resolve  # layers only

    platform = Platform(architecture, runtime)
    resolution = resolve(lines, inputs.wheelhouse, platform)
    if resolution.missing:
        return None, None, missing_requirements.missing_wheels(executor, architecture, runtime, resolution.missing,
                                                               inputs.wheelhouse.shown)
    unzipped = installed_size(resolution.wheels)
    problem = too_large(executor, size.tasks, size.package, unzipped, lines)
    if problem is not None:  # not packed: the build stops
        return None, None, problem
    content = layer_zip(resolution.wheels)
    layer = Layer(label, architecture, runtime, lines, tuple(sorted(w.path.name for w in resolution.wheels)),
                  hashlib.sha256(content).hexdigest(), unzipped)
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
