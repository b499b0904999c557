"""Every rewrite of a user's file (`check --fix`, `migrate --write`) goes through glacierc.fileio: the file
keeps its declared encoding (PEP 263), byte-order mark, line ends and mode; text its encoding cannot hold is
an error and the file stays as it was; `migrate DIR` walks exactly the files `check DIR` walks."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

from glacierc.fileio import SourceError, read_source, rewrite_source
from tests.helpers import EXAMPLES, FIXTURES, glacierc

OLD = (FIXTURES / "migrate" / "example_quickstart" / "old.py").read_text(encoding="utf-8")
NEW = (FIXTURES / "migrate" / "example_quickstart" / "new.py").read_text(encoding="utf-8")
LATIN1 = "# -*- coding: latin-1 -*-\n"


def _cafe(text: str) -> str:
    assert text.count('bucket="raw"') == 1
    return text.replace('bucket="raw"', 'bucket="café"')


VARIANTS = {  # name -> (bytes before, bytes expected after the rewrite)
    "latin-1": ((LATIN1 + _cafe(OLD)).encode("latin-1"), (LATIN1 + _cafe(NEW)).encode("latin-1")),
    "utf-8 BOM": (codecs.BOM_UTF8 + _cafe(OLD).encode(), codecs.BOM_UTF8 + _cafe(NEW).encode()),
    "CRLF": (OLD.replace("\n", "\r\n").encode(), NEW.replace("\n", "\r\n").encode()),
    "latin-1 CRLF": ((LATIN1 + _cafe(OLD)).replace("\n", "\r\n").encode("latin-1"),
                     (LATIN1 + _cafe(NEW)).replace("\n", "\r\n").encode("latin-1")),
}
REWRITES = {"check --fix": ["check", "--fix"], "migrate --write": ["migrate", "--write"]}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("command", REWRITES)
def test_a_rewrite_keeps_encoding_bom_line_ends_and_mode(tmp_path, command, variant):
    before, expected = VARIANTS[variant]
    source = tmp_path / "pipeline.py"
    source.write_bytes(before)
    source.chmod(0o750)
    result = glacierc(*REWRITES[command], str(source))
    assert result.returncode == 0, result.stdout + result.stderr
    assert source.read_bytes() == expected
    assert stat.S_IMODE(source.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.py"]  # no temporary left


def test_text_the_declared_encoding_cannot_hold_is_an_error_not_mojibake(tmp_path):
    path = tmp_path / "pipeline.py"
    original = (LATIN1 + 'x = "café"\n').encode("latin-1")
    path.write_bytes(original)
    source = read_source(path)
    assert source.text == LATIN1 + 'x = "café"\n' and source.encoding == "iso-8859-1"
    with pytest.raises(SourceError, match=r"pipeline.py:2: '€' cannot be written in the file's encoding"):
        rewrite_source(source, LATIN1 + 'x = "€"\n')
    assert path.read_bytes() == original and sorted(tmp_path.iterdir()) == [path]


def test_a_symlinked_source_is_rewritten_through_the_link(tmp_path):
    real, link = tmp_path / "real.py", tmp_path / "link.py"
    real.write_text(OLD)
    link.symlink_to(real)
    assert glacierc("migrate", "--write", str(link)).returncode == 0
    assert link.is_symlink() and real.read_text() == NEW


def test_migrate_walks_what_check_walks(tmp_path):
    project = tmp_path / "proj"
    for skipped in ("venv/lib", "build/lib", ".venv/lib", "node_modules/x", "dist"):
        (project / skipped).mkdir(parents=True)
        (project / skipped / "old.py").write_text(OLD)
    (project / "pipeline.py").write_text(OLD)
    (project / "linked").symlink_to(project / "venv", target_is_directory=True)  # not followed either
    result = glacierc("migrate", "--write", str(project))
    assert result.returncode == 0 and result.stderr.endswith("migrated 1 of 1 file\n"), result.stderr
    assert (project / "pipeline.py").read_text() == NEW
    assert all((project / s / "old.py").read_text() == OLD for s in ("venv/lib", "build/lib", ".venv/lib", "dist"))


def test_graph_output_replaces_the_file_keeping_its_mode(tmp_path):
    target = tmp_path / "graph.dot"
    target.write_text("old")
    target.chmod(0o640)
    result = glacierc("graph", str(EXAMPLES / "aws_etl"), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text().startswith('digraph "aws_etl"') and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["graph.dot"]


def test_a_new_graph_file_gets_the_usual_mode(tmp_path):
    target = tmp_path / "sub" / "graph.mmd"
    assert glacierc("graph", str(EXAMPLES / "aws_etl"), "-o", str(target)).returncode == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask and "flowchart LR" in Path(target).read_text()
