"""An executor shared by two pipelines stages each pipeline's results in that pipeline's own bucket: the
generated Terraform gives the function one variable per pipeline (`staging_variable`) and the runtime reads
the one of the pipeline it runs. Checked by unpacking the real Lambda package of a build and calling its
entry functions with each pipeline's events, in the environment the generated compute.tf declares."""

from __future__ import annotations

import re

import hcl2
from hcl2 import SerializationOptions
import polars as pl
import pytest

from glacierc.driver import build
from glacierc.runtime.node import staging_variable
from tests.helpers import FIXTURES
from tests.terraform_tools import emit_pipeline, extract, load_module

FIXTURE = FIXTURES / "terraform_aws" / "shared_staging" / "pipeline.py"
PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
GCP_FIXTURE = FIXTURES / "terraform_gcp" / "shared_staging" / "pipeline.py"


@pytest.mark.parametrize("name, variable", [
    ("daily", "GLACIER_STAGING_URI__daily"),
    ("daily-report", "GLACIER_STAGING_URI__daily_2Dreport"),
    ("daily_report", "GLACIER_STAGING_URI__daily_5Freport"),
    ("Ünï 1", "GLACIER_STAGING_URI___C3_9Cn_C3_AF_201"),
])
def test_staging_variables_are_valid_and_one_to_one(name, variable):
    assert staging_variable(name) == variable
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", variable)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("shared_staging") / "out"
    result = build([str(FIXTURE)], out, {})
    assert result.written, [d.message for d in result.diagnostics]
    return out


def _environments(out) -> dict[str, dict[str, str]]:
    """Function label -> its environment variables, as compute.tf declares them."""
    parsed = hcl2.loads((out / "terraform" / "compute.tf").read_text(encoding="utf-8"), serialization_options=PLAIN)
    return {label: body["environment"][0]["variables"] for resource in parsed["resource"]
            for label, body in resource.get("aws_lambda_function", {}).items()}


def test_each_function_gets_the_staging_bucket_of_every_pipeline_it_serves(built):
    expected = {"GLACIER_STAGING_URI__daily_2Dreport": "s3://${aws_s3_bucket.daily_report_staging.bucket}",
                "GLACIER_STAGING_URI__daily_5Freport": "s3://${aws_s3_bucket.daily_report_2_staging.bucket}"}
    assert _environments(built) == {"extract": expected, "total": expected}


def test_each_pipeline_stages_in_its_own_store(built, tmp_path, monkeypatch):
    data = tmp_path / "data" / "shared-raw"
    data.mkdir(parents=True)
    pl.DataFrame({"value": [1, 2, 3]}).write_parquet(data / "events.parquet")
    monkeypatch.setenv("GLACIER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "fallback"))  # the pipeline's own variable wins
    for variable, uri in _environments(built)["extract"].items():  # each bucket a directory of its own
        bucket = re.fullmatch(r"s3://\$\{aws_s3_bucket\.(\w+)\.bucket\}", uri).group(1)
        monkeypatch.setenv(variable, str(tmp_path / bucket))
    package = (built / "terraform" / "lambda" / "fn.zip").read_bytes()
    handler = load_module(extract(package, tmp_path / "pkg") / "handler.py", "handler_shared_staging")
    for pipeline, run_id in (("daily-report", "r1"), ("daily_report", "r2")):
        assert handler.task_extract({"pipeline": pipeline, "run_id": run_id}, None)["status"] == "ok"
        assert handler.task_total({"pipeline": pipeline, "run_id": run_id}, None)["status"] == "ok"
    assert sorted(p.name for p in (tmp_path / "daily_report_staging").iterdir()) == ["r1"]
    assert sorted(p.name for p in (tmp_path / "daily_report_2_staging").iterdir()) == ["r2"]
    assert not (tmp_path / "fallback").exists()
    staged = pl.read_parquet(tmp_path / "daily_report_2_staging" / "r2" / "total.parquet")
    assert staged["value"].to_list() == [6]


def test_gcp_functions_get_one_variable_per_pipeline():
    files, compiled, _ = emit_pipeline(GCP_FIXTURE)
    assert not compiled.has_errors
    parsed = hcl2.loads(files["terraform/compute.tf"], serialization_options=PLAIN)
    functions = [body for resource in parsed["resource"]
                 for body in resource.get("google_cloudfunctions2_function", {}).values()]
    assert len(functions) == 2
    for function in functions:
        variables = function["service_config"][0]["environment_variables"]
        assert sorted(variables) == ["GLACIER_STAGING_URI__daily_2Dreport", "GLACIER_STAGING_URI__daily_5Freport"]


@pytest.mark.parametrize("fixture, resource", [(FIXTURE, "aws_sfn_state_machine"),
                                               (GCP_FIXTURE, "google_workflows_workflow")])
def test_pipelines_whose_names_differ_in_punctuation_get_distinct_cloud_names(fixture, resource):
    """`daily-report` and `daily_report` are one cloud name apart only by their unique labels: every named
    resource of a pipeline derives its name from the label (a clash failed `terraform apply`)."""
    files, compiled, _ = emit_pipeline(fixture)
    assert not compiled.has_errors
    names = [body["name"] for text in files.values() if isinstance(text, str) and resource in text
             for block in hcl2.loads(text, serialization_options=PLAIN).get("resource", [])
             for body in block.get(resource, {}).values()]
    assert len(names) == 2 and len(set(names)) == 2, names
