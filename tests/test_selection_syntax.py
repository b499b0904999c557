"""One node-selection syntax everywhere: `graph --select/--exclude`, `run --select/--exclude` and the generated
runner's take the same selectors (NODE, +NODE, NODE+, 2+NODE, @NODE, tag:NAME, path:FILE), parsed by the one
parser the runtime holds; `tags=` reaches the IR; the run report is versioned and validates against
docs/run-report.schema.json. Through the real entry point and real runs."""

from __future__ import annotations

import json
import shutil

import jsonschema
import pytest

from glacierc.backends.graph.select import SelectionError, Selector, parse_selector, select_nodes
from glacierc.driver import compile_project
from tests.helpers import EXAMPLES, FIXTURES, ROOT, glacierc

TAGGED = FIXTURES / "selection" / "tagged"  # extract -> clean -> enrich <- load_users; enrich -> save
PROJECT = compile_project([str(TAGGED)]).project
PIPELINE = PROJECT.pipelines[0]


def test_tags_reach_the_ir_and_ir_json():
    tags = {task.name: task.tags for task in PROJECT.tasks}
    assert tags == {"extract": ("daily", "ingest"), "load_users": ("ingest",), "clean": (), "enrich": ("daily",),
                    "save": ("daily", "publish")}
    ir = json.loads(glacierc("analyze", "--format", "json", str(TAGGED)).stdout)
    assert {t["name"]: t["tags"] for t in ir["tasks"]}["save"] == ["daily", "publish"]
    jsonschema.validate(ir, json.loads((ROOT / "docs" / "ir.schema.json").read_text()))


@pytest.mark.parametrize(("selectors", "excluded", "expected"), [
    (["tag:daily"], [], {"extract", "enrich", "save"}),
    (["tag:ingest+1"], [], {"extract", "load_users", "clean", "enrich"}),
    (["+tag:publish"], ["tag:ingest"], {"clean", "enrich", "save"}),
    (["path:tasks.py"], [], {"extract", "load_users", "clean"}),
    (["path:tests/fixtures/selection/tagged/pipeline.py"], [], {"enrich", "save"}),  # the file from further up
    ([], ["path:pipeline.py"], {"extract", "load_users", "clean"}),
    (["@clean"], ["save"], {"extract", "load_users", "clean", "enrich"}),
])
def test_tag_path_and_exclude(selectors, excluded, expected):
    assert select_nodes(PIPELINE, selectors, excluded, PROJECT.tasks) == expected


def test_selectors_that_pick_nothing_or_do_not_parse():
    with pytest.raises(SelectionError, match="has no node tagged 'weekly'; its tags are: daily, ingest, publish"):
        select_nodes(PIPELINE, ["tag:weekly"], (), PROJECT.tasks)
    with pytest.raises(SelectionError, match="--exclude: pipeline 'tagged' has no node whose task is defined in"):
        select_nodes(PIPELINE, [], ["path:other.py"], PROJECT.tasks)
    for raw in ("tag:", "kind:local", "@+tag:daily"):
        with pytest.raises(SelectionError, match="invalid selector"):
            parse_selector(raw)
    assert parse_selector("2+tag:daily+") == Selector("tag:daily", 2, None)


def test_graph_command_takes_tag_path_and_exclude():
    result = glacierc("graph", str(TAGGED), "--format", "mermaid", "--select", "tag:daily", "--exclude", "extract")
    assert result.returncode == 0, result.stderr
    assert "<b>enrich</b>" in result.stdout and "<b>save</b>" in result.stdout and "<b>extract</b>" not in result.stdout
    missing = glacierc("graph", str(TAGGED), "--select", "tag:weekly")
    assert missing.returncode == 2 and "has no node tagged 'weekly'" in missing.stderr


def _plan(*flags: str) -> dict[str, str]:
    """Node -> `run` or `skip (...)` from `glacierc run --dry-run` (the generated runner's own flags)."""
    result = glacierc("run", str(TAGGED / "pipeline.py"), "--dry-run", *flags)
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines() if " -> " in line]
    return {line.split(":", 1)[0]: line.rsplit(" -> ", 1)[1] for line in lines}


def test_run_select_and_exclude_take_the_same_syntax():
    assert {n for n, state in _plan("--select", "tag:ingest").items() if state == "run"} == {"extract", "load_users"}
    assert {n for n, s in _plan("--select", "path:tasks.py", "--exclude", "load_users").items()
            if s == "run"} == {"extract", "clean"}
    assert {n for n, s in _plan("--select", "extract+").items() if s == "run"} == {"extract", "clean", "enrich",
                                                                                 "save", "load_users"}  # pulled in
    assert {n for n, s in _plan("--select", "extract+1 load_users").items() if s == "run"} == {"extract", "clean",
                                                                                             "load_users"}
    for flags, message in ((("--select", "tag:weekly"), "has no node tagged 'weekly'"),
                           (("--select", "tag:ingest", "--exclude", "tag:ingest"), "leave no node to run"),
                           (("--select", "a@b"), "invalid selector 'a@b'")):
        result = glacierc("run", str(TAGGED / "pipeline.py"), "--dry-run", *flags)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_the_run_report_is_versioned_and_validates_against_its_schema(tmp_path):
    shutil.copytree(EXAMPLES / "quickstart" / "data", tmp_path / "data")
    schema = json.loads((ROOT / "docs" / "run-report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for flags in ((), ("--select", "load+1")):
        report = tmp_path / "report.json"
        result = glacierc("run", str(EXAMPLES / "quickstart" / "pipeline.py"), "--data-dir", str(tmp_path / "data"),
                          "--report", str(report), "-q", *flags, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        data = json.loads(report.read_text())
        jsonschema.validate(data, schema)
        assert data["version"] == schema["properties"]["version"]["const"] == 1
    assert {n["id"]: n["status"] for n in data["nodes"]}["save"] == "skipped"
    (tmp_path / "data" / "raw" / "sales.csv").unlink()  # a failed run's report validates too
    failed = glacierc("run", str(EXAMPLES / "quickstart" / "pipeline.py"), "--data-dir", str(tmp_path / "data"),
                      "--report", str(report), "-q", cwd=tmp_path)
    assert failed.returncode == 1
    data = json.loads(report.read_text())
    jsonschema.validate(data, schema)
    assert data["status"] == "failed" and data["error"]


def test_a_local_run_of_the_library_ignores_tags(tmp_path):
    import subprocess
    import sys

    import polars as pl

    (tmp_path / "raw").mkdir()
    pl.DataFrame({"user_id": [1, 1, 2], "v": [3, 3, 4]}).write_csv(tmp_path / "raw" / "in.csv")
    pl.DataFrame({"user_id": [1, 2], "name": ["a", "b"]}).write_csv(tmp_path / "raw" / "users.csv")
    code = (f"import sys; sys.path.insert(0, {str(TAGGED)!r}); import pipeline; "
            f"pipeline.tagged.run(mode='local', data_dir={str(tmp_path)!r})")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(pl.read_parquet(tmp_path / "out" / "out.parquet")["name"]) == ["a", "b"]
