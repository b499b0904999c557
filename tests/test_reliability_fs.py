"""File-system edge cases are diagnostics (exit 1), never a traceback, a hang or an endless read."""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import glacierc

PIPELINE = """from glacier import Provider, pipeline
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig(base_path="./data"))
local_exec = provider.local()
raw = provider.bucket(bucket="raw", path="sales.csv")


@local_exec.task()
def load(source):
    return source.scan()


@pipeline(name="etl")
def etl():
    return load(raw)
"""
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Checked:
    returncode: int
    stdout: str


def check(*paths: Path | str) -> Checked:
    """`glacierc check --output-format concise PATH...` in-process (the command function the CLI calls):
    an exception here is what would be exit 2 with a traceback."""
    from glacierc import commands

    with contextlib.redirect_stdout(io.StringIO()) as stdout:
        code = commands.check([str(p) for p in paths], "concise", None, None, None)
    return Checked(code, stdout.getvalue())


def test_the_cli_reports_a_missing_path_with_exit_1(tmp_path):
    result = glacierc("check", str(tmp_path / "nope.py"))
    assert result.returncode == 1 and "GLC005" in result.stdout and "Traceback" not in result.stderr


def test_missing_path(tmp_path):
    result = check(tmp_path / "nope.py")
    assert result.returncode == 1 and "GLC005" in result.stdout and "does not exist" in result.stdout


def test_directory_without_python_files(tmp_path):
    (tmp_path / "notes.txt").write_text("not python")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "skipped.py").write_text("x = 1\n")
    result = check(tmp_path)
    assert result.returncode == 1 and "contains no Python files" in result.stdout


def test_a_fifo_is_not_read(tmp_path):
    """Opening a FIFO blocks until a writer comes: the compiler must not even try (given or found)."""
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    assert "not a regular file" in check(tmp_path / "pipe.py").stdout
    result = check(tmp_path)
    assert result.returncode == 1 and "pipe.py:1:1: GLC003 cannot read the file: not a regular file" in result.stdout


def test_a_device_is_not_read(tmp_path):
    """`/dev/zero` behind a .py name would be read forever."""
    (tmp_path / "zero.py").symlink_to("/dev/zero")  # a link out of the project: not even opened (GLC007)
    result = check(tmp_path)
    assert result.returncode == 0 and "zero.py:1:1: GLC007" in result.stdout and "it is not read" in result.stdout
    os.mkfifo(tmp_path / "fifo.py")  # inside the project: opened, refused as not a regular file
    result = check(tmp_path)
    assert result.returncode == 1 and "fifo.py:1:1: GLC003 cannot read the file: not a regular file" in result.stdout


def test_a_dangling_symlink_is_an_unreadable_file(tmp_path):
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    result = check(tmp_path)
    assert result.returncode == 1 and "gone.py:1:1: GLC003 cannot read the file" in result.stdout


@pytest.mark.skipif(IS_ROOT, reason="root reads files whatever their mode; the unreadable-file path (GLC003) "
                    "is covered by the FIFO, device, dangling-symlink and symlink-loop cases")
