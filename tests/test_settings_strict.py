"""Configuration mistakes fail closed: exit 2 with `error: ...`, in the fast `check` parser and the typer CLI
alike, never a silently different set of rules."""

from __future__ import annotations

import pytest

from tests.helpers import glacierc

PIPELINE = "x = 1\n"
BAD_TABLES = {
    "unknown code": ('[tool.glacierc]\nselect = ["GLC999"]\n', "`GLC999` is not a glacierc code"),
    "unknown prefix": ('[tool.glacierc]\nignore = ["XYZ"]\n', "`XYZ` is not a glacierc code"),
    "unknown key": ('[tool.glacierc]\nselekt = ["GLC2"]\n', "unknown key `selekt`"),
    "wrong type": ('[tool.glacierc]\nmax-file-bytes = "big"\n', "`max-file-bytes` must be a positive integer"),
    "wrong list": ('[tool.glacierc]\nselect = "GLC2"\n', "`select` must be a list"),
    "bool limit": ('[tool.glacierc]\nmax-file-bytes = true\n', "must be a positive integer"),
    "not a table": ('[tool]\nglacierc = 3\n', "`tool.glacierc` must be a table"),
    "malformed": ('[tool.glacierc\nselect = 1\n', "not valid TOML"),
}


@pytest.mark.parametrize("command", ["check", "analyze"])
@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_bad_pyproject_exits_two(tmp_path, case, command):
    table, message = BAD_TABLES[case]
    (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
    (tmp_path / "pipeline.py").write_text(PIPELINE, encoding="utf-8")
    result = glacierc(command, str(tmp_path / "pipeline.py"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("flags", [["--select", "GLC9"], ["--ignore", "GLC2,E501"], ["--select=glc2"],
                                   ["--select", "GLC2", "--help-me"]])
def test_unknown_codes_on_the_command_line_exit_two(tmp_path, flags):
    """The last case is parsed by typer (an option argparse does not know): it is a usage error there too."""
    (tmp_path / "pipeline.py").write_text(PIPELINE, encoding="utf-8")
    result = glacierc("check", str(tmp_path / "pipeline.py"), *flags, cwd=tmp_path)
    assert result.returncode == 2 and "error" in result.stderr.lower() and "Traceback" not in result.stderr


def test_known_codes_and_prefixes_are_accepted(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.glacierc]\nselect = ["GLC2", "GLC302"]\nignore = ["GLC204"]\n'
                                             "max-file-bytes = 100000\n", encoding="utf-8")
    (tmp_path / "pipeline.py").write_text(PIPELINE, encoding="utf-8")
    result = glacierc("check", str(tmp_path / "pipeline.py"), "--select", "GLC", "--ignore", "GLC00", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_pyproject_without_glacierc_is_not_ours(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ruff\n", encoding="utf-8")  # ruff's problem, not ours
    (tmp_path / "pipeline.py").write_text(PIPELINE, encoding="utf-8")
    assert glacierc("check", str(tmp_path / "pipeline.py"), cwd=tmp_path).returncode == 0


def test_unknown_noqa_code_exits_two_naming_file_and_line(tmp_path):
    (tmp_path / "pipeline.py").write_text("import os  # noqa: F401\nx = 1  # noqa: GLC204, GLC999\n",
                                          encoding="utf-8")
    result = glacierc("check", "pipeline.py", cwd=tmp_path)
    assert result.returncode == 2 and "pipeline.py:2: `# noqa: GLC999`" in result.stderr
    (tmp_path / "pipeline.py").write_text("import os  # noqa: F401\nx = 1  # noqa: GLC204\n", encoding="utf-8")
    assert glacierc("check", "pipeline.py", cwd=tmp_path).returncode == 0  # other tools' codes are theirs
