"""`glacierc run`'s implementation: build into a temporary directory, run the runner, pass flags through."""

from __future__ import annotations

import shutil

import polars as pl

from glacierc.run_command import run_command, run_example
from tests.test_runner_support import EXAMPLES, FIXTURES


def test_run_command_builds_and_runs(tmp_path, monkeypatch, capfd):
    shutil.copytree(EXAMPLES / "quickstart" / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    status = run_command([str(EXAMPLES / "quickstart" / "pipeline.py")], None, ["--report", "r.json"], {})
    err = capfd.readouterr().err
    assert status == 0, err
    assert "[3/3] save (local, local_exec) ... ok" in err  # LocalConfig: ./data relative to the cwd
    assert pl.read_parquet(tmp_path / "data" / "out" / "revenue_by_region.parquet").height == 4
    assert (tmp_path / "r.json").exists()


def test_runner_exit_status_is_returned(tmp_path, capfd):
    status = run_command([str(EXAMPLES / "aws_etl" / "pipeline.py")], "aws_etl",
                         ["--data-dir", str(tmp_path / "empty")], {})
    _, err = capfd.readouterr()
    assert status == 1
    assert "missing input data: storage `raw_events`" in err or "missing input data: storage `users`" in err


def test_env_values_reach_the_build(tmp_path, capfd):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "numbers.csv").write_text("n,label\n1,a\n2,b\n3,c\n")
    args = ["--data-dir", str(tmp_path / "data")]
    assert run_command([str(FIXTURES / "failing" / "pipeline.py")], None, args, {"MODE": "ok"}) == 0
    assert run_command([str(FIXTURES / "failing" / "pipeline.py")], None, args, {"MODE": "raise"}) == 1
    assert "ValueError: value 3 is too large" in capfd.readouterr().err


def test_usage_errors(tmp_path, capfd):
    assert run_command([str(EXAMPLES / "aws_etl" / "pipeline.py")], "nope", [], {}) == 2
    assert "no pipeline `nope`; pipelines: aws_etl" in capfd.readouterr().err
    several = tmp_path / "several"
    several.mkdir()
    for name in ("quickstart", "aws_etl"):
        shutil.copy(EXAMPLES / name / "pipeline.py", several / f"{name}.py")
    assert run_command([str(several)], None, ["--dry-run"], {}) == 2
    assert "several pipelines; choose one with --pipeline: aws_etl, quickstart" in capfd.readouterr().err
    assert run_command([str(several)], "aws_etl", ["--dry-run"], {}) == 0


def test_build_errors_stop_before_running(tmp_path, capfd):
    broken = tmp_path / "broken.py"
    broken.write_text("from glacier import pipeline\n\ndef oops(:\n    pass\n")
    assert run_command([str(broken)], None, [], {}) == 1
    err = capfd.readouterr().err
    assert "GLC001" in err and "nothing was run" in err


def test_run_example_copies_the_sample_data(tmp_path, capfd):
    assert run_example(EXAMPLES / "gcp_analytics", tmp_path) == 0
    out = capfd.readouterr().out
    assert "== gcp_analytics: glacierc run" in out
    assert (tmp_path / "data" / "glacier-demo-reports" / "revenue" / "by_country_category.parquet").exists()
    assert not (EXAMPLES / "gcp_analytics" / "data" / "glacier-demo-reports").exists()
