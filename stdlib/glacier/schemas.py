"""Declared column contracts: `provider.bucket(..., schema={"id": pl.Int64, ...})`.

A schema is a dict of column name to Polars dtype, or a `pl.Schema`. The library checks it where data crosses
the bucket: `scan()` / `read()` fail fast when a declared column is missing or has another dtype, and `write()`
when the frame's columns are not exactly the declared ones (names and dtypes; order is free). The message names
the bucket, the column, the expected and the found dtype. The compiler reads the same declaration statically
and checks the columns that flow along the DAG before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl


class SchemaMismatch(ValueError):
    """A frame does not match the schema its bucket declares."""


def normalise(schema: Mapping[str, Any] | pl.Schema | None) -> pl.Schema | None:
    if schema is None:
        return None
    if not isinstance(schema, Mapping | pl.Schema):
        raise TypeError(f"schema must be a dict of column name to Polars dtype, or a pl.Schema, got {schema!r}")
    try:
        return pl.Schema(dict(schema))
    except (TypeError, ValueError) as error:
        raise TypeError(f"schema: {error}") from None


def check_read(declared: pl.Schema, found: pl.Schema, bucket: str) -> None:
    """Every declared column is there with its dtype (a file may carry more columns)."""
    for column, dtype in declared.items():
        if column not in found:
            raise SchemaMismatch(f"{bucket}: column {column!r} ({dtype}) is declared but missing; found "
                                 f"{', '.join(found.names()) or 'no columns'}")
        if found[column] != dtype:
            raise SchemaMismatch(f"{bucket}: column {column!r} is declared {dtype} but found {found[column]}")


def check_write(declared: pl.Schema, found: pl.Schema, bucket: str) -> None:
    """The frame written has exactly the declared columns and dtypes."""
    check_read(declared, found, bucket)
    extra = [column for column in found.names() if column not in declared]
    if extra:
        raise SchemaMismatch(f"{bucket}: writing column{'s' * (len(extra) > 1)} {', '.join(map(repr, extra))} "
                             f"that the schema does not declare (declared: {', '.join(declared.names())})")
