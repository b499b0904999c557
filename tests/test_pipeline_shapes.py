"""What data engineers naturally write in a pipeline body is understood: helper functions that call tasks are
followed (inlined), constants of the standard library's date and decimal types are task arguments."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl

from glacierc.driver import compile_project

HELPER = '''\
from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

provider = Provider(config=LocalConfig())
local_exec = provider.local()
north = provider.bucket(bucket="raw", path="north.csv")
south = provider.bucket(bucket="raw", path="south.csv")
out = provider.bucket(bucket="out", path="all.parquet")

@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@local_exec.task()
def clean(df: pl.LazyFrame) -> pl.LazyFrame:
    return df.drop_nulls()

@local_exec.task()
def save(a: pl.LazyFrame, b: pl.LazyFrame) -> None:
    out.write(pl.concat([a, b]))

def stage(source, *, tidy=True):
    frame = load(source)
    if tidy:
        return clean(frame)
    return frame

@pipeline(name="p")
def p():
    save(stage(north), stage(south, tidy=False))
'''


def _data(root: Path) -> Path:
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "north.csv").write_text("a,b\n1,2\n,3\n")
    (root / "data" / "raw" / "south.csv").write_text("a,b\n5,6\n,7\n")
    return root / "data"


def test_a_helper_calling_tasks_is_inlined(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(HELPER)
    result = compile_project([path])
    assert not result.diagnostics, result.diagnostics
    pipeline = result.project.pipelines[0]
    assert [n.id for n in pipeline.nodes] == ["load", "clean", "load_2", "save"]
    assert sorted((e.source, e.target) for e in pipeline.edges) == [
        ("clean", "save"), ("load", "clean"), ("load_2", "save")]
    assert [n.span.line for n in pipeline.nodes][:2] == [24, 26]  # the calls inside the helper


def test_the_runner_and_the_library_run_an_inlined_helper_alike(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(HELPER)
    data = _data(tmp_path)
    run = subprocess.run([sys.executable, "-m", "glacierc", "run", str(path), "--data-dir", str(data)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    compiled = pl.read_parquet(data / "out" / "all.parquet")
    assert compiled.rows() == [(1, 2), (5, 6), (None, 7)]
    import shutil

    shutil.copytree(data / "raw", tmp_path / "lib" / "raw")
    library = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""\
        import importlib.util
        spec = importlib.util.spec_from_file_location("pipeline", {str(path)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.p.run(mode="local", data_dir={str(tmp_path / 'lib')!r})
        """)], capture_output=True, text=True, cwd=tmp_path)
    assert library.returncode == 0, library.stderr
    assert pl.read_parquet(tmp_path / "lib" / "out" / "all.parquet").equals(compiled)


def test_recursive_helpers_are_reported_not_followed_forever(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(HELPER.replace("    frame = load(source)\n", "    frame = load(source)\n    stage(source)\n"))
    codes = [d.code for d in compile_project([path]).diagnostics]
    assert "GLC210" in codes
