"""What every Terraform target guarantees alike, one test per property parametrised over the targets and their
cases (the bundled examples and tests/fixtures/terraform_<cloud>/): the same input emits the same files, every
`.tf` file parses and has the printer's canonical shape, and every resource, data source and provider block says
on the line above it where in the pipeline it comes from. Per-cloud properties stay in
tests/test_terraform_<cloud>_emit.py."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest
from terraform_tools import REPO, emit_pipeline

EXAMPLES = {"aws": ("aws_etl",), "gcp": ("gcp_analytics",), "azure": ()}


def _cases() -> list[tuple[str, str, Path]]:
    found = []
    for cloud, examples in EXAMPLES.items():
        found += [(cloud, name, REPO / "examples" / name / "pipeline.py") for name in examples]
        found += [(cloud, p.parent.name, p)
                  for p in sorted((REPO / "tests" / "fixtures" / f"terraform_{cloud}").glob("*/pipeline.py"))]
    return found


CASES = _cases()
IDS = [f"{cloud}-{name}" for cloud, name, _ in CASES]


@pytest.mark.parametrize(("cloud", "case", "path"), CASES, ids=IDS)
def test_emit_is_deterministic_and_parses(cloud: str, case: str, path: Path) -> None:
    first, _, _ = emit_pipeline(path)
    second, _, _ = emit_pipeline(path)  # compiled and emitted again
    assert first == second
    assert any(name.endswith(".tf") for name in first), f"{cloud} {case}: no Terraform"
    for name, content in first.items():
        if name.endswith(".tf"):
            assert hcl2.loads(content) is not None, name
            assert content.endswith("}\n") and "\t" not in content and " \n" not in content, name


@pytest.mark.parametrize(("cloud", "case", "path"), CASES, ids=IDS)
def test_every_block_names_its_source(cloud: str, case: str, path: Path) -> None:
    files, _, _ = emit_pipeline(path)
    for name, text in files.items():
        if not name.endswith(".tf"):
            continue
        lines = text.splitlines()
        for index, line in enumerate(lines):
            if line.startswith(("resource ", "data ", "provider ")):
                assert lines[index - 1].startswith("# source: "), f"{cloud} {case} {name}:{index + 1}"
