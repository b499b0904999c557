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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from glacierc.backends.terraform.wheels import Wheel


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
    measured = measure_executor_layer(executor, shared, runner_sources, project, _sizes(built), package_size)
    return packed_layer(measured, built)


def measure_executor_layer(executor: Executor, shared: tuple[TaskEntry, ...], runner_sources: Mapping[str, str],
                           project: Project, sizes: Mapping[str, int], package_size: int) -> Measured:
    """`measure_layer` for the functions of `executor` running `shared`, as `executor_layer` plans it: what
    `check` runs with a wheelhouse, packing nothing."""
    values = typed_config(executor.config, LambdaConfig)
    requirements = bundle_requirements(shared_runner_files(shared, runner_sources), runner_sources, project)
    tasks = tuple(entry.task for entry in shared)
    return measure_layer(executor, values.architecture, values.runtime, requirements, package_inputs(runner_sources),
                         sizes, Size(tasks, package_size))


@dataclass(frozen=True, slots=True)
class Size:
    """The functions a layer is for (their tasks) and the bytes their own package unzips to."""

    tasks: tuple[str, ...] = ()
    package: int = 0


@dataclass(frozen=True, slots=True)
class Measured:
    """A layer before it is packed: its label, requirement lines, the wheels to pack (none when a layer of that
    label is built already), the bytes it unzips to, and GLC412 or GLC415 when it cannot or must not be built."""

    label: str
    architecture: str
    runtime: str
    lines: tuple[str, ...]
    wheels: tuple[Wheel, ...] = ()
    size: int = 0
    problem: Diagnostic | None = None


def plan_layer(executor: Executor, architecture: str, runtime: str, requirements: tuple[Requirement, ...],
               inputs: PackageInputs, built: Mapping[str, Layer], size: Size = Size()
               ) -> tuple[Layer | None, bytes | None, Diagnostic | None]:
    """The layer the functions of `executor` need (and its zip when not in `built` yet), or the GLC412
    diagnostic saying what the deploy lacks, or GLC415 when package and layer exceed Lambda's limit."""
    measured = measure_layer(executor, architecture, runtime, requirements, inputs, _sizes(built), size)
    return packed_layer(measured, built)


def measure_layer(executor: Executor, architecture: str, runtime: str, requirements: tuple[Requirement, ...],
                  inputs: PackageInputs, sizes: Mapping[str, int], size: Size = Size()) -> Measured:
    """The layer of `requirements` measured from the wheels' directories (`sizes`: the unzipped bytes of the
    layers built already, by label), with its problem: GLC412 without a wheelhouse or a wheel, GLC415 when
    the package and the layer exceed Lambda's limit."""
    lines = tuple(r.line for r in requirements)
    label = layer_label(architecture, runtime, lines)
    measured = Measured(label, architecture, runtime, lines)
    if label in sizes:
        return replace(measured, size=sizes[label],
                       problem=too_large(executor, size.tasks, size.package, sizes[label], lines))
    if inputs.wheelhouse is None:
        return replace(measured, problem=missing_requirements.no_wheelhouse(executor, architecture, runtime, lines))
    from glacierc.backends.terraform.wheels import Platform, installed_size, resolve  # layers only

    resolution = resolve(lines, inputs.wheelhouse, Platform(architecture, runtime))
    if resolution.missing:
        return replace(measured, problem=missing_requirements.missing_wheels(
            executor, architecture, runtime, resolution.missing, inputs.wheelhouse.shown))
    unzipped = installed_size(resolution.wheels)
    return replace(measured, wheels=tuple(resolution.wheels), size=unzipped,
                   problem=too_large(executor, size.tasks, size.package, unzipped, lines))


def packed_layer(measured: Measured, built: Mapping[str, Layer]) -> tuple[Layer | None, bytes | None, Diagnostic | None]:
    """The layer `measured` (and its zip when not in `built` yet), or its problem: a layer with one is not
    packed, and the build stops on GLC415."""
    if measured.problem is not None:
        return None, None, measured.problem
    if measured.label in built:
        return built[measured.label], None, None
    from glacierc.backends.terraform.wheels import layer_zip  # layers only

    content = layer_zip(measured.wheels)
    layer = Layer(measured.label, measured.architecture, measured.runtime, measured.lines,
                  tuple(sorted(w.path.name for w in measured.wheels)), hashlib.sha256(content).hexdigest(),
                  measured.size)
    return layer, content, None


def _sizes(built: Mapping[str, Layer]) -> dict[str, int]:
    return {label: layer.size for label, layer in built.items()}


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
