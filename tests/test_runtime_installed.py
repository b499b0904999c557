"""glacierc/runtime/installed.py: the check a job node runs before `pip install -r requirements.txt`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from glacierc.runtime import installed

VERSIONS = {"polars": "2.1.0", "pyyaml": "6.0.2"}


def _version_of(name: str) -> str | None:
    return VERSIONS.get(name.lower())


@pytest.mark.parametrize(("lines", "expected"), [
    (["polars==2.1.0", "PyYAML==6.0.2"], True),
    (["# pins", "", "polars == 2.1.0  # the runtime's", "PyYAML"], True),
    (["polars==2.1.1"], False),  # another version: pip must install the pinned one
    (["glacier-probe==1.0"], False),  # not installed
    (["PyYAML>=6"], False),  # a specifier the check does not judge: pip decides
    (["PyYAML[libyaml]==6.0.2"], False),
    (['PyYAML==6.0.2; python_version > "3"'], False),
    ([], True),
])
def test_only_exactly_installed_lines_count_as_installed(lines, expected):
    assert installed.satisfied(lines, _version_of) is expected


def test_the_module_run_as_a_script_answers_with_its_exit_status(tmp_path):
    requirements = tmp_path / "requirements.txt"
    script = installed.__file__
    requirements.write_text("polars==2.1.0\n", encoding="utf-8")  # the Polars of this machine
    assert subprocess.run([sys.executable, script, str(requirements)], timeout=60).returncode == 0
    requirements.write_text("polars==2.1.0\nglacier-probe==1.0\n", encoding="utf-8")
    assert subprocess.run([sys.executable, script, str(requirements)], timeout=60).returncode == 1
    assert subprocess.run([sys.executable, script, str(tmp_path / "missing.txt")], timeout=60).returncode == 1
