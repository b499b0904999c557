"""The rest of `glacierc check`'s flags and settings, through the real entry point (the console script in a
subprocess): fixes shown, diffed, applied to standard input; the cache switched off; walks' exclusions."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import FIXTURES, ROOT, glacierc

LEGACY = (FIXTURES / "core" / "legacy_api" / "pipeline.py").read_text()
UNUSED = "from glacier import Provider\nfrom glacier.config import AwsConfig\n" \
         "provider = Provider(config=AwsConfig(region='us-east-1'))\n{name} = provider.bucket(bucket='acme-data', " \
         "path='x.csv')\n"


def _unused(name: str) -> str:
    return UNUSED.format(name=name)  # GLC206 (unused storage): one per file, distinct names


def _files_with(result, code: str = "GLC206") -> set[str]:
    return {item["file"].rsplit("/", 1)[-1] for item in json.loads(result.stdout) if item["code"] == code}


def _stdin(*args: str, text: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glacierc", "check", *args], input=text, capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})


def test_show_fixes_counts_available_fixes_and_lists_applied_ones(tmp_path):
    legacy = tmp_path / "old.py"
    legacy.write_text(LEGACY)
    available = glacierc("check", "--show-fixes", str(legacy))
    assert available.returncode == 1 and "1 fix available with `glacierc check --fix`." in available.stdout
    assert legacy.read_text() == LEGACY
    applied = glacierc("check", "--fix", "--show-fixes", str(legacy))
    assert applied.returncode == 0 and "fixed 1 file" in applied.stderr
    assert f"fixed: {legacy}:" in applied.stderr and "GLC101" in applied.stderr
    assert "GlacierEnv" not in legacy.read_text()


def test_fix_diff_prints_the_diff_and_writes_nothing(tmp_path):
    legacy = tmp_path / "old.py"
    legacy.write_text(LEGACY)
    before = legacy.stat().st_mtime_ns
    result = glacierc("check", "--fix", "--diff", str(legacy))
    assert result.returncode == 1
    assert f"--- a/{legacy}" in result.stdout and "+provider = Provider(config=AwsConfig(" in result.stdout
    assert legacy.read_text() == LEGACY and legacy.stat().st_mtime_ns == before
    assert glacierc("check", "--diff", str(legacy)).returncode == 2  # --diff alone is a usage error


def test_stdin_fix_prints_the_fixed_buffer_and_writes_no_file(tmp_path):
    legacy = tmp_path / "old.py"
    legacy.write_text(LEGACY)
    result = _stdin("--fix", "-", "--stdin-filename", str(legacy), text=LEGACY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("from glacier import Provider") and "GlacierEnv" not in result.stdout
    assert "All checks passed." in result.stderr  # the remaining diagnostics go to stderr
    assert legacy.read_text() == LEGACY and sorted(p.name for p in tmp_path.iterdir()) == ["old.py"]
    clean = _stdin("--fix", "-", "--stdin-filename", "x.py", text=result.stdout)
    assert clean.returncode == 0 and clean.stdout == result.stdout  # nothing to fix: the buffer as it was
    diff = _stdin("--fix", "--diff", "-", "--stdin-filename", str(legacy), text=LEGACY)
    assert diff.returncode == 1 and "+provider = Provider(config=AwsConfig(" in diff.stdout


def test_no_cache_neither_reads_nor_writes_the_cache(tmp_path):
    (tmp_path / "p.py").write_text(_unused("raw"))
    assert glacierc("check", "--no-cache", str(tmp_path), cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".glacierc_cache").exists()
    assert glacierc("check", str(tmp_path), cwd=tmp_path, env={"GLACIERC_NO_CACHE": "1"}).returncode == 0
    assert not (tmp_path / ".glacierc_cache").exists()
    first = glacierc("check", "--output-format", "json", str(tmp_path), cwd=tmp_path)
    assert (tmp_path / ".glacierc_cache").is_dir()
    for entry in (tmp_path / ".glacierc_cache").glob("*.json"):
        entry.write_text(json.dumps({"diagnostics": [], "texts": {}, "files": {}}))  # a stale "clean" entry
    assert glacierc("check", "--output-format", "json", str(tmp_path), cwd=tmp_path).stdout.strip() == "[]"
    fresh = glacierc("check", "--no-cache", "--output-format", "json", str(tmp_path), cwd=tmp_path)
    assert fresh.stdout == first.stdout and "GLC206" in fresh.stdout  # --no-cache compiles: the real report


def _layout(tmp_path):
    for folder, name in ((".hidden", "h"), ("gen", "g"), ("vendor", "v"), ("", "top")):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / f"{name}.py").write_text(_unused(name))


def test_exclude_and_extend_exclude_settings(tmp_path):
    _layout(tmp_path)
    check = ("check", "--no-cache", "--output-format", "json", str(tmp_path))
    assert _files_with(glacierc(*check)) == {"g.py", "v.py", "top.py"}  # default: hidden directories skipped
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nextend-exclude = ['gen']\n")
    assert _files_with(glacierc(*check)) == {"v.py", "top.py"}
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nexclude = ['vendor']\n")  # replaces the default
    assert _files_with(glacierc(*check)) == {"h.py", "g.py", "top.py"}
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nexclude = ['vendor']\nextend-exclude = ['gen/']\n")
    assert _files_with(glacierc(*check)) == {"h.py", "top.py"}


def test_exclude_and_extend_exclude_flags(tmp_path):
    _layout(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nextend-exclude = ['gen']\n")
    check = ("check", "--no-cache", "--output-format", "json", str(tmp_path))
    assert _files_with(glacierc(*check, "--extend-exclude", "vendor")) == {"top.py"}
    assert _files_with(glacierc(*check, "--exclude", "vendor,.hidden")) == {"g.py", "top.py"}  # replaces all
    assert _files_with(glacierc(*check, "--exclude", "vendor", "--exclude", "gen")) == {"h.py", "top.py"}
    named = glacierc("check", "--no-cache", "--output-format", "json", "--exclude", "*.py", str(tmp_path / "top.py"))
    assert _files_with(named) == {"top.py"}  # a file named on the command line is checked, excluded or not


def test_select_and_extend_select_settings(tmp_path):
    (tmp_path / "p.py").write_text(_unused("raw"))
    check = ("check", "--no-cache", "--output-format", "json", str(tmp_path))
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nselect = ['GLC3']\n")
    assert _files_with(glacierc(*check)) == set()
    (tmp_path / "pyproject.toml").write_text("[tool.glacierc]\nselect = ['GLC3']\nextend-select = ['GLC206']\n")
    assert _files_with(glacierc(*check)) == {"p.py"}
    assert _files_with(glacierc(*check, "--ignore", "GLC2")) == set()


def test_short_output_file_and_help(tmp_path):
    report = tmp_path / "report.txt"
    result = glacierc("check", "-o", str(report), "--output-format", "concise",
                      str(FIXTURES / "core" / "diagnostics_all"))
    assert result.returncode == 1 and result.stdout == "" and "GLC302" in report.read_text()
    helped = glacierc("check", "-h")
    assert helped.returncode == 0
    for flag in ("--exclude", "--extend-exclude", "--stdin-filename", "--show-fixes", "--no-cache"):
        assert flag in helped.stdout
