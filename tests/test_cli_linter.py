"""The linter flags and settings of `glacierc check`, through the real entry point."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema

from tests.helpers import FIXTURES, ROOT, glacierc

DIAG = FIXTURES / "core" / "diagnostics_all"
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
UNUSED = "from glacier import Provider\nfrom glacier.config import AwsConfig\n" \
         "provider = Provider(config=AwsConfig(region='us-east-1'))\nraw = provider.bucket(bucket='acme-data', path='x.csv')\n"


def _codes(result) -> set[str]:
    return {item["code"] for item in json.loads(result.stdout)}


def test_sarif_validates_against_the_official_schema_with_root_relative_uris():
    sarif = json.loads(glacierc("check", "--no-cache", "--output-format", "sarif", str(DIAG)).stdout)
    jsonschema.validate(sarif, SCHEMA)
    run = sarif["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "tests/fixtures/core/diagnostics_all/pipeline.py", "uriBaseId": "%SRCROOT%"}
    assert all(r["partialFingerprints"]["glacierc/v1"] for r in run["results"])
    assert all(rule["helpUri"].endswith("#" + rule["id"].lower()) for rule in run["tool"]["driver"]["rules"])
    here = glacierc("check", "--no-cache", "--output-format", "sarif", "pipeline.py", cwd=DIAG)
    assert json.loads(here.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"] == location["uri"]


def test_github_paths_are_relative_to_the_repository_root_wherever_it_runs():
    lines = glacierc("check", "--output-format", "github", "pipeline.py", cwd=DIAG).stdout.splitlines()
    assert lines and all("file=tests/fixtures/core/diagnostics_all/pipeline.py," in line for line in lines)


def test_gitlab_and_junit_formats():
    issues = json.loads(glacierc("check", "--output-format", "gitlab", str(DIAG)).stdout)
    assert issues and {i["severity"] for i in issues} <= {"major", "minor", "info"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert issues[0]["location"]["path"] == "tests/fixtures/core/diagnostics_all/pipeline.py"
    suites = ET.fromstring(glacierc("check", "--output-format", "junit", str(DIAG)).stdout)
    assert int(suites.get("failures")) == len(issues) and suites.find("testsuite/testcase/failure") is not None


def test_json_has_url_and_ruff_shape():
    item = json.loads(glacierc("check", "--output-format", "json", str(DIAG)).stdout)[0]
    assert item["url"].endswith("#" + item["code"].lower())
    ruff = json.loads(glacierc("check", "--output-format", "json-ruff", str(DIAG)).stdout)[0]
    assert set(ruff["location"]) == {"row", "column"} and "filename" in ruff and ruff["url"]


def test_select_extend_select_ignore_and_config_precedence(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nignore = ['GLC206']\n")
    (tmp_path / "p.py").write_text(UNUSED)
    assert "GLC206" not in _codes(glacierc("check", "--output-format", "json", str(tmp_path)))
    assert "GLC206" in _codes(glacierc("check", "--output-format", "json", "--select", "GLC206", str(tmp_path)))
    assert "GLC206" in _codes(glacierc("check", "--output-format", "json", "--extend-select", "GLC2", str(tmp_path)))


def test_nearest_pyproject_with_the_table_wins_and_config_flag(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nignore = ['GLC206']\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: the search goes on
    (inner / "p.py").write_text(UNUSED)
    assert "GLC206" not in _codes(glacierc("check", "--output-format", "json", str(inner)))
    other = tmp_path / "other.toml"
    other.write_text("ignore = []\n")
    assert "GLC206" in _codes(glacierc("check", "--output-format", "json", "--config", str(other), str(inner)))


def _unused(name: str) -> str:
    return UNUSED.replace("raw", name)  # distinct names: GLC206 looks for the name in the project's other files


def test_file_level_noqa_per_file_ignores_exclude_and_gitignore(tmp_path):
    (tmp_path / "a.py").write_text("# glacierc: noqa: GLC206\n" + _unused("ra"))
    (tmp_path / "b.py").write_text(_unused("rb"))
    (tmp_path / "c.py").write_text(_unused("rc"))
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "d.py").write_text(_unused("rd"))
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "e.py").write_text(_unused("re_"))
    (tmp_path / ".gitignore").write_text("skip/\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nper-file-ignores = {'b.py' = ['GLC206']}\n"
                                             "extend-exclude = ['gen']\n")
    files = {i["file"].rsplit("/", 1)[-1] for i in json.loads(glacierc(
        "check", "--output-format", "json", str(tmp_path)).stdout) if i["code"] == "GLC206"}
    assert files == {"c.py"}
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nrespect-gitignore = false\n")
    files = {i["file"].rsplit("/", 1)[-1] for i in json.loads(glacierc(
        "check", "--output-format", "json", str(tmp_path)).stdout) if i["code"] == "GLC206"}
    assert {"e.py", "d.py", "b.py"} <= files and "a.py" not in files


def test_statistics_quiet_output_file_fail_on_warnings(tmp_path):
    stats = glacierc("check", "--statistics", str(DIAG)).stdout
    assert "\tGLC302\t" in stats and "Found" not in stats
    quiet = glacierc("check", "-q", "--output-format", "concise", str(DIAG)).stdout
    assert quiet and "Found" not in quiet
    report = tmp_path / "out" / "r.json"
    result = glacierc("check", "--output-format", "json", "--output-file", str(report), str(DIAG))
    assert result.stdout == "" and json.loads(report.read_text())
    (tmp_path / "p.py").write_text(UNUSED)
    assert glacierc("check", str(tmp_path / "p.py")).returncode == 0
    assert glacierc("check", "--fail-on-warnings", str(tmp_path / "p.py")).returncode == 1


def test_stdin_with_stdin_filename(tmp_path):
    import subprocess
    import sys

    source = (DIAG / "pipeline.py").read_text()
    result = subprocess.run([sys.executable, "-m", "glacierc", "check", "--output-format", "concise", "-",
                             "--stdin-filename", str(DIAG / "pipeline.py")], input=source, capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1 and "pipeline.py:11:53: GLC302" in result.stdout


def test_color_follows_force_color_and_no_color():
    forced = glacierc("check", str(DIAG), env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in forced
    assert "\x1b[" not in glacierc("check", str(DIAG), env={"NO_COLOR": "1"}).stdout


def test_rule_all_as_json():
    items = json.loads(glacierc("rule", "--all", "--output-format", "json").stdout)
    assert {"code", "name", "severity", "url"} <= set(items[0])


def test_cache_returns_the_same_report(tmp_path):
    (tmp_path / "p.py").write_text(UNUSED)
    first = glacierc("check", "--output-format", "json", str(tmp_path), cwd=tmp_path)
    assert (tmp_path / ".glacierc_cache" / ".gitignore").is_file()
    second = glacierc("check", "--output-format", "json", str(tmp_path), cwd=tmp_path)
    assert first.stdout == second.stdout
    (tmp_path / "p.py").write_text(UNUSED + "# changed\n")
    assert glacierc("check", "--output-format", "json", str(tmp_path), cwd=tmp_path).stdout == first.stdout
