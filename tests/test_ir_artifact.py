"""ir.json carries every field of the IR and the tool version, validates against docs/ir.schema.json, and reads
back into the same IR."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from glacierc import __version__
from glacierc.driver import compile_project
from glacierc.ir.read import IrFormatError, read
from glacierc.ir.schema import ir_schema
from glacierc.ir.serialize import to_json

ROOT = Path(__file__).resolve().parent.parent
INPUTS = sorted({*(p.parent for p in (ROOT / "tests" / "fixtures").glob("*/*/*.py")),
                 *(p.parent for p in (ROOT / "examples").glob("*/pipeline.py"))})
INPUTS = [p for p in INPUTS if p.parent.name not in ("fuzz_regressions", "migrate")]


def test_the_schema_file_is_up_to_date() -> None:
    assert json.loads((ROOT / "docs" / "ir.schema.json").read_text()) == ir_schema(), \
        "run: python -m glacierc.ir.schema > docs/ir.schema.json"


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ir_json_validates_and_reads_back_into_the_same_ir(path: Path) -> None:
    result = compile_project([path])
    text = to_json(result.project, result.diagnostics)
    data = json.loads(text)
    jsonschema.validate(data, ir_schema())
    assert data["tool_version"] == __version__
    assert read(text) == result.project


def test_temporal_and_nested_values_round_trip(tmp_path: Path) -> None:
    from tests.test_pipeline_shapes import TEMPORAL

    path = tmp_path / "pipeline.py"
    path.write_text(TEMPORAL)
    project = compile_project([path]).project
    assert read(to_json(project)) == project


def test_a_file_of_another_version_is_refused() -> None:
    with pytest.raises(IrFormatError, match="version"):
        read(json.dumps({"version": 2}))
    with pytest.raises(IrFormatError, match="malformed"):
        read(json.dumps({"version": 1, "providers": [{}]}))
