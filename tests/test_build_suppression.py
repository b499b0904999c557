"""`build` selects the diagnostics the Terraform targets report as `check` does: a `noqa` comment or
`per-file-ignores` that silences a target's diagnostic in `check` silences it in `build`, so a check made
green that way builds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glacierc.diagnostics.model import Severity
from glacierc.driver import build, compile_project

AWS = """\
    import polars as pl
    from glacier import Provider, pipeline
    from glacier.config import AwsConfig, LifecycleRule, S3Config

    provider = Provider(config=AwsConfig(region="eu-west-1"))
    rules = (LifecycleRule(transition_days=5, storage_class="STANDARD_IA"),)
    data = provider.bucket(bucket="acme-data", path="x.parquet", config=S3Config(lifecycle_rules=rules)){noqa}
    raw = provider.bucket(bucket="acme-raw", path="x.parquet")
    fn = provider.local()

    @fn.task()
    def load() -> pl.LazyFrame:
        return raw.scan()

    @fn.task()
    def save(frame: pl.LazyFrame) -> None:
        data.write(frame)

    @pipeline(name="p")
    def p():
        save(load())
    """
GCP = """\
    from glacier import Provider
    from glacier.config import GcpConfig, DataprocConfig

    provider = Provider(config=GcpConfig(project_id="acme-data", region="us-central1"))
    spark = provider.cluster(config=DataprocConfig(num_workers=1)){noqa}
    """


def _errors(diagnostics) -> list[str]:
    return [d.code for d in diagnostics if d.severity is Severity.ERROR]


@pytest.mark.parametrize("source", [AWS, GCP], ids=["aws-s3-lifecycle", "gcp-dataproc"])
def test_a_target_error_is_reported_by_check_and_build(tmp_path: Path, source: str) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(source.format(noqa="")))
    assert _errors(compile_project([path]).diagnostics) == ["GLC302"]
    built = build([path], tmp_path / "out")
    assert _errors(built.diagnostics) == ["GLC302"] and not built.written


@pytest.mark.parametrize("source", [AWS, GCP], ids=["aws-s3-lifecycle", "gcp-dataproc"])
def test_noqa_on_the_line_silences_it_in_build(tmp_path: Path, source: str) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(source.format(noqa="  # noqa: GLC302")))
    assert _errors(compile_project([path]).diagnostics) == []
    built = build([path], tmp_path / "out")
    assert _errors(built.diagnostics) == [] and built.written
    assert "GLC302" not in {d.code for d in built.diagnostics}


def test_per_file_ignores_silence_it_in_build(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.glacierc.per-file-ignores]\n"pipeline.py" = ["GLC302"]\n')
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(AWS.format(noqa="")))
    assert _errors(compile_project([path]).diagnostics) == []
    built = build([path], tmp_path / "out")
    assert "GLC302" not in {d.code for d in built.diagnostics} and built.written


def test_noqa_for_another_code_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(AWS.format(noqa="  # noqa: GLC204")))
    assert _errors(build([path], tmp_path / "out").diagnostics) == ["GLC302"]
