"""Same input, same bytes: builds under different PYTHONHASHSEEDs, working directories, project locations,
file orders and source modification times are identical, and no artifact holds a path, a user, a host
or a date of the machine that built it."""

from __future__ import annotations

import datetime
import io
import os
import shutil
import socket
import zipfile
from pathlib import Path

import pytest

from tests.helpers import EXAMPLES, FIXTURES, ROOT, fixture_env, glacierc

PROJECTS = {
    "aws_etl": EXAMPLES / "aws_etl",
    "gcp_analytics": EXAMPLES / "gcp_analytics",
    "quickstart": EXAMPLES / "quickstart",
    "multi_module": FIXTURES / "core" / "multi_module",
    "env_provider": FIXTURES / "core" / "env_provider",
}


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _env_args(directory: Path) -> list[str]:
    return [arg for name, value in sorted(fixture_env(directory).items()) for arg in ("-e", f"{name}={value}")]


def _sources(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.py") if "data" not in p.relative_to(directory).parts)


def build_here(directory: Path, out: Path, hash_seed: str) -> dict[str, bytes]:
    """From the repository root, with relative paths, the directory as one argument (or the pipeline file)."""
    target = directory / "pipeline.py" if (directory / "pipeline.py").exists() else directory
    result = glacierc("build", os.path.relpath(target, ROOT), "-o", str(out), *_env_args(directory),
                      env={"PYTHONHASHSEED": hash_seed})
    assert result.returncode == 0, result.stderr
    return tree(out)


def build_elsewhere(directory: Path, tmp_path: Path, hash_seed: str) -> dict[str, bytes]:
    """A copy of the project at another absolute path, built from another working directory, with absolute
    paths, every file named in reverse order, and the sources' modification times moved."""
    copy = tmp_path / "elsewhere" / "deeper" / directory.name
    shutil.copytree(directory, copy)
    for number, source in enumerate(_sources(copy)):
        os.utime(source, (1_000_000_000 + number * 86_400,) * 2)
    files = [str(p) for p in reversed(_sources(copy))] if (copy / "pipeline.py").exists() is False else \
        [str(copy / "pipeline.py")]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = tmp_path / "out-elsewhere"
    result = glacierc("build", *files, "-o", str(out), *_env_args(directory), cwd=cwd,
                      env={"PYTHONHASHSEED": hash_seed, "HOME": str(tmp_path / "home"), "TZ": "Asia/Kathmandu"})
    assert result.returncode == 0, result.stderr
    return tree(out)


@pytest.mark.parametrize("name", PROJECTS)
def test_builds_are_byte_identical(tmp_path, name):
    here = build_here(PROJECTS[name], tmp_path / "out-here", "0")
    elsewhere = build_elsewhere(PROJECTS[name], tmp_path, "4242")
    assert sorted(here) == sorted(elsewhere)
    assert [n for n in here if here[n] != elsewhere[n]] == []
    assert "ir.json" in here and any(n.startswith("runners/") for n in here)
    assert_nothing_of_the_machine(here, [tmp_path, PROJECTS[name]])


def _contents(files: dict[str, bytes]) -> dict[str, bytes]:
    """Every artifact, with the members of zip archives (Lambda packages) opened up."""
    found = {}
    for name, data in files.items():
        found[name] = data
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    assert info.date_time == (1980, 1, 1, 0, 0, 0), f"{name}:{info.filename} {info.date_time}"
                    found[f"{name}:{info.filename}"] = archive.read(info)
    return found


def assert_nothing_of_the_machine(files: dict[str, bytes], paths: list[Path]) -> None:
    today = datetime.date.today()
    needles = {str(p) for p in (*paths, ROOT, Path.cwd(), Path.home(), Path(os.__file__).parent)}
    needles |= {today.isoformat(), today.strftime("%Y%m%d"), today.strftime("%d %b %Y")}
    host = socket.gethostname()
    if len(host) >= 6:
        needles.add(host)
    for name, data in _contents(files).items():
        text = data.decode("utf-8", errors="replace")
        leaks = sorted(n for n in needles if n and n in text)
        assert not leaks, f"{name} holds {leaks}"


def test_file_order_and_directory_form_do_not_matter(tmp_path):
    project = PROJECTS["multi_module"]
    sources = [str(p) for p in _sources(project)]
    outs = []
    for number, arguments in enumerate(([str(project)], sources, list(reversed(sources)))):
        out = tmp_path / f"out{number}"
        result = glacierc("build", *arguments, "-o", str(out))
        assert result.returncode == 0, result.stderr
        outs.append(tree(out))
    assert outs[0] == outs[1] == outs[2]
