"""The clouds' rules (glacierc/backends/terraform/*_rules.py) judge a deploy over the IR alone and every target
inherits its cloud's, so what `check` runs is what `build` reports. GCP's workflow-size limit is judged on the
definitions `check` makes without any Terraform block (gcp_workflow_calls.py): byte for byte the ones the build
writes, for every GCP fixture and example."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from glacierc.backends.terraform import CLOUD_RULES, CLOUD_TARGETS, emit
from glacierc.backends.terraform.common import unique_labels
from glacierc.backends.terraform.gcp_rules import GcpRules
from glacierc.backends.terraform.gcp_workflow_calls import SOURCE_MAX, definition_size, pipeline_labels
from glacierc.backends.terraform.orchestration_common import template_json
from glacierc.driver import compile_project

ROOT = Path(__file__).resolve().parent.parent
INPUTS = sorted({*(p.parent for p in (ROOT / "tests" / "fixtures").glob("*/*/*.py")),
                 *(p.parent for p in (ROOT / "examples").glob("*/pipeline.py"))})
#: Every fixture and example declaring a GCP provider (the migrate fixtures hold the old API).
GCP_INPUTS = [p for p in INPUTS if p.parent.name != "migrate"
              and any(b"GcpConfig(" in f.read_bytes() for f in p.glob("*.py"))]


def test_every_target_reports_exactly_its_clouds_rules():
    assert set(CLOUD_RULES) == set(CLOUD_TARGETS)
    for cloud, module in CLOUD_TARGETS.items():
        target = importlib.import_module(f"glacierc.backends.terraform.{module}").TARGET
        rules = importlib.import_module(f"glacierc.backends.terraform.{CLOUD_RULES[cloud]}").RULES
        assert issubclass(target, rules) and target.validate is rules.validate, cloud


def _compare_definitions(path: Path) -> int:
    """Asserts that the definitions `check` makes for each GCP provider of `path` are the files the build writes;
    how many were compared."""
    project = compile_project([path], env={}).project
    files, _ = emit(project, {p.name: "# runner\n" for p in project.pipelines})
    providers = sorted((p for p in project.providers if p.cloud != "local"), key=lambda p: p.name)
    labels = unique_labels(p.name for p in providers)
    compared = 0
    for provider in (p for p in providers if p.cloud == "gcp"):
        base = "terraform/" if len(providers) == 1 else f"terraform/{labels[provider.name]}/"
        names = pipeline_labels(project, provider)
        made = {f"{base}workflows/{names[name]}.json": template_json(definition).decode() + "\n"
                for name, definition in GcpRules().workflow_definitions(project, provider).items()}
        written = {name: text for name, text in files.items()
                   if name.startswith(f"{base}workflows/") and name != f"{base}workflows/pipelines.json"}
        assert made == written
        compared += len(made)
    return compared


def test_the_gcp_inputs_are_found_and_compared():
    assert len(GCP_INPUTS) >= 10
    assert _compare_definitions(ROOT / "examples" / "gcp_analytics") == 1
    assert sum(map(_compare_definitions, (ROOT / "tests" / "fixtures" / "terraform_gcp").iterdir())) >= 9


@pytest.mark.parametrize("path", GCP_INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_check_makes_the_workflow_definitions_the_build_writes(path: Path) -> None:
    _compare_definitions(path)


def _wide_pipeline(path: Path, count: int) -> Path:
    loads = "\n".join(f"    load(s{i})" for i in range(count))
    storage = "\n".join(f's{i} = provider.bucket(bucket="acme-wide", path="in/{i}.parquet")' for i in range(count))
    path.write_text(f'''import polars as pl
from glacier import Provider, pipeline
from glacier.config import GcpConfig

provider = Provider(config=GcpConfig(project_id="acme", region="us-east1"))
local_exec = provider.local()
{storage}


@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()


@pipeline(name="huge")
def huge():
{loads}
''', encoding="utf-8")
    return path


def test_check_reports_the_size_of_the_definition_the_build_writes(tmp_path):
    """`check` (no build) says the definition is too large, with the size of the file the build writes."""
    path = _wide_pipeline(tmp_path / "pipeline.py", 400)
    checked = [d for d in compile_project([path], env={}).diagnostics if d.code == "GLC401"]
    project = compile_project([path], env={}).project
    files, built = emit(project, {"huge": "# runner\n"})
    written = files["terraform/workflows/huge.json"].encode().removesuffix(b"\n")
    size = len(written) + 160 * written.count(b"${") - 2 * written.count(b"$${")
    assert size > SOURCE_MAX
    (too_big,) = checked
    assert too_big.message == (f"pipeline `huge`: its Cloud Workflows definition would be about {size // 1024} KB; "
                               f"Cloud Workflows accepts at most {SOURCE_MAX // 1024} KB")
    assert [d for d in built if d.code == "GLC401"] == checked


def test_a_definition_within_the_limit_is_not_reported(tmp_path):
    path = _wide_pipeline(tmp_path / "pipeline.py", 40)
    project = compile_project([path], env={}).project
    (definition,) = GcpRules().workflow_definitions(project, project.providers[0]).values()
    assert 0 < definition_size(definition) <= SOURCE_MAX
    assert not [d for d in compile_project([path], env={}).diagnostics if d.code == "GLC401"]


AZURE_SCHEDULES = '''import polars as pl
from glacier import Provider, pipeline
from glacier.config import AzureConfig, AzureFunctionConfig, AzureVMConfig

provider = Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000009"))
fn = provider.serverless(config=AzureFunctionConfig())
vm = provider.vm(config=AzureVMConfig())
raw = provider.bucket(bucket="raw", path="raw.parquet")
out = provider.bucket(bucket="out", path="out.parquet")


@fn.task()
def load(source) -> pl.LazyFrame:
    return source.scan()


@vm.task()
def save(source) -> None:
    out.write(source.scan())


@pipeline(name="orchestrated", schedule="rate(7 minutes)")
def orchestrated():
    load(raw)


@pipeline(name="on_a_vm", schedule="rate(7 minutes)")
def on_a_vm():
    save(raw)
'''


def test_azure_judges_the_schedule_of_the_pipelines_it_orchestrates(tmp_path):
    """A pipeline without a home app (only VM nodes) gets no orchestration and no timer: neither `check` nor
    the build reports its schedule; the other's is GLC401 in both."""
    path = tmp_path / "pipeline.py"
    path.write_text(AZURE_SCHEDULES, encoding="utf-8")
    compiled = compile_project([path], env={})
    checked = [d for d in compiled.diagnostics if d.code == "GLC401"]
    _, built = emit(compiled.project, {"orchestrated": "# runner\n", "on_a_vm": "# runner\n"})
    assert [d.message.split(":")[0] for d in checked] == ["pipeline `orchestrated`"]
    assert "no NCRONTAB equivalent" in checked[0].message
    assert [d for d in built if d.code == "GLC401"] == checked
