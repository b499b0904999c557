"""The CLI through its real entry point: exit codes, output formats, flags."""

from __future__ import annotations

import json

from tests.helpers import EXAMPLES, FIXTURES, glacierc

DIAG = FIXTURES / "core" / "diagnostics_all"


def test_version_and_help():
    result = glacierc("--version")
    assert result.returncode == 0 and result.stdout.startswith("glacierc ")
    help_text = glacierc("--help").stdout
    for command in ("check", "analyze", "build", "rule"):
        assert command in help_text


def test_check_clean_example_exits_zero():
    result = glacierc("check", str(EXAMPLES / "aws_etl"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed." in result.stdout


def test_check_errors_exit_one_and_exit_zero_flag():
    assert glacierc("check", str(DIAG)).returncode == 1
    assert glacierc("check", "--exit-zero", str(DIAG)).returncode == 0


def test_full_format_shows_source_and_carets():
    out = glacierc("check", str(DIAG)).stdout
    assert "error[GLC302]: LambdaConfig.memory = 20000 is outside 128..10240 MB" in out
    assert "  --> " in out and "pipeline.py:11:53" in out
    assert "^^^^^" in out and "= help: allowed range: 128..10240 MB" in out


def test_json_format_matches_contract():
    items = json.loads(glacierc("check", "--output-format", "json", str(DIAG)).stdout)
    keys = {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "fix"}
    assert items and all(keys <= set(item) for item in items)
    assert {item["severity"] for item in items} == {"error", "warning"}


def test_sarif_format_is_2_1_0():
    sarif = json.loads(glacierc("check", "--output-format", "sarif", str(DIAG)).stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "glacierc"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_github_format_escapes():
    lines = glacierc("check", "--output-format", "github", str(DIAG)).stdout.splitlines()
    assert lines and all(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert any("GLC302" in line and ",line=11,col=53," in line for line in lines)


def test_select_and_ignore():
    out = glacierc("check", "--output-format", "concise", "--select", "GLC30", str(DIAG)).stdout
    codes = {line.split(": ")[1].split()[0] for line in out.splitlines() if ": GLC" in line}
    assert codes == {"GLC301", "GLC302", "GLC303", "GLC305"}
    out = glacierc("check", "--output-format", "concise", "--ignore", "GLC3,GLC2", str(DIAG)).stdout
    assert "GLC3" not in out and "GLC2" not in out and "GLC002" in out


def test_pyproject_settings(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.glacierc]\nignore = ["GLC204"]\n')
    (tmp_path / "p.py").write_text((FIXTURES / "core" / "loops_and_unpacking" / "pipeline.py").read_text())
    result = glacierc("check", str(tmp_path / "p.py"))
    assert result.returncode == 0 and "All checks passed." in result.stdout


def test_env_flag_and_usage_errors():
    env_dir = FIXTURES / "core" / "env_provider"
    out = glacierc("analyze", "--format", "json", "-e", "GLACIER_CLOUD=aws", str(env_dir)).stdout
    assert json.loads(out)["providers"][0]["cloud"] == "aws"
    bad = glacierc("check", "-e", "NOT-A-PAIR", str(env_dir))
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr
    assert glacierc("check", "--output-format", "xml", str(env_dir)).returncode == 2
    assert glacierc("frobnicate").returncode == 2


def test_missing_path_is_a_diagnostic_not_a_crash(tmp_path):
    result = glacierc("check", str(tmp_path / "nope.py"))
    assert result.returncode == 1 and "GLC005" in result.stdout
    (tmp_path / "empty").mkdir()
    assert "GLC005" in glacierc("check", str(tmp_path / "empty")).stdout


def test_analyze_json_and_table():
    data = json.loads(glacierc("analyze", "--format", "json", str(EXAMPLES / "aws_etl")).stdout)
    assert data["version"] == 1
    assert data["pipelines"][0]["levels"] == [["extract", "load_users"], ["clean"], ["enrich"], ["save"], ["audit"]]
    table = glacierc("analyze", str(EXAMPLES / "aws_etl")).stdout
    assert "Pipeline aws_etl" in table and "lambda_exec" in table


def test_rule_command():
    result = glacierc("rule", "GLC302")
    assert result.returncode == 0 and "## What it does" in result.stdout and "## Use instead" in result.stdout
    assert "GLC101" in glacierc("rule", "all").stdout
    assert glacierc("rule", "GLC999").returncode == 2


def test_build_check_detects_stale_output(tmp_path):
    out = tmp_path / "out"
    assert glacierc("build", str(EXAMPLES / "aws_etl"), "-o", str(out)).returncode == 0
    assert (out / "ir.json").exists()
    assert glacierc("build", "--check", str(EXAMPLES / "aws_etl"), "-o", str(out)).returncode == 0
    (out / "ir.json").write_text("{}")
    assert glacierc("build", "--check", str(EXAMPLES / "aws_etl"), "-o", str(out)).returncode == 1


def test_failed_build_leaves_output_untouched(tmp_path):
    out = tmp_path / "out"
    assert glacierc("build", str(EXAMPLES / "aws_etl"), "-o", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = glacierc("build", str(DIAG), "-o", str(out))
    assert result.returncode == 1 and "left untouched" in result.stderr
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_output_path_that_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = glacierc("build", str(EXAMPLES / "aws_etl"), "-o", str(target))
    assert result.returncode == 1 and "not a directory" in result.stderr and "Traceback" not in result.stderr


def test_graph_command_through_the_cli(tmp_path):
    dot = glacierc("graph", str(EXAMPLES / "aws_etl"))
    assert dot.returncode == 0 and dot.stdout.startswith('digraph "aws_etl"')
    assert glacierc("graph", str(EXAMPLES / "aws_etl"), "--format", "mermaid").stdout.count("flowchart LR") == 1
    selected = glacierc("graph", str(EXAMPLES / "aws_etl"), "--select", "+clean")
    assert '"task:extract"' in selected.stdout and '"task:audit"' not in selected.stdout
    assert glacierc("graph", str(EXAMPLES / "aws_etl"), "--select", "nope").returncode == 2
    assert glacierc("graph", str(DIAG)).returncode == 1


def test_build_writes_graphs(tmp_path):
    out = tmp_path / "out"
    assert glacierc("build", str(EXAMPLES / "gcp_analytics"), "-o", str(out)).returncode == 0
    assert (out / "graphs" / "gcp_analytics.dot").read_text().startswith('digraph "gcp_analytics"')


def test_migrate_diff_and_write(tmp_path):
    legacy = tmp_path / "old.py"
    legacy.write_text((FIXTURES / "core" / "legacy_api" / "pipeline.py").read_text())
    diff = glacierc("migrate", "--diff", str(legacy))
    assert diff.returncode == 0 and "+provider = Provider(config=AwsConfig(" in diff.stdout
    assert glacierc("migrate", "--write", str(legacy)).returncode == 0
    assert glacierc("check", str(legacy)).returncode == 0
    assert glacierc("migrate", "--diff", str(legacy)).stdout == ""  # idempotent


def test_check_fix_applies_the_migration(tmp_path):
    legacy = tmp_path / "old.py"
    legacy.write_text((FIXTURES / "core" / "legacy_api" / "pipeline.py").read_text())
    items = json.loads(glacierc("check", "--output-format", "json", str(legacy)).stdout)
    assert items[0]["code"] == "GLC101" and items[0]["fix"]["edits"]
    sarif = json.loads(glacierc("check", "--output-format", "sarif", str(legacy)).stdout)
    assert sarif["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"]
    fixed = glacierc("check", "--fix", str(legacy))
    assert fixed.returncode == 0 and "fixed 1 file" in fixed.stderr
    assert "GlacierEnv" not in legacy.read_text()
