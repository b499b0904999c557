"""One fixture per frontend feature and diagnostic: snapshots of the IR JSON and of what users see."""

from __future__ import annotations

import json

import pytest

from glacierc.diagnostics.render import render
from glacierc.driver import compile_project
from glacierc.ir.nodes import ConstInput, NodeInput, NodesInput, StorageInput
from glacierc.ir.serialize import to_json
from tests.helpers import FIXTURES, fixture_env

CORE = sorted(p for p in (FIXTURES / "core").iterdir() if p.is_dir())


def _compile(directory):
    return compile_project([str(directory)], fixture_env(directory))


@pytest.mark.parametrize("directory", CORE, ids=lambda p: p.name)
def test_ir_json_snapshot(directory, snapshot, monkeypatch):
    monkeypatch.chdir(directory.parent)
    result = _compile(directory.name)
    assert to_json(result.project, result.diagnostics) == snapshot


@pytest.mark.parametrize("directory", CORE, ids=lambda p: p.name)
def test_rendered_diagnostics_snapshot(directory, snapshot, monkeypatch):
    monkeypatch.chdir(directory.parent)
    result = _compile(directory.name)
    full = render("full", result.diagnostics, result.texts, result.files)
    concise = render("concise", result.diagnostics, result.texts, result.files)
    assert {"full": full, "concise": concise} == snapshot


def _codes(directory):
    return sorted({d.code for d in _compile(directory).diagnostics})


def test_aliases_resolve_through_imports():
    result = _compile(FIXTURES / "core" / "aliases")
    assert not result.diagnostics
    storage = {s.name: s.uri for s in result.project.storage}
    assert storage == {"raw": "s3://acme-raw/in/data.csv", "out": "s3://acme-out/out/result.parquet"}
    assert result.project.executor("fn").config.fields == (("memory", 2048), ("timeout", 90))
    assert result.project.provider("provider").config.get("region") == "eu-west-1"


def test_multi_module_package_compiles_as_a_whole():
    result = _compile(FIXTURES / "core" / "multi_module")
    assert not result.diagnostics
    pipeline = result.project.pipelines[0]
    assert [n.id for n in pipeline.nodes] == ["load", "totals", "publish"]
    assert pipeline.node("load").reads == ("orders",)
    assert pipeline.node("publish").writes == ("report",)
    assert {m.name for m in result.project.modules} == {"shop", "shop.infra", "shop.tasks", "shop.pipeline"}


def test_env_defines_select_the_provider():
    directory = FIXTURES / "core" / "env_provider"
    default = compile_project([str(directory)])
    assert default.project.providers[0].cloud == "local"
    assert default.project.storage[0].uri == "./data/events/events.ndjson"
    aws = compile_project([str(directory)], fixture_env(directory))
    assert aws.project.providers[0].cloud == "aws"
    assert aws.project.storage[0].uri == "s3://prod-events/events.ndjson"
    assert aws.env_used == {"GLACIER_CLOUD", "BUCKET"}


def test_loops_unroll_and_tuples_unpack():
    result = _compile(FIXTURES / "core" / "loops_and_unpacking")
    pipeline = result.project.pipelines[0]
    assert [n.id for n in pipeline.nodes] == ["load", "split", "load_2", "split_2", "stage", "report"]
    assert pipeline.levels == (("load", "load_2"), ("split", "split_2"), ("stage",), ("report",))
    stage = pipeline.node("stage")
    # `positive, negative = split(...)`: element 0 of each split's result
    assert stage.inputs == (NodesInput("frames", (("split", 0), ("split_2", 0))),)
    assert ("stage", "report", "order") in {(e.source, e.target, e.kind) for e in pipeline.edges}
    assert _codes(FIXTURES / "core" / "loops_and_unpacking") == ["GLC204"]  # debug_dump: DEBUG is False


def test_encodings_and_unreadable_files():
    result = _compile(FIXTURES / "core" / "encodings")
    by_file = {(d.span.file, d.code) for d in result.diagnostics}
    assert by_file == {("not_text.py", "GLC003"), ("syntax_error.py", "GLC001")}
    storage = {s.bucket for s in result.project.storage}
    assert storage == {"café"}  # both the BOM/CRLF file and the latin-1 file decode to the same name
    uris = sorted(s.uri for s in result.project.storage)
    assert uris == ["./data/café/menu.csv", "./données/café/menu.csv"]


def test_every_diagnostic_kind_in_one_file():
    codes = _codes(FIXTURES / "core" / "diagnostics_all")
    assert codes == ["GLC002", "GLC202", "GLC203", "GLC204", "GLC205", "GLC206", "GLC207", "GLC209", "GLC210",
                     "GLC301", "GLC302", "GLC303", "GLC305"]


