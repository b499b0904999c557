"""The wheel: both import packages, the console script, and the templates inside `glacierc/templates`,
found by a non-editable install."""

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


def test_wheel_holds_both_packages_and_the_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "glacierc/cli.py" in names and "glacier/config.py" in names and "glacier/py.typed" in names
    templates = {n for n in names if n.startswith("glacierc/templates/")}
    on_disk = {f"glacierc/templates/{p.relative_to(ROOT / 'templates').as_posix()}"
               for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert on_disk and on_disk <= templates
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "glacierc = glacierc.entry:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_finds_its_templates(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = ("from glacierc.backends.terraform.common import templates_dir; import glacierc; "
             "print(templates_dir()); print(glacierc.__file__)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)})
    templates, package = result.stdout.split()
    assert package.startswith(str(target)) and templates.startswith(str(target))
    assert (target / "glacierc" / "templates" / "terraform" / "databricks").is_dir()
    assert (target / "glacierc" / "entrypoints" / "aws_lambda.py").is_file()  # the fixed part of handler.py
