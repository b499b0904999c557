"""`Pipeline.run(mode="analyze" | "generate")` goes through the real compiler."""

from __future__ import annotations

import importlib.util
import json
import sys

from tests.helpers import EXAMPLES


def _load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / name / "pipeline.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)  # the test imports the example; the compiler itself never does
    return module


def test_run_analyze_returns_the_static_analysis():
    module = _load_example("aws_etl")
    analysis = module.aws_etl.run(mode="analyze")
    assert not analysis.has_errors
    assert [p.name for p in analysis.project.pipelines] == ["aws_etl"]
    assert analysis.project.pipelines[0].levels[0] == ("extract", "load_users")


def test_run_generate_builds_artifacts(tmp_path):
    module = _load_example("gcp_analytics")
    result = module.gcp_analytics.run(mode="generate", output_dir=tmp_path / "out")
    assert result.written
    ir_json = json.loads((tmp_path / "out" / "ir.json").read_text())
    assert ir_json["pipelines"][0]["name"] == "gcp_analytics"