def test_an_unreadable_file(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_text(PIPELINE)
    source.chmod(0)
    try:
        result = check(source)
    finally:
        source.chmod(0o644)
    assert result.returncode == 1 and "GLC003" in result.stdout and "Permission denied" in result.stdout


def test_a_directory_named_like_a_python_file_is_walked(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "pipeline.py").write_text(PIPELINE)
    assert check(tmp_path).returncode == 0
    assert check(tmp_path / "x.py").returncode == 0


def test_a_directory_symlink_loop_is_not_followed(tmp_path):
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    result = check(tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "All checks passed.", result.stdout


def test_a_directory_symlink_pointing_outside_is_not_walked(tmp_path):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "pipeline.py").write_text(PIPELINE)
    (elsewhere / "broken.py").write_text("def (:\n")
    (project / "data").symlink_to(elsewhere)
    (project / "root").symlink_to("/")
    result = check(project)
    assert result.returncode == 0 and "broken.py" not in result.stdout, result.stdout


def test_a_directory_symlink_within_the_project_adds_nothing(tmp_path):
    from glacierc.diagnostics.model import Reporter
    from glacierc.frontend.loader import discover

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pipeline.py").write_text(PIPELINE)
    (tmp_path / "alias").symlink_to("pkg")
    assert [file for file, _ in discover([str(tmp_path)], Reporter())] == [tmp_path / "pkg" / "pipeline.py"]


def test_a_file_symlink_loop_found_in_a_directory(tmp_path):
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    (tmp_path / "self.py").symlink_to("self.py")
    result = check(tmp_path)
    assert result.returncode == 1 and "self.py:1:1: GLC003" in result.stdout


def test_a_file_symlink_loop_given_by_name(tmp_path):
    (tmp_path / "self.py").symlink_to("self.py")
    result = check(tmp_path / "self.py")
    assert result.returncode == 1 and "GLC005" in result.stdout


@pytest.mark.parametrize("data, message", [
    (b"x = '\xff\xfe'\n", "GLC003 cannot read the file: invalid or missing encoding declaration"),
    (b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n", "GLC003 cannot read the file: encoding problem"),
    (b"# -*- coding: klingon -*-\nx = 1\n", "GLC003 cannot read the file: unknown encoding: klingon"),
    (b"x = 1\n\0\n", "GLC003 cannot read the file: file contains NUL bytes"),
    ("x = 1\n".encode("utf-16"), "GLC003 cannot read the file: file contains NUL bytes"),
])
def test_bytes_that_are_not_python_source(tmp_path, data, message):
    source = tmp_path / "pipeline.py"
    source.write_bytes(data)
    result = check(source)
    assert result.returncode == 1 and message in result.stdout


def test_a_declared_latin1_file_is_fine(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_bytes(b"# -*- coding: latin-1 -*-\n" + PIPELINE.replace("raw", "r\xe9").encode("latin-1"))
    assert check(source).returncode == 0


def test_output_that_is_a_file(tmp_path):
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    out = tmp_path / "out"
    out.write_text("precious")
    result = glacierc("build", str(tmp_path / "pipeline.py"), "-o", str(out))
    assert result.returncode == 1 and "exists and is not a directory" in result.stderr
    assert out.read_text() == "precious"
    blocked = glacierc("build", str(tmp_path / "pipeline.py"), "-o", str(out / "inside"))
    assert blocked.returncode == 1 and "cannot create" in blocked.stderr
    assert "Traceback" not in result.stderr + blocked.stderr


def test_output_that_is_not_writable(tmp_path):
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    if IS_ROOT:  # root writes through file modes; sysfs refuses everyone
        out = Path("/sys/glacier-out")
        if not Path("/sys").is_dir():
            pytest.skip("no /sys to stand for a directory root cannot write")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        out = locked / "out"
    result = glacierc("build", str(tmp_path / "pipeline.py"), "-o", str(out))
    assert result.returncode == 1 and "cannot" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_fsync_all_flushes_every_file_and_raises_the_first_error_after_all(tmp_path, monkeypatch):
    """The build's staged files are flushed several at a time (glacierc.fileio.fsync_all): every file is
    flushed, and a file that cannot be opened fails the whole call only once the others are done."""
    from glacierc import fileio

    paths = [tmp_path / f"f{i}" for i in range(20)]
    for path in paths:
        path.write_bytes(b"x")
    flushed: list[int] = []
    real = os.fsync
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (flushed.append(fd), real(fd))[1])
    fileio.fsync_all(paths)
    assert len(flushed) == len(paths)
    flushed.clear()
    with pytest.raises(FileNotFoundError):
        fileio.fsync_all([*paths, tmp_path / "missing"])
    assert len(flushed) == len(paths)
