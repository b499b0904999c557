"""Declared schemas are checked by the library where data crosses a bucket: scan/read and write."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from glacier import Provider
from glacier.config import LocalConfig
from glacier.schemas import SchemaMismatch

SCHEMA = {"id": pl.Int64, "amount": pl.Float64}


def _bucket(tmp_path: Path, schema=SCHEMA):
    provider = Provider(config=LocalConfig(base_path=str(tmp_path)))
    return provider.bucket(bucket="sales", path="orders.parquet", schema=schema)


def test_a_matching_file_reads_and_writes(tmp_path: Path) -> None:
    orders = _bucket(tmp_path)
    orders.write(pl.DataFrame({"amount": [1.5], "id": [1]}))  # column order is free
    assert orders.read().height == 1 and orders.scan().collect_schema()["id"] == pl.Int64


def test_read_names_the_bucket_column_and_dtypes(tmp_path: Path) -> None:
    (tmp_path / "sales").mkdir()
    pl.DataFrame({"id": ["1"], "amount": [1.5]}).write_parquet(tmp_path / "sales" / "orders.parquet")
    with pytest.raises(SchemaMismatch, match=r"sales/orders.parquet: column 'id' is declared Int64 but found String"):
        _bucket(tmp_path).scan()
    pl.DataFrame({"id": [1]}).write_parquet(tmp_path / "sales" / "orders.parquet")
    with pytest.raises(SchemaMismatch, match=r"column 'amount' \(Float64\) is declared but missing"):
        _bucket(tmp_path).read()


def test_write_refuses_other_columns_and_leaves_the_file(tmp_path: Path) -> None:
    orders = _bucket(tmp_path)
    with pytest.raises(SchemaMismatch, match=r"writing column 'amonut' that the schema does not declare"):
        orders.write(pl.DataFrame({"id": [1], "amount": [1.0], "amonut": [2.0]}))
    with pytest.raises(SchemaMismatch, match="declared Float64 but found Int64"):
        orders.write(pl.LazyFrame({"id": [1], "amount": [2]}))
    assert not (tmp_path / "sales" / "orders.parquet").exists()


def test_a_pl_schema_is_accepted_and_a_bad_schema_refused(tmp_path: Path) -> None:
    assert _bucket(tmp_path, pl.Schema(SCHEMA)).schema == pl.Schema(SCHEMA)
    with pytest.raises(TypeError, match="schema"):
        _bucket(tmp_path, ["id"])
