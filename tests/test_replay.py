"""The replay index (glacierc/replay.py): a repeated check of an unchanged project prints the previous report
without loading the compiler, and any change the result depends on (a file's content, a file added, a
configuration or ignore file, above the project too, the colour decision) makes it check again. Every
assertion compares with a `--no-cache` check of the same state: a replay is never a different answer."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from tests.helpers import glacierc

UNUSED = ("from glacier import Provider\nfrom glacier.config import AwsConfig\n"
          "provider = Provider(config=AwsConfig(region='us-east-1'))\n"
          "raw = provider.bucket(bucket='acme-data', path='x.csv')\n")
JSON = ("check", "--output-format", "json", ".")


def _settle(top: Path) -> None:
    """Date every directory under `top` a minute back, as if the project had not changed for a while (a
    directory changed in the last second is not trusted)."""
    past = time.time() - 60
    for directory, _, _ in os.walk(top):
        os.utime(directory, (past, past))


def _project(tmp_path: Path, config: str = "[tool.glacierc]\n") -> Path:
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / ".git").mkdir()  # the git root: the search for settings and ignore files ends here
    (project / "pyproject.toml").write_text(config)
    (project / "p.py").write_text(UNUSED)
    return project


def _recorded(project: Path, *args: str) -> str:
    """Check until a replay record exists (the first check creates the cache directory, which changes the
    project directory: that check is racy and records nothing); the report."""
    first = glacierc(*args, cwd=project)
    _settle(project)
    second = glacierc(*args, cwd=project)
    assert second.stdout == first.stdout
    assert list((project / ".glacierc_cache").glob("replay-*"))
    return second.stdout


def _fresh(project: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return glacierc(args[0], "--no-cache", *args[1:], cwd=project, env=env).stdout


def _codes(report: str) -> set[str]:
    return {item["code"] for item in json.loads(report)}


def test_a_repeated_check_is_replayed_without_loading_the_compiler(tmp_path):
    project = _project(tmp_path)
    report = _recorded(project, *JSON)
    probe = ("import sys\nfrom glacierc.entry import main\nsys.argv = ['glacierc', *sys.argv[1:]]\n"
             "try:\n    main()\nfinally:\n"
             "    print(sorted(m for m in sys.modules if m.startswith(('glacierc', 'libcst'))), file=sys.stderr)\n")
    import subprocess

    replayed = subprocess.run([sys.executable, "-c", probe, *JSON], cwd=project, capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": "1"})
    assert replayed.returncode == 0 and replayed.stdout == report
    assert "GLC206" in _codes(report) and report == _fresh(project, *JSON)
    loaded = eval(replayed.stderr.strip().splitlines()[-1])  # the list printed by the probe
    assert loaded == ["glacierc", "glacierc.entry", "glacierc.errors", "glacierc.replay"]


def test_the_exit_status_is_replayed(tmp_path):
    project = _project(tmp_path)
    (project / "p.py").write_text(UNUSED + "x = provider.bucket(bucket='UPPER', path='y.csv')\n")
    _recorded(project, "check", ".")
    assert glacierc("check", ".", cwd=project).returncode == 1


def test_a_file_edited_in_place_is_checked_again(tmp_path):
    project = _project(tmp_path)
    _recorded(project, *JSON)
    text = UNUSED.replace("raw =", "_r =")  # same length, same directory times: only the content tells
    with open(project / "p.py", "r+", encoding="utf-8") as handle:
        handle.write(text)
    _settle(project)
    assert glacierc(*JSON, cwd=project).stdout == _fresh(project, *JSON)


def test_a_file_added_in_a_subdirectory_is_checked_again(tmp_path):
    project = _project(tmp_path)
    before = _recorded(project, *JSON)
    (project / "pkg" / "more.py").write_text("def broken(:\n")
    after = glacierc(*JSON, cwd=project).stdout
    assert after == _fresh(project, *JSON) and after != before


def test_a_changed_configuration_is_checked_again(tmp_path):
    project = _project(tmp_path)
    assert "GLC206" in _codes(_recorded(project, *JSON))
    (project / "pyproject.toml").write_text('[tool.glacierc]\nignore = ["GLC206"]\n')
    after = glacierc(*JSON, cwd=project).stdout
    assert "GLC206" not in _codes(after) and after == _fresh(project, *JSON)


def test_a_configuration_appearing_above_the_project_is_checked_again(tmp_path):
    project = tmp_path / "outer" / "proj"
    project.mkdir(parents=True)
    (project / "p.py").write_text(UNUSED)
    (tmp_path / "outer" / ".git").mkdir()
    assert "GLC206" in _codes(_recorded(project, *JSON))
    (tmp_path / "outer" / "pyproject.toml").write_text('[tool.glacierc]\nignore = ["GLC206"]\n')
    after = glacierc(*JSON, cwd=project).stdout
    assert "GLC206" not in _codes(after) and after == _fresh(project, *JSON)


def test_an_ignore_file_above_the_project_is_checked_again(tmp_path):
    outer = tmp_path / "outer"
    project = outer / "proj"
    project.mkdir(parents=True)
    (outer / ".git").mkdir()
    (project / "p.py").write_text(UNUSED)
    (project / "bad.py").write_text("def broken(:\n")
    before = _recorded(project, *JSON)
    (outer / ".gitignore").write_text("bad.py\n")
    after = glacierc(*JSON, cwd=project).stdout
    assert after == _fresh(project, *JSON) and after != before


def test_the_colour_decision_is_part_of_the_key(tmp_path):
    project = _project(tmp_path)
    _recorded(project, "check", ".")
    coloured = glacierc("check", ".", cwd=project, env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured
    assert coloured == _fresh(project, "check", ".", env={"NO_COLOR": "", "FORCE_COLOR": "1"})


def test_a_project_changed_in_the_last_second_records_nothing(tmp_path):
    project = _project(tmp_path)
    glacierc(*JSON, cwd=project)
    glacierc(*JSON, cwd=project)  # the cache directory was created under a second ago
    assert not list((project / ".glacierc_cache").glob("replay-*"))


def test_no_cache_in_the_environment_neither_replays_nor_records(tmp_path):
    project = _project(tmp_path)
    for _ in range(2):
        _settle(project)
        assert glacierc(*JSON, cwd=project, env={"GLACIERC_NO_CACHE": "1"}).stdout == _fresh(project, *JSON)
    assert not (project / ".glacierc_cache").exists()
