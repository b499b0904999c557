"""File formats a bucket can hold, and how Polars scans and sinks each of them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

#: Canonical format name -> names and path suffixes that select it (case-insensitive).
FORMATS: dict[str, tuple[str, ...]] = {
    "parquet": ("parquet", "pq"),
    "csv": ("csv",),
    "ndjson": ("ndjson", "jsonl"),
    "ipc": ("ipc", "arrow", "feather"),
}

_ALIASES = {alias: name for name, aliases in FORMATS.items() for alias in aliases}


def detect_format(path: str, format: str | None = None) -> str:
    """The canonical format of `path`: `format` if given, else from the path suffix."""
    if format is not None:
        name = _ALIASES.get(format.lower())
        if name is None:
            raise ValueError(f"unknown format {format!r}; supported: {_supported()}")
        return name
    suffix = PurePosixPath(path).suffix.lower().lstrip(".")
    name = _ALIASES.get(suffix)
    if name is None:
        raise ValueError(
            f"cannot tell the format of {path!r} from its suffix; pass format= "
            f"or use one of the suffixes {_supported()}"
        )
    return name


def scan(uri: str | list[str], format: str, storage_options: dict[str, str] | None,
         exact: bool = False) -> pl.LazyFrame:
    """A LazyFrame over the file at `uri` (or the files of a list); `exact`: `uri` names the files themselves,
    whatever characters they hold, never a glob (as the runner reads them: glacierc/runtime/listing.py)."""
    import polars as pl

    scanner: Callable[..., pl.LazyFrame] = getattr(pl, f"scan_{format}")
    if not exact:
        return scanner(uri, storage_options=storage_options)
    from glacierc.runtime.listing import exact_source

    source, extra = exact_source(uri, format)
    return scanner(source, storage_options=storage_options, **extra)


def sink(frame: pl.LazyFrame, uri: str, format: str, storage_options: dict[str, str] | None) -> None:
    """Stream `frame` into the object-store `uri`."""
    getattr(frame, f"sink_{format}")(uri, storage_options=storage_options)


def write_file(frame: pl.DataFrame, path: str, format: str) -> None:
    """Write an in-memory frame to a local file and flush it to disk.

    Polars is imported here, not at module level, so the compiler can read `FORMATS` cheaply.
    Local files are written from a DataFrame, not sunk from a LazyFrame: a failing streaming
    sink can still create its output file after the error has been raised.
    """
    getattr(frame, f"write_{format}")(path)
    with open(path, "rb") as written:
        os.fsync(written.fileno())


def _supported() -> str:
    return ", ".join(sorted(_ALIASES))
