"""What data engineers naturally write in a pipeline body is understood: helper functions that call tasks are
followed (inlined), constants of the standard library's date and decimal types are task arguments."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl

from glacierc.driver import compile_project
from glacierc.ir.nodes import NodeInput, StorageInput

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



def test_a_helper_call_python_would_refuse_is_reported_with_pythons_reason(tmp_path: Path) -> None:
    """Helpers are bound by the same function as task calls (glacierc/frontend/binding.py): an unknown keyword
    is refused as Python refuses it, in a pipeline body and in a module-level constant alike."""
    path = tmp_path / "pipeline.py"
    path.write_text(HELPER.replace("stage(south, tidy=False)", "stage(south, tydi=False)")
                    + "\ndef region(name, suffix='.csv'):\n    return name + suffix\n\n"
                      "other = provider.bucket(bucket='raw', path=region('west', sufix='.tsv'))\n")
    messages = [d.message for d in compile_project([path]).diagnostics]
    assert any("a call of helper `stage` (got an unexpected keyword argument `tydi`)" in m for m in messages), messages
    assert any("helper `region`: got an unexpected keyword argument `sufix`" in m for m in messages), messages


def test_an_assignment_expression_binds_a_node_result(tmp_path: Path) -> None:
    """`save(both := clean(load(north)), ...)`: the walrus's value was evaluated as an unknown, so its task calls
    were no nodes and `save` reported GLC502, with GLC204 and GLC206 for the tasks and storage it hid."""
    path = tmp_path / "pipeline.py"
    path.write_text(HELPER.replace("save(stage(north), stage(south, tidy=False))",
                                   "save(cleaned := clean(load(north)), load(south))\n    return cleaned"))
    result = compile_project([path])
    assert not result.diagnostics, result.diagnostics
    pipeline = result.project.pipelines[0]
    assert sorted((e.source, e.target) for e in pipeline.edges) == [
        ("clean", "save"), ("load", "clean"), ("load_2", "save")]
    assert pipeline.outputs == ("clean",)
    run = subprocess.run([sys.executable, "-m", "glacierc", "run", str(path), "--data-dir", str(_data(tmp_path))],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert pl.read_parquet(tmp_path / "data" / "out" / "all.parquet").height == 3


def test_a_task_called_in_another_tasks_body_runs_there_and_is_said_so(tmp_path: Path) -> None:
    """`clean` called only inside `save`'s body was GLC204 "no pipeline calls it" although the run called it;
    now GLC226 says it runs inside `save` as a plain function, and the runner runs it so."""
    path = tmp_path / "pipeline.py"
    path.write_text(HELPER.replace("out.write(pl.concat([a, b]))", "out.write(clean(pl.concat([a, b])))")
                    .replace("save(stage(north), stage(south, tidy=False))", "save(load(north), load(south))"))
    result = compile_project([path])
    assert [(d.code, d.span.line, d.message) for d in result.diagnostics] == [
        ("GLC226", 21, "task `clean` is called inside task `save`'s body, where it runs as a plain function: no "
                       "node, retries, timeout or executor of its own")]
    assert [n.id for n in result.project.pipelines[0].nodes] == ["load", "load_2", "save"]
    run = subprocess.run([sys.executable, "-m", "glacierc", "run", str(path), "--data-dir", str(_data(tmp_path))],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert pl.read_parquet(tmp_path / "data" / "out" / "all.parquet").rows() == [(1, 2), (5, 6)]


def test_a_range_too_long_to_unroll_says_so(tmp_path: Path) -> None:
    """`for i in range(20_000)` was reported as GLC209 "`range` is not a task" beside a GLC210 that named no
    reason; now only GLC210, with the evaluator's reason."""
    path = tmp_path / "pipeline.py"
    path.write_text(HELPER.replace("save(stage(north), stage(south, tidy=False))",
                                   "for i in range(20_000):\n        save(load(north), load(south))"))
    found = [(d.code, d.message) for d in compile_project([path]).diagnostics if d.code in ("GLC209", "GLC210")]
    assert found == [("GLC210", "a `for` loop over something other than a literal list or tuple (a range of more "
                                "than 10,000 numbers) in pipeline `p` is not followed; task calls inside it are "
                                "not part of the DAG")]


