"""A runner needs Python and polars only: it runs with a Python whose path lacks the project."""

from __future__ import annotations

import subprocess

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.test_runner_support import EXAMPLES, copy_data, isolated_command, run, write_runner


def test_the_isolated_python_really_lacks_the_project(tmp_path):
    """The check below is only sound if this interpreter setup cannot import glacier or glacierc."""
    import os
    import sysconfig

    command = isolated_command(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "poison"), sysconfig.get_paths()["purelib"]])
    probe = ("import importlib.util, polars\n"
             "for name in ('glacier', 'glacierc', 'pipeline'):\n"
             "    try:\n        __import__(name)\n    except ImportError:\n        print(name, 'missing')\n")
    result = subprocess.run([*command, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["glacier missing", "glacierc missing", "pipeline missing"]


@pytest.mark.parametrize("example", ["quickstart", "aws_etl", "gcp_analytics"])
def test_example_runs_without_the_project_on_the_path(example, tmp_path):
    data = copy_data(example, tmp_path)
    runner = write_runner(tmp_path, EXAMPLES / example / "pipeline.py")
    isolated = run(runner, "--data-dir", "data", cwd=tmp_path, isolated=True)
    assert isolated.returncode == 0, isolated.stderr
    written = sorted(p for p in data.rglob("*.parquet") if "raw" not in str(p.relative_to(data)).split("/")[0])
    assert written
    # the same result as the normal interpreter
    normal_dir = tmp_path / "normal"
    normal_dir.mkdir()
    copy_data(example, normal_dir)
    normal = run(runner, "--data-dir", str(normal_dir / "data"), cwd=tmp_path)
    assert normal.returncode == 0, normal.stderr
    for path in written:
        assert_frame_equal(pl.read_parquet(path), pl.read_parquet(normal_dir / "data" / path.relative_to(data)))
