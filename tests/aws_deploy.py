"""A build deployed on the emulated AWS account (tests/aws_emulator.py), for the end-to-end test modules:
`glacierc build` of one pipeline file, the test-only `zz_emulator_override.tf` beside the generated root,
`terraform init` and `terraform apply` (offline, tests/terraform_tools.py) with a `name_prefix` of the
module's own, then the root's outputs. One apply takes minutes (S3 lifecycle configurations are slow against
moto): a module applies once, in a module-scoped fixture, and its tests share the deployment.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_emulator import Emulator, running
from terraform_tools import Terraform, mirror_missing

from glacierc.driver import build

#: The mark of a module that applies: without terraform and the AWS provider offline it is skipped.
NEEDS_APPLY = pytest.mark.skipif(
    mirror_missing("hashicorp/aws") is not None,
    reason=f"terraform apply needs the AWS provider offline: {mirror_missing('hashicorp/aws')}")
OVERRIDE = "zz_emulator_override.tf"


@dataclass(frozen=True)
class Deployment:
    emulator: Emulator
    out: Path  # the build's output folder
    outputs: dict  # `terraform output -json` of the root
    terraform: Terraform
    plain_http: list[str]  # the buckets whose TLS-only policies were removed (Emulator.allow_plain_http)

    @property
    def pipelines(self) -> dict[str, dict]:
        """The root's `pipelines` output: pipeline name -> {state_machine_arn, staging_bucket}."""
        return self.outputs["pipelines"]["value"]


@contextlib.contextmanager
def deployment(pipeline: Path, root: Path, prefix: str) -> Iterator[Deployment]:
    """`pipeline` built into `root/out` and applied with `-var=name_prefix=<prefix>` on an emulator that serves
    until the block ends (then it is emptied, and the override file removed: the build is as glacierc wrote it)."""
    pytest.importorskip("moto.server")
    out = root / "out"
    result = build([str(pipeline)], out, {})
    assert not result.has_errors, [d.message for d in result.diagnostics]
    module = out / "terraform"
    with running(root) as emulator:
        (module / OVERRIDE).write_text(emulator.override(), encoding="utf-8")
        try:
            terraform = Terraform.create(root / "tf-home")
            init = terraform.run(module, "init", "-input=false", "-no-color")
            assert init.returncode == 0, init.stdout + init.stderr
            apply = subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color",
                                    f"-var=name_prefix={prefix}"], cwd=module, env=terraform.env(),
                                   capture_output=True, text=True, timeout=900)
            assert apply.returncode == 0, apply.stdout[-4000:] + apply.stderr[-4000:]
            outputs = json.loads(terraform.run(module, "output", "-json", "-no-color").stdout)
            yield Deployment(emulator, out, outputs, terraform, emulator.allow_plain_http())
        finally:
            (module / OVERRIDE).unlink()
