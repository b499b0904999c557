"""Column-level contracts: the inferred schema of every node equals what Polars reports on generated data, and
the column rules (GLC601-604) point at the exact expression."""

from __future__ import annotations

import datetime
import importlib.util
from pathlib import Path

import polars as pl

from glacierc.driver import compile_project

ROOT = Path(__file__).resolve().parent.parent
ANALYTICS = ROOT / "tests" / "fixtures" / "columns" / "analytics" / "pipeline.py"


def _data(root: Path) -> None:
    shop = root / "shop"
    shop.mkdir(parents=True)
    at = datetime.datetime(2026, 3, 1, 12, 0)
    pl.DataFrame({"order_id": [1, 2, 3], "customer_id": [1, 1, 2], "product_id": [1, 2, 1], "store_id": [1, 1, 2],
                  "quantity": pl.Series([1, 2, 3], dtype=pl.Int32), "price": [9.5, 3.0, 9.5],
                  "ordered_at": [at, at, at], "status": ["ok", "late", "cancelled"]}).write_parquet(shop / "orders.parquet")
    pl.DataFrame({"customer_id": [1, 2], "name": ["a", "b"], "country_code": ["FR", "DE"],
                  "signup": [datetime.date(2025, 1, 1)] * 2}).write_parquet(shop / "customers.parquet")
    pl.DataFrame({"product_id": [1, 2], "category": ["tea", "cup"], "cost": [4.0, 1.0],
                  "tags": [["hot", "leaf"], ["ceramic"]]}).write_parquet(shop / "products.parquet")
    pl.DataFrame({"store_id": [1, 2], "city": ["Lyon", "Bonn"], "country_code": ["FR", "DE"]}).write_parquet(
        shop / "stores.parquet")
    pl.DataFrame({"country_code": ["FR", "DE"], "country": ["France", "Germany"],
                  "region": ["west", "west"]}).write_parquet(shop / "countries.parquet")


def _module(path: Path):
    spec = importlib.util.spec_from_file_location("analytics_pipeline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inferred_schemas_equal_what_polars_reports(tmp_path: Path) -> None:
    result = compile_project([ANALYTICS])
    assert not result.diagnostics, result.diagnostics
    nodes = {n.id: n for n in result.project.pipelines[0].nodes}
    _data(tmp_path)
    frames = _module(ANALYTICS).analytics.run(mode="local", data_dir=tmp_path)
    for node_id, frame in zip(("enriched", "by_region", "ranked", "tag_counts", "stacked"), frames, strict=True):
        inferred = nodes[node_id].schema
        assert inferred is not None, node_id
        actual = [(name, str(dtype)) for name, dtype in frame.collect_schema().items()]
        assert [n for n, _ in inferred] == [n for n, _ in actual], node_id
        for (name, dtype), (_, real) in zip(inferred, actual):
            assert dtype in (real, "Unknown"), (node_id, name, dtype, real)


def test_every_dtype_of_the_analytics_pipeline_is_known_where_polars_is_certain() -> None:
    nodes = {n.id: n for n in compile_project([ANALYTICS]).project.pipelines[0].nodes}
    unknown = {(node_id, c) for node_id, n in nodes.items() for c, d in (n.schema or ()) if d == "Unknown"}
    assert unknown == set(), unknown


def test_lineage_names_the_source_columns() -> None:
    nodes = {n.id: n for n in compile_project([ANALYTICS]).project.pipelines[0].nodes}
    lineage = dict(nodes["enriched"].lineage)
    assert lineage["revenue"] == ("orders.price", "orders.quantity")
    assert lineage["margin"] == ("orders.price", "orders.quantity", "products.cost")
    assert dict(nodes["by_region"].lineage)["region"] == ("countries.region",)


def test_the_runner_checks_declared_columns_at_read_and_write(tmp_path: Path) -> None:
    import subprocess
    import sys
    import textwrap

    source = tmp_path / "pipeline.py"
    source.write_text(textwrap.dedent('''\
        import polars as pl
        from glacier import Provider, pipeline
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig())
        local_exec = provider.local()
        raw = provider.bucket(bucket="raw", path="orders.parquet", schema={"id": pl.Int64, "amount": pl.Float64})
        out = provider.bucket(bucket="out", path="copy.parquet", schema={"id": pl.Int64, "amount": pl.Float64})

        @local_exec.task()
        def copy(source) -> None:
            out.write(source.scan())

        @pipeline(name="p")
        def p():
            copy(raw)
        '''))
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    pl.DataFrame({"id": [1], "amount": [2.0]}).write_parquet(data / "raw" / "orders.parquet")
    run = [sys.executable, "-m", "glacierc", "run", str(source), "--data-dir", str(data)]
    ok = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    pl.DataFrame({"id": ["1"], "amount": [2.0]}).write_parquet(data / "raw" / "orders.parquet")
    bad = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode != 0
    assert "storage 'raw': column 'id' is declared Int64 but found String" in bad.stderr + bad.stdout


def test_analyze_columns_shows_lineage_and_graph_columns_labels_edges() -> None:
    import json
    import subprocess
    import sys

    def glacierc(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "glacierc", *args], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stdout

    data = json.loads(glacierc("analyze", str(ANALYTICS), "--columns", "--format", "json"))
    nodes = {n["id"]: n for n in data["pipelines"][0]["nodes"]}
    assert nodes["by_region"]["schema"]["revenue"] == "Float64"
    assert nodes["enriched"]["lineage"]["margin"] == ["orders.price", "orders.quantity", "products.cost"]
    table = glacierc("analyze", str(ANALYTICS), "--columns")
    assert "    revenue  Float64  <- orders.price, orders.quantity" in table
    dot = glacierc("graph", str(ANALYTICS), "--columns")
    assert '"task:enriched" -> "task:by_region" [label="frame: order_id, customer_id,' in dot
    assert "+14 more" in dot


def test_the_quickstart_example_schemas_equal_what_polars_reports(tmp_path: Path) -> None:
    """The example's three tasks (scan, filter/with_columns/group_by/agg/sort, collect and write) over its declared
    columns: every node's schema is known and the written frame is the one its run returns."""
    import shutil

    example = ROOT / "examples" / "quickstart"
    result = compile_project([example / "pipeline.py"])
    assert not [d for d in result.diagnostics if d.code.startswith("GLC6")], result.diagnostics
    nodes = {n.task: n for n in result.project.pipelines[0].nodes}
    assert all(n.schema is not None and "Unknown" not in dict(n.schema).values() for n in nodes.values()), nodes
    shutil.copytree(example / "data" / "raw", tmp_path / "raw")
    frame = _module(example / "pipeline.py").quickstart.run(mode="local", data_dir=tmp_path)
    assert list(nodes["save"].schema) == [(n, str(d)) for n, d in frame.collect_schema().items()]
    assert nodes["save"].schema == nodes["transform"].schema
