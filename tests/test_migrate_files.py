"""`glacierc.migrate.files.run`, what `glacierc migrate PATH... [--diff|--write]` calls."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

from glacierc.migrate.files import python_files, run
from tests.helpers import FIXTURES

OLD = (FIXTURES / "migrate" / "example_quickstart" / "old.py").read_text(encoding="utf-8")
NEW = (FIXTURES / "migrate" / "example_quickstart" / "new.py").read_text(encoding="utf-8")


def call(*paths: Path | str, diff: bool = False, write: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run([str(p) for p in paths], diff=diff, write_files=write, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_diff_shows_the_change_and_touches_nothing(tmp_path: Path) -> None:
    target = tmp_path / "pipeline.py"
    target.write_text(OLD, encoding="utf-8")
    status, out, err = call(target, diff=True)
    assert status == 0
    assert f"--- a/{target}\n+++ b/{target}\n" in out and "+local_exec = provider.local()\n" in out
    assert err.endswith("would migrate 1 of 1 file\n")
    assert target.read_text(encoding="utf-8") == OLD


def test_write_rewrites_and_a_second_run_has_nothing_to_do(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    target = tmp_path / "pkg" / "pipeline.py"
    target.write_text(OLD, encoding="utf-8")
    (tmp_path / "pkg" / "other.py").write_text("x = 1\n", encoding="utf-8")
    status, out, err = call(tmp_path, write=True)
    assert (status, out) == (0, "")
    assert "migrated 1 of 2 files" in err
    assert target.read_text(encoding="utf-8") == NEW
    assert sorted(p.name for p in (tmp_path / "pkg").iterdir()) == ["other.py", "pipeline.py"]  # no temp files
    assert call(tmp_path, write=True)[2].endswith("migrated 0 of 2 files\n")


def test_line_ends_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "pipeline.py"
    target.write_bytes(codecs.BOM_UTF8 + OLD.replace("\n", "\r\n").encode("utf-8"))
    assert call(target, write=True)[0] == 0
    assert target.read_bytes() == codecs.BOM_UTF8 + NEW.replace("\n", "\r\n").encode("utf-8")


def test_what_is_left_is_reported_with_its_location(tmp_path: Path) -> None:
    target = tmp_path / "partial.py"
    target.write_text((FIXTURES / "migrate" / "partial" / "old.py").read_text(encoding="utf-8"), encoding="utf-8")
    status, _, err = call(target)
    assert status == 1
    assert f"{target}:13:1: not migrated: executor 'dbt' has no execution resource" in err


def test_bad_paths_and_files(tmp_path: Path) -> None:
    assert call(tmp_path / "missing.py")[0] == 2
    assert "no Python files" in call(tmp_path)[2]
    broken = tmp_path / "latin1.py"
    broken.write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    status, _, err = call(broken, write=True)
    assert status == 1 and "not UTF-8" in err
    assert broken.read_bytes() == "x = 'caf\xe9'\n".encode("latin-1")


def test_hidden_directories_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "site.py").write_text("x = 1\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    assert python_files([str(tmp_path)]) == ([tmp_path / "a.py"], [])