TEMPORAL = '''\
import datetime
from datetime import date
from decimal import Decimal
from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

provider = Provider(config=LocalConfig())
local_exec = provider.local()
events = provider.bucket(bucket="raw", path="events.csv")
out = provider.bucket(bucket="out", path="recent.parquet")
START = date(2026, 1, 31)

@local_exec.task()
def recent(source, since, until, threshold, window) -> None:
    frame = source.scan().with_columns(pl.col("day").str.to_date())
    out.write(frame.filter((pl.col("day") >= since) & (pl.col("day") < until.date() - window)
                           & (pl.col("value") > float(threshold))))

@pipeline(name="p")
def p():
    recent(events, START, datetime.datetime(2026, 3, 1, 12, 0), Decimal("1.5"), datetime.timedelta(days=1))
'''


def test_date_and_decimal_constants_are_task_arguments(tmp_path: Path) -> None:
    import json

    from glacierc.ir.serialize import to_json

    path = tmp_path / "pipeline.py"
    path.write_text(TEMPORAL)
    result = compile_project([path])
    assert not result.diagnostics, result.diagnostics
    inputs = {i["param"]: i["value"] for i in json.loads(to_json(result.project, ()))["pipelines"][0]["nodes"][0]["inputs"]}
    assert (inputs["since"], inputs["until"], inputs["threshold"], inputs["window"]) == (
        {"date": "2026-01-31"}, {"datetime": "2026-03-01T12:00:00"}, {"Decimal": "1.5"}, {"timedelta": {"days": 1, "seconds": 0, "microseconds": 0}})
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "events.csv").write_text(
        "day,value\n2026-01-30,5\n2026-02-10,1\n2026-02-11,3\n2026-02-28,4\n2026-03-02,9\n")
    run = subprocess.run([sys.executable, "-m", "glacierc", "run", str(path), "--data-dir", str(tmp_path / "data")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert pl.read_parquet(tmp_path / "data" / "out" / "recent.parquet")["value"].to_list() == [3]


DICT_ARGUMENT = '''\
from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

provider = Provider(config=LocalConfig())
local_exec = provider.local()
events = provider.bucket(bucket="raw", path="events.csv")
out = provider.bucket(bucket="out", path="picked.parquet")
OPTIONS = {"limit": 2, "columns": ["day", "value"], "rename": {"value": "v"}, "pair": (1, 2)}

@local_exec.task()
def pick(source, options: dict) -> None:
    assert isinstance(options, dict) and isinstance(options["rename"], dict), options
    assert isinstance(options["columns"], list) and isinstance(options["pair"], tuple), options
    out.write(source.read().select(options["columns"] + []).rename(options["rename"]).head(options["limit"]))

@pipeline(name="p")
def p():
    pick(events, OPTIONS)
'''


def test_dict_and_list_constants_reach_the_task_as_written(tmp_path: Path) -> None:
    """A dict literal passed to a task was frozen into (key, value) pairs: ir.json showed a list of pairs and
    the runner passed a tuple, so `options["limit"]` failed with a TypeError only in `glacierc run`; a list
    came as a tuple (`columns + ["x"]` failed). Tuples stay tuples."""
    import json

    from glacierc.ir.read import read
    from glacierc.ir.serialize import to_json

    path = tmp_path / "pipeline.py"
    path.write_text(DICT_ARGUMENT)
    result = compile_project([path])
    assert not result.diagnostics, result.diagnostics
    text = to_json(result.project, ())
    inputs = {i["param"]: i["value"] for i in json.loads(text)["pipelines"][0]["nodes"][0]["inputs"]}
    assert inputs["options"] == {"limit": 2, "columns": ["day", "value"], "rename": {"value": "v"}, "pair": [1, 2]}
    assert read(text) == result.project
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "events.csv").write_text("day,value\n2026-01-30,5\n2026-02-10,1\n2026-02-11,3\n")
    run = subprocess.run([sys.executable, "-m", "glacierc", "run", str(path), "--data-dir", str(tmp_path / "data")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert pl.read_parquet(tmp_path / "data" / "out" / "picked.parquet").to_dict(as_series=False) == {
        "day": ["2026-01-30", "2026-02-10"], "v": [5, 1]}


CONTAINERS = '''\
from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

provider = Provider(config=LocalConfig())
local_exec = provider.local()
REGIONS = ["emea", "apac"]
raw = provider.bucket(bucket="raw", path="events.csv")
outs = [provider.bucket(bucket="out", path=f"{r}.parquet") for r in REGIONS]
targets = {r: provider.bucket(bucket="final", path=f"{r}.parquet") for r in REGIONS}
copies = {"all": provider.bucket(bucket="copy", path="all.parquet")}

@local_exec.task()
def split(source, region: str) -> pl.LazyFrame:
    return source.scan().filter(pl.col("region") == region)

@local_exec.task()
def save(frame: pl.LazyFrame, target) -> None:
    target.write(frame)

@local_exec.task()
def fan_out(source) -> None:
    frame = source.scan()
    for region in REGIONS:
        targets[region].write(frame.filter(pl.col("region") == region))

@local_exec.task()
def copy_all(source) -> None:
    for target in copies.values():
        target.write(source.scan())

@pipeline(name="p")
def p():
    parts = {r: split(raw, r) for r in REGIONS}
    for i, r in enumerate(REGIONS):
        save(parts[r], outs[i])
    for region, frame in parts.items():
        save(frame, targets[region])
    fan_out(raw)
    copy_all(raw)
'''


def test_storage_in_lists_and_dicts_is_declared_passed_and_granted(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(CONTAINERS)
    result = compile_project([path])
    assert [s.name for s in result.project.storage] == [
        'copies["all"]', "outs[0]", "outs[1]", "raw", 'targets["apac"]', 'targets["emea"]']
    assert [(d.code, d.message.split(";")[0]) for d in result.diagnostics] == [
        ("GLC205", 'cannot prove how task `copy_all` uses `copies["all"]`')]
    nodes = {n.id: n for n in result.project.pipelines[0].nodes}
    assert nodes["save_2"].inputs == (NodeInput("frame", "split_2"), StorageInput("target", "outs[1]"))
    assert nodes["save_3"].writes == ('targets["emea"]',)
    tasks = {t.name: t for t in result.project.tasks}
    assert tasks["fan_out"].writes == ('targets["apac"]', 'targets["emea"]')  # proven: any of the dict's
    assert (tasks["copy_all"].reads, tasks["copy_all"].writes) == (('copies["all"]',), ('copies["all"]',))  # unproven: both


def test_the_runner_rebuilds_lists_and_dicts_of_buckets(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(CONTAINERS)
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    (data / "raw" / "events.csv").write_text("region,v\nemea,1\napac,2\nemea,3\n")
    run = subprocess.run([sys.executable, "-m", "glacierc", "run", str(path), "--data-dir", str(data)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    sizes = {f"{p.parent.name}/{p.name}": pl.read_parquet(p).height for p in sorted(data.rglob("*.parquet"))}
    assert sizes == {"copy/all.parquet": 3, "final/apac.parquet": 1, "final/emea.parquet": 2,
                     "out/apac.parquet": 1, "out/emea.parquet": 2}


def test_iam_grants_name_each_contained_bucket(tmp_path: Path) -> None:
    from glacierc.backends.terraform import emit

    path = tmp_path / "pipeline.py"
    path.write_text(CONTAINERS.replace("LocalConfig()", 'AwsConfig(region="us-east-1")')
                    .replace("import LocalConfig", "import AwsConfig").replace('bucket="', 'bucket="acme-'))
    result = compile_project([path])
    files, _ = emit(result.project, None)
    iam = files["terraform/iam.tf"]
    for arn in ("acme-out/emea.parquet", "acme-out/apac.parquet", "acme-final/emea.parquet", "acme-copy/all.parquet"):
        assert f"arn:aws:s3:::{arn}" in iam
