"""The kept compiled methods of dataclasses (glacierc/class_code.py): the classes are the same as without it,
a second run compiles nothing, and a cache file anyone else could have written is never run."""

from __future__ import annotations

import dataclasses
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glacierc.class_code import CompiledTexts, cache_file, install, load, save

ROOT = Path(__file__).resolve().parent.parent


def _define():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Point:
        x: int
        label: str = "p"
        tags: tuple[str, ...] = ()

    return Point


def _with(texts: CompiledTexts, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(dataclasses, "exec", texts, raising=False)
    try:
        return _define()
    finally:
        monkeypatch.delattr(dataclasses, "exec")


def test_a_class_from_kept_code_behaves_as_one_compiled_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cache.marshal"
    first = CompiledTexts(path, {})
    cold = _with(first, monkeypatch)
    assert first.compiled >= 5  # __init__, __repr__, __eq__, __hash__, __setattr__, __delattr__
    first.keep()
    second = CompiledTexts(path, load(path))
    warm = _with(second, monkeypatch)
    assert second.compiled == 0
    damaged = CompiledTexts(path, {text: b"\x00" for text in load(path)})
    assert repr(_with(damaged, monkeypatch)(1)) == repr(cold(1))
    assert damaged.compiled == first.compiled  # a damaged entry is compiled again
    plain = _define()
    for made in (cold, warm):
        point = made(1, tags=("a",))
        assert repr(point) == repr(plain(1, tags=("a",)))
        assert point == made(1, "p", ("a",)) and point != made(2)
        assert hash(point) == hash(made(1, tags=("a",)))
        with pytest.raises(dataclasses.FrozenInstanceError):
            point.x = 3  # type: ignore[misc]
        assert made.__init__.__annotations__ == plain.__init__.__annotations__
        assert [f.name for f in dataclasses.fields(made)] == ["x", "label", "tags"]


def test_the_file_is_the_users_alone(tmp_path: Path) -> None:
    path = tmp_path / "glacierc" / "cache.marshal"
    save(path, {"x = 1": marshal.dumps(compile("x = 1", "<string>", "exec"))})
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    assert list(load(path)) == ["x = 1"]


def test_a_file_others_may_write_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "cache.marshal"
    save(path, {"x = 1": marshal.dumps(compile("x = 1", "<string>", "exec"))})
    os.chmod(path, 0o620)
    assert load(path) == {}
    os.chmod(path, 0o602)
    assert load(path) == {}


def test_a_link_or_a_damaged_file_is_not_read(tmp_path: Path) -> None:
    real = tmp_path / "real.marshal"
    save(real, {"x = 1": marshal.dumps(compile("x = 1", "<string>", "exec"))})
    link = tmp_path / "link.marshal"
    link.symlink_to(real)
    assert load(link) == {}
    for content in (b"\x00garbage", marshal.dumps(["x = 1"]), marshal.dumps({"x = 1": "not code"}), b""):
        real.write_bytes(content)
        os.chmod(real, 0o600)
        assert load(real) == {}


def test_a_fifo_in_its_place_neither_blocks_nor_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cache.marshal"
    os.mkfifo(path, 0o600)
    assert load(path) == {}


def test_no_cache_directory_or_turned_off_means_no_cache() -> None:
    assert cache_file({}) is None
    assert cache_file({"XDG_CACHE_HOME": "relative/dir"}) is None
    assert cache_file({"HOME": "/home/u"}) == Path("/home/u/.cache/glacierc") / cache_file({"HOME": "/home/u"}).name
    assert install({"GLACIERC_NO_CLASS_CACHE": "1", "HOME": "/home/u"}) is None
    assert install({}) is None


def _check(cache: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), **extra}
    return subprocess.run([sys.executable, "-m", "glacierc", "check", "--no-cache", "examples/aws_etl/pipeline.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_the_command_line_keeps_the_code_and_a_second_run_reuses_it(tmp_path: Path) -> None:
    first = _check(tmp_path)
    path = tmp_path / "glacierc" / f"dataclass-code.{sys.implementation.cache_tag}.marshal"
    assert path.is_file() and len(load(path)) > 1000  # LibCST's nodes, the IR, the catalogue, ...
    written = path.stat().st_mtime_ns
    second = _check(tmp_path)
    assert path.stat().st_mtime_ns == written  # nothing new compiled: not rewritten
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    off = _check(tmp_path / "off", GLACIERC_NO_CLASS_CACHE="1")
    assert not (tmp_path / "off").exists()
    assert (off.returncode, off.stdout) == (first.returncode, first.stdout)
