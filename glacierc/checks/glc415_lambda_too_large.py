"""GLC415 lambda-too-large: a Lambda function whose package and layers unzip above AWS's 250 MB limit.

Reported by glacierc/backends/terraform/aws_layers.py when a wheelhouse is configured: `glacierc build` before it
packs the layer of a serverless executor, `glacierc check` measuring the same package and wheels without packing
anything (`measure_layer`, which both run). The unzipped size is the function package's files plus the files the
layer's wheels install (read from the zips' directories). Lambda refuses such a function at deploy (`Unzipped
size must be smaller than 262144000 bytes`), after Terraform has created everything before it; check and build
stop instead. This module holds its code, messages and documentation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from glacierc.checks.rule import MAIN, Case, Expected, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir.nodes import Executor

CODE = "GLC415"
NAME = "lambda-too-large"
SEVERITY = Severity.ERROR
TITLE = "a Lambda function would unzip above AWS's 250 MB limit"
WHAT = ("Reports, when a wheelhouse is configured (`wheelhouse` in `[tool.glacierc]`, or `--wheelhouse DIR` of "
        "`glacierc check` and `glacierc build`), a serverless AWS executor whose function package and layer together "
        "unzip to more than 262,144,000 bytes (Lambda's 250 MB limit, layers included). `check` measures the package "
        "and the wheels as `build` does before it packs the layer; without a wheelhouse nothing is packed, so "
        "nothing is measured.")
WHY = ("Lambda checks the unzipped size when the function is created: `terraform apply` would create the buckets, "
       "roles and layers, then fail on every function of the executor. The requirement set comes from what the "
       "task code imports, so a heavy import (a deep-learning library, a large native wheel) is enough to cross "
       "the limit.")

#: Lambda's limit on a function's unzipped code, its layers included.
LIMIT_BYTES = 262_144_000
MB = 1024 * 1024

TOO_LARGE = Message(CODE, SEVERITY, "executor `{executor}`: its Lambda functions ({functions}) would unzip to "
                    "{total:.1f} MB (package {package:.1f} MB + layer {layer:.1f} MB of {requirements}), above "
                    "Lambda's 250 MB limit ({limit:,} bytes); the deploy would fail",
                    help="run the tasks on a vm or cluster executor (AWS Batch or EMR take any size), or trim what "
                         "the task code imports")


def too_large(executor: Executor, tasks: tuple[str, ...], package: int, layer: int,
              requirements: tuple[str, ...]) -> Diagnostic | None:
    """GLC415 when `package` + `layer` (unzipped bytes) exceed Lambda's limit, else None."""
    if package + layer <= LIMIT_BYTES:
        return None
    return TOO_LARGE.diagnostic(executor.span, executor=executor.name,
                                functions=", ".join(f"task `{t}`" for t in tasks), total=(package + layer) / MB,
                                package=package / MB, layer=layer / MB, requirements=" ".join(requirements),
                                limit=LIMIT_BYTES)


SOURCE = """from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
fn = provider.serverless(config=LambdaConfig(memory=1024))
raw = provider.bucket(bucket="data", path="raw.parquet")

@fn.task()
def clean(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name="etl")
def etl():
    return clean(raw)
"""
WHEEL = "wheels/polars-2.1.0-py3-none-any.whl"


class _LargeWheelhouse(Mapping[str, "str | bytes"]):
    """The case's files: the pipeline, a pyproject naming the wheelhouse, and a polars wheel whose library
    unzips to the limit (zeros, so the wheel is about 1 MB), made when the case is run, not when `check` loads
    this module."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __getitem__(self, name: str) -> str | bytes:
        if name == WHEEL:
            return _wheel(self.size)
        return {MAIN: SOURCE, "pyproject.toml": '[tool.glacierc]\nwheelhouse = "wheels"\n'}[name]

    def __iter__(self) -> Iterator[str]:
        return iter((MAIN, "pyproject.toml", WHEEL))

    def __len__(self) -> int:
        return 3


def _wheel(size: int) -> bytes:
    import io
    import zipfile

    buffer, block = io.BytesIO(), bytes(1 << 22)
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("polars/__init__.py", "")
        native = zipfile.ZipInfo("polars/polars.abi3.so", date_time=(2024, 1, 1, 0, 0, 0))
        native.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(native, "w", force_zip64=True) as out:
            for start in range(0, size, len(block)):
                out.write(block[: min(len(block), size - start)])
        archive.writestr("polars-2.1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: polars\nVersion: 2.1.0\n")
    return buffer.getvalue()


TOO_LARGE_CASE = _LargeWheelhouse(LIMIT_BYTES)
EXPECTED = Expected(6, 6, 6, 59, "executor `fn`: its Lambda functions (task `clean`) would unzip to 250.1 MB (package "
                                 "0.1 MB + layer 250.0 MB of polars==2.1.0), above Lambda's 250 MB limit (262,144,000 "
                                 "bytes); the deploy would fail")
INVALID = (
    Case(TOO_LARGE_CASE, (EXPECTED,)),  # `check` measures what `build` would pack
    Case(TOO_LARGE_CASE, (EXPECTED,), stage="build"),
)
VALID = (
    valid(SOURCE),  # no wheelhouse: nothing is packed, nothing measured
    valid(SOURCE, stage="build"),  # GLC412 says what the deploy lacks
    Case(_LargeWheelhouse(1 << 20)),
    Case(_LargeWheelhouse(1 << 20), stage="build"),
)
EXAMPLE, INSTEAD = "", ""
