"""The two offline checkers of a Step Functions definition: moto's ASL parser (it refuses what moto's
interpreter cannot run) and asl-validator (`npm install asl-validator` at the repository root; it catches a
dangling `Next` or `StartAt`, which moto's parser accepts). A test runs both.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ASL_VALIDATOR = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "asl-validator"


def asl_validator(definition: str | bytes, folder: Path) -> subprocess.CompletedProcess:
    """asl-validator's run on the JSON text `definition` (written to `folder`/definition.json); the calling test
    skips with the reason when asl-validator or node is not installed."""
    if not ASL_VALIDATOR.exists() or shutil.which("node") is None:
        pytest.skip("asl-validator is not installed: run `npm install asl-validator` at the repository root "
                    "(.ci/run does)")
    file = folder / "definition.json"
    file.write_bytes(definition if isinstance(definition, bytes) else definition.encode("utf-8"))
    return subprocess.run([str(ASL_VALIDATOR), "--json-path", str(file)], capture_output=True, text=True,
                          timeout=60)


def assert_moto_and_asl_validator_accept(definition: str | bytes, folder: Path) -> None:
    """moto's parser, then asl-validator (or a skip, when it is missing), accept the JSON text `definition`."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    AmazonStateLanguageParser.parse(definition if isinstance(definition, str) else definition.decode("utf-8"))
    done = asl_validator(definition, folder)
    assert done.returncode == 0, done.stdout + done.stderr
