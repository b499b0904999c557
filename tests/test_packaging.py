"""The wheel: both import packages, the console script, and the fixed entry modules of the cloud packages
(glacierc/entrypoints/), found by a non-editable install."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from tests.helpers import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.skip(f"cannot build a wheel here (pip wheel failed: {result.stderr.strip()[-300:]})")
    return next(out.glob("glacier_pipeline-*.whl"))


def test_wheel_holds_both_packages_and_the_entry_modules(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "glacierc/cli.py" in names and "glacier/config.py" in names and "glacier/py.typed" in names
    on_disk = {f"glacierc/entrypoints/{p.name}" for p in (ROOT / "glacierc" / "entrypoints").glob("*.py")}
    assert on_disk and on_disk <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "glacierc = glacierc.entry:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_an_installed_wheel_builds_the_cloud_packages(wheel, tmp_path):
    """A non-editable install lays out a Lambda package's handler.py from its own copy of the entry modules."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = ("import glacierc.backends.terraform.entry_module as m; import glacierc; "
             "print(m.ENTRYPOINTS_DIR); print(glacierc.__file__); print(len(m.fixed('aws_lambda').body))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)})
    entrypoints, package, body = result.stdout.split()
    assert package.startswith(str(target)) and entrypoints.startswith(str(target)) and int(body) > 0