def test_noqa_suppresses_only_the_named_code():
    result = _compile(FIXTURES / "core" / "diagnostics_all")
    unused = [d.message for d in result.diagnostics if d.code == "GLC204"]
    assert unused == ["task `orphan` is defined but no pipeline calls it"]  # `quiet` has `# noqa: GLC204`


def test_legacy_api_reports_with_help():
    result = _compile(FIXTURES / "core" / "legacy_api")
    assert [d.code for d in result.diagnostics] == ["GLC101", "GLC102", "GLC102", "GLC103", "GLC102"]
    assert all(d.help for d in result.diagnostics)


def test_ir_json_is_byte_identical_across_runs():
    first = to_json(_compile(FIXTURES / "core" / "aliases").project)
    second = to_json(_compile(FIXTURES / "core" / "aliases").project)
    assert first == second
    assert json.loads(first)["version"] == 1


def test_star_imports_of_project_modules_resolve():
    result = _compile(FIXTURES / "core" / "star_imports")
    assert _codes(FIXTURES / "core" / "star_imports") == ["GLC206"]  # `_scratch`: declared, never used
    pipeline = result.project.pipelines[0]
    assert [(n.id, n.executor, n.reads, n.writes) for n in pipeline.nodes] == [
        ("load", "local_exec", ("numbers",), ()), ("transform", "local_exec", (), ()),
        ("save", "local_exec", (), ("scaled",))]


def test_what_a_star_import_exports():
    from glacierc.frontend.names import exports, star_bound

    tables = compile_tables(FIXTURES / "core" / "star_imports")
    assert exports(tables, "helpers", "scale") and not exports(tables, "helpers", "FACTOR")  # `__all__`
    assert exports(tables, "infra", "numbers") and not exports(tables, "infra", "_scratch")  # public names
    assert exports(tables, "infra", "Provider")  # imported names are exported too, as in Python
    assert {"scale", "local_exec", "numbers", "scaled"} <= star_bound(tables, "pipeline")
    assert not {"FACTOR", "_scratch"} & star_bound(tables, "pipeline")


def compile_tables(directory):
    from glacierc.diagnostics.model import Reporter
    from glacierc.frontend.loader import discover, load
    from glacierc.frontend.names import SymbolTable

    sources = [load(file, root, Reporter()) for file, root in discover([str(directory)], Reporter())]
    modules = {s.module for s in sources}
    return {s.module: SymbolTable(s, modules) for s in sources}


def test_comprehensions_unroll_in_pipelines_and_evaluate_in_values():
    result = _compile(FIXTURES / "core" / "comprehensions")
    assert not result.diagnostics
    assert {s.name: s.uri for s in result.project.storage if s.bucket == "raw"} == {
        "eu": "./data/raw/regions/eu.csv", "us": "./data/raw/regions/us.csv"}
    pipeline = result.project.pipelines[0]
    inputs = {n.id: n.inputs for n in pipeline.nodes}
    assert inputs["load"] == (ConstInput("limit", 2), StorageInput("source", "eu"))
    assert inputs["load_2"] == (ConstInput("limit", 4), StorageInput("source", "us"))
    assert inputs["tag_2"] == (NodeInput("frame", "load_2"), ConstInput("position", 1))
    assert inputs["combine"] == (NodesInput("frames", ("tag", "tag_2")),)


@pytest.mark.parametrize("body, reason", [
    ("[load(s, limit=1) for s in UNKNOWN]", "a comprehension over something other than a literal list"),
    ("[load(s, limit=1) for s in SOURCES if s.path]", "filtered by a condition not known statically"),
])
def test_comprehensions_that_cannot_be_unrolled_are_reported(tmp_path, body, reason):
    source = (FIXTURES / "core" / "comprehensions" / "pipeline.py").read_text()
    source = source.replace("import polars as pl\n", "import os\nimport polars as pl\nUNKNOWN = os.environ\n")
    source = source.replace("    save(combine(*tagged))\n", f"    save(combine(*{body}))\n")
    (tmp_path / "pipeline.py").write_text(source)
    found = [d for d in _compile(tmp_path).diagnostics if d.code == "GLC210"]
    assert len(found) == 1 and reason in found[0].message, [d.message for d in _compile(tmp_path).diagnostics]


def test_a_method_called_on_a_task_result_in_a_pipeline_says_where_it_belongs(tmp_path):
    source = (FIXTURES / "core" / "comprehensions" / "pipeline.py").read_text()
    source = source.replace("    save(combine(*tagged))\n", "    combined = combine(*tagged)\n    save(combined.lazy())\n")
    (tmp_path / "pipeline.py").write_text(source)
    found = [d for d in _compile(tmp_path).diagnostics if d.code == "GLC209"]
    assert [(d.message, d.help) for d in found] == [(
        "`combined.lazy` is not a task; it does not become a node of pipeline `comprehensions`",
        "a pipeline only connects tasks: call `.lazy()` inside a task")]
