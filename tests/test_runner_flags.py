"""Runner flags: --dry-run, --report, --select/--from/--until, --checkpoint/--resume, --storage-option,
plus location resolution (gs:// and friends, without I/O) and `run_node`, the entry point of cloud
functions."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.test_runner_support import EXAMPLES, copy_data, files_under, load_module, run, write_runner


@pytest.fixture
def aws(tmp_path):
    """(runner, working directory) for aws_etl with its sample data in ./data."""
    copy_data("aws_etl", tmp_path)
    return write_runner(tmp_path, EXAMPLES / "aws_etl" / "pipeline.py"), tmp_path


def started(stderr: str) -> list[str]:
    """Node ids that ran (progress lines with a number)."""
    return [line.split(" ")[1] for line in stderr.splitlines() if line.startswith("[") and not line.startswith("[-")]


def test_dry_run_prints_the_plan_and_touches_nothing(aws, snapshot):
    runner, cwd = aws
    before = files_under(cwd / "data")
    result = run(runner, "--dry-run", "--data-dir", "data", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stdout == snapshot
    assert files_under(cwd / "data") == before


def test_dry_run_without_data_dir_shows_cloud_uris_and_hides_secrets(tmp_path):
    runner = write_runner(tmp_path, EXAMPLES / "gcp_analytics" / "pipeline.py")
    result = run(runner, "--dry-run", "--storage-option", "google_service_account_key=s3cr3t",
                 "--storage-option", "google_bucket=x", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "gs://glacier-demo-raw/orders/orders.csv  (csv)" in result.stdout
    assert "gs://glacier-demo-reports/revenue/by_country_category.parquet  (parquet)" in result.stdout
    assert "storage options: google_bucket=x, google_service_account_key=***" in result.stdout
    assert "s3cr3t" not in result.stdout


def test_locations_and_storage_options_without_io(tmp_path):
    module = load_module(write_runner(tmp_path, EXAMPLES / "gcp_analytics" / "pipeline.py"))
    options = {"google_service_account": "/keys/sa.json", "google_bucket_endpoint": "http://127.0.0.1:1"}
    module.configure(storage_options=options)
    assert module.BUCKETS["orders"].location() == ("gs://glacier-demo-raw/orders/orders.csv", options)
    assert module.report.location() == ("gs://glacier-demo-reports/revenue/by_country_category.parquet", options)
    assert repr(module.report) == \
        "Bucket('gs://glacier-demo-reports/revenue/by_country_category.parquet', format='parquet')"
    module.configure(data_dir=str(tmp_path / "d"), storage_options=options)
    path, local_options = module.report.location()
    assert Path(path) == tmp_path / "d" / "glacier-demo-reports" / "revenue" / "by_country_category.parquet"
    assert local_options is None  # local files get no object-store options


def test_local_provider_without_data_dir_uses_base_path_relative_to_cwd(tmp_path):
    module = load_module(write_runner(tmp_path, EXAMPLES / "quickstart" / "pipeline.py"))
    module.configure()
    assert module.BUCKETS["sales"].location() == ("./data/raw/sales.csv", None)
    copy_data("quickstart", tmp_path)
    result = run(tmp_path / "runners" / "quickstart.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "out" / "revenue_by_region.parquet").exists()


def test_bad_storage_option_is_a_usage_error(aws):
    runner, cwd = aws
    result = run(runner, "--storage-option", "novalue", cwd=cwd)
    assert result.returncode == 2
    assert "--storage-option expects KEY=VALUE" in result.stderr


def test_unknown_node_is_a_usage_error(aws):
    runner, cwd = aws
    result = run(runner, "--data-dir", "data", "--select", "nope", cwd=cwd)
    assert result.returncode == 2
    assert "--select: pipeline 'aws_etl' has no node 'nope'; its nodes are: audit, clean, enrich" in result.stderr


def test_report(aws):
    runner, cwd = aws
    result = run(runner, "--data-dir", "data", "--report", "reports/run.json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    report = json.loads((cwd / "reports" / "run.json").read_text())
    assert report["pipeline"] == "aws_etl" and report["status"] == "ok" and report["error"] is None
    nodes = {n["id"]: n for n in report["nodes"]}
    assert list(nodes) == ["extract", "load_users", "clean", "enrich", "save", "audit"]
    assert all(n["status"] == "ok" and n["seconds"] >= 0 for n in nodes.values())
    assert nodes["clean"]["output"] == "lazy" and nodes["clean"]["rows"] is None
    assert nodes["save"]["writes"] == [{"storage": "curated", "uri": "data/acme-curated/daily/country_activity.parquet",
                                        "rows": 25}]
    assert nodes["audit"]["rows"] == 1 and nodes["audit"]["output"] == "frame"
    assert report["totals"] == {"nodes": 6, "ok": 6, "failed": 0, "cancelled": 0, "skipped": 0, "not run": 0,
                                "rows_written": 25}


def test_select_runs_one_node(aws):
    runner, cwd = aws
    assert run(runner, "--data-dir", "data", cwd=cwd).returncode == 0
    result = run(runner, "--data-dir", "data", "--select", "audit", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert started(result.stderr) == ["audit"]
    assert "[-/1] save (local, local_exec) ... skipped (not selected)" in result.stderr


def test_from_pulls_in_the_inputs_it_needs(aws):
    runner, cwd = aws
    result = run(runner, "--data-dir", "data", "--from", "enrich", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert started(result.stderr) == ["extract", "load_users", "clean", "enrich", "save", "audit"]
    assert "clean (serverless, lambda_exec) ... ok 0.00 s, lazy (needed by enrich)" in result.stderr


def test_until_computes_and_shows_the_last_selected_node(aws):
    runner, cwd = aws
    result = run(runner, "--data-dir", "data", "--until", "clean", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert started(result.stderr) == ["extract", "clean"]
    assert "clean:\nshape: (238, 5)" in result.stdout
    assert not (cwd / "data" / "acme-curated").exists()


def test_checkpoint_and_resume(aws):
    runner, cwd = aws
    first = run(runner, "--data-dir", "data", "--checkpoint", "ckpt", cwd=cwd)
    assert first.returncode == 0, first.stderr
    saved = files_under(cwd / "ckpt")
    assert "enrich.parquet" in saved and "save.json" in saved and not any(".glacier-" in f for f in saved)
    record = json.loads((cwd / "ckpt" / "clean.json").read_text())
    assert record["kind"] == "lazy" and record["rows"] == 238 and record["status"] == "ok"
    assert "[3/6] clean (serverless, lambda_exec) ... ok" in first.stderr and "238 rows" in first.stderr

    again = run(runner, "--data-dir", "data", "--checkpoint", "ckpt", "--resume", cwd=cwd)
    assert again.returncode == 0, again.stderr
    assert started(again.stderr) == []

    (cwd / "ckpt" / "save.json").unlink()
    (cwd / "data" / "acme-curated" / "daily" / "country_activity.parquet").unlink()
    partial = run(runner, "--data-dir", "data", "--checkpoint", "ckpt", "--resume", cwd=cwd)
    assert partial.returncode == 0, partial.stderr
    assert started(partial.stderr) == ["save", "audit"]  # audit comes after save: it runs again
    written = pl.read_parquet(cwd / "data" / "acme-curated" / "daily" / "country_activity.parquet")
    assert written.height == 25


def test_resume_refuses_a_checkpoint_of_another_build(aws, tmp_path):
    runner, cwd = aws
    assert run(runner, "--data-dir", "data", "--checkpoint", "ckpt", cwd=cwd).returncode == 0
    record = json.loads((cwd / "ckpt" / "extract.json").read_text())
    (cwd / "ckpt" / "extract.json").write_text(json.dumps({**record, "plan": "0" * 16}))
    result = run(runner, "--data-dir", "data", "--checkpoint", "ckpt", "--resume", cwd=cwd)
    assert result.returncode == 2
    assert "holds results of another build of pipeline `aws_etl` (extract)" in result.stderr


def test_resume_needs_checkpoint(aws):
    runner, cwd = aws
    result = run(runner, "--resume", cwd=cwd)
    assert result.returncode == 2 and "--resume needs --checkpoint DIR" in result.stderr


def test_run_node_reads_and_saves_checkpoints(tmp_path, monkeypatch):
    """How cloud functions run one node: inputs from the staging store of the function's environment,
    the result saved there."""
    data = copy_data("aws_etl", tmp_path)
    module = load_module(write_runner(tmp_path, EXAMPLES / "aws_etl" / "pipeline.py"))
    monkeypatch.setenv("GLACIER_DATA_DIR", str(data))
    monkeypatch.setenv("GLACIER_STAGING_URI", str(tmp_path / "ckpt"))
    event = {"pipeline": "aws_etl"}
    with pytest.raises(module.UsageError, match="needs the result of `extract`, which no checkpoint holds"):
        module.run_node("clean", event)
    for node in ("extract", "load_users", "clean", "enrich"):
        assert module.run_node(node, event)["status"] == "ok"
    saved = module.run_node("save", event)
    assert saved["writes"] == [{"storage": "curated", "rows": 25,
                                "uri": str(data / "acme-curated" / "daily" / "country_activity.parquet")}]
    expected = pl.read_parquet(tmp_path / "ckpt" / "enrich.parquet")
    assert_frame_equal(pl.read_parquet(data / "acme-curated" / "daily" / "country_activity.parquet"), expected)
