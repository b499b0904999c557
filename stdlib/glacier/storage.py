"""Buckets: one file in a bucket of some cloud, read and written with Polars.

A prefix (a `path` ending in `/`, such as `scratch/`) is a folder of objects, locally as in an object store:
`write(frame)` replaces one object below it, `<prefix>00000000.<format>` (PREFIX_OBJECT, the key the
compiled runner writes too, in a local run and in the cloud), and `scan()` reads its partitions.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import polars as pl

from glacier import datasets, formats, schemas
from glacier.config import Config

if TYPE_CHECKING:
    from glacier.provider import Provider

#: URI scheme of each cloud's object store (local buckets are plain paths).
SCHEMES: dict[str, str] = {"aws": "s3", "gcp": "gs", "azure": "az"}

#: The object below a prefix that `write(frame)` replaces: `<prefix>00000000.<format>`, the name Polars gives the
#: first file of a partitioned sink (glacierc/runtime/storage.py, the runner's, holds the same).
PREFIX_OBJECT = "00000000"

# Process-wide, not a ContextVar: threads started by task code must see it too.
_data_dir: Path | None = None


@contextmanager
def use_data_dir(data_dir: str | os.PathLike[str] | None) -> Iterator[None]:
    """While active, every bucket `b` with path `p` of any cloud resolves to `data_dir/b/p`."""
    global _data_dir
    previous = _data_dir
    _data_dir = Path(data_dir) if data_dir is not None else previous
    try:
        yield
    finally:
        _data_dir = previous


class Bucket:
    """One file (`path`) inside a bucket / container / local directory (`bucket`)."""

    def __init__(
        self,
        provider: Provider,
        bucket: str,
        path: str,
        format: str | None = None,
        config: Config | None = None,
        schema: Mapping[str, Any] | pl.Schema | None = None,
        *,
        storage_options: Mapping[str, str] | None = None,
    ) -> None:
        _check_location(bucket, path)
        self.provider = provider
        self.bucket = bucket
        self.path = path
        self.format = formats.detect_format(path, format)
        self.config = config
        self.schema = schemas.normalise(schema)
        self.storage_options = dict(storage_options) if storage_options is not None else None
        #: For one partition of a dataset (`dataset.partitions()`), the dataset it belongs to.
        self.dataset: Bucket | None = None

    def __repr__(self) -> str:
        return f"Bucket({self.get_uri()!r}, format={self.format!r})"

    def get_uri(self) -> str:
        """Where the file lives now: `data_dir/bucket/path` under an override, else its real URI (a prefix's ends
        in a separator, locally too)."""
        local_root = self._local_root()
        if local_root is not None:
            local = str(local_root / self.bucket / self.path)
            return local + os.sep if self.path.endswith("/") else local
        return f"{SCHEMES[self.provider.cloud]}://{self.bucket}/{self.path}"

    def scan(self) -> pl.LazyFrame:
        """A LazyFrame over the file; its columns are checked against the declared `schema` first.
        A local prefix is its partitions (hidden files, such as a write's temporary file, are none)."""
        if is_prefix(self.path) and self._local_root() is not None:
            paths = [part.get_uri() for part in self.partitions()]
            frame = formats.scan(paths, self.format, None, exact=True)
        else:  # a partition's key names its object, even when it holds `*`, `?` or `[`
            frame = formats.scan(self.get_uri(), self.format, self._options(), exact=self.dataset is not None)
        if self.schema is not None:
            schemas.check_read(self.schema, frame.collect_schema(), self._name())
        return frame

    def read(self) -> pl.DataFrame:
        """The whole file as a DataFrame."""
        return self.scan().collect()

    def write(self, frame: pl.DataFrame | pl.LazyFrame) -> str:
        """Replace the file with `frame` (below a prefix: the object PREFIX_OBJECT); returns the URI written.

        Local files are replaced atomically (a LazyFrame is collected first, so a failing query
        leaves the old file as it was); object stores stream the frame in one upload.
        """
        if not isinstance(frame, pl.DataFrame | pl.LazyFrame):
            raise TypeError(f"Bucket.write() expects a DataFrame or LazyFrame, got {type(frame).__name__}")
        if any(character in self.path for character in datasets.GLOB_CHARACTERS):
            raise ValueError(f"cannot write to {self.path!r}: a glob names the objects that match it, not one to write "
                             "(glacierc reports this as GLC223)")
        if self.schema is not None:
            schemas.check_write(self.schema, frame.lazy().collect_schema(), self._name())
        uri = self._written_object().get_uri()
        if self._local_root() is None:
            formats.sink(frame.lazy(), uri, self.format, self._options())
        else:
            data = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
            _write_atomically(data, Path(uri), self.format)
        return uri

    def partitions(self, *, max_parallel: int | None = None, tolerated_failures: int = 0) -> list[Bucket]:
        """One bucket per object of this dataset (a `path` that is a glob or ends in `/`), sorted by key.

        Objects are listed where the data lives now: below `data_dir` under an override, below the
        local provider's `base_path`, else in the object store itself (S3, GCS, Azure Blob; reached with the
        bucket's `storage_options`, else the environment, as Polars reaches it). Each partition has the methods
        of a bucket. `max_parallel` (runs of the mapped task at once) and `tolerated_failures` (failing objects
        the map tolerates) are read by the compiler and the engines that run the map; here they are only checked.
        """
        datasets.check_limits(max_parallel, tolerated_failures)
        if not datasets.is_dataset(self.path):
            raise TypeError(f"partitions() needs a dataset: a path that is a glob or ends in '/', got {self.path!r}")
        found = self._local_keys() if self._local_root() is not None else self._object_keys()
        return [self._partition(key) for key in sorted(k for k in found if datasets.matches(self.path, k))]

    def _local_keys(self) -> list[str]:
        base = Path(self._local_root() or ".") / self.bucket
        start = base / datasets.prefix(self.path)
        return [p.relative_to(base).as_posix() for p in start.rglob("*") if p.is_file()] if start.is_dir() else []

    def _object_keys(self) -> list[str]:
        # The runner's listing, one implementation for both (standard library only: it imports no Polars,
        # and a client library only for the store it lists).
        from glacierc.runtime.listing import object_keys

        return object_keys(self.get_uri(), self.bucket, datasets.prefix(self.path), self._options())

    def _partition(self, key: str) -> Bucket:
        part = copy.copy(self)
        part.path, part.dataset = key, self
        return part

    def _written_object(self) -> Bucket:
        """What write(frame) replaces: this file, or the object PREFIX_OBJECT below a prefix."""
        return self._partition(written_key(self.path, self.format)) if is_prefix(self.path) else self

    def _name(self) -> str:
        return f"bucket {self.bucket}/{self.path}"

    def _local_root(self) -> Path | None:
        if _data_dir is not None:
            return _data_dir
        if self.provider.cloud == "local":
            return Path(self.provider.config.base_path)  # type: ignore[attr-defined]
        return None

    def _options(self) -> dict[str, str] | None:
        return None if self._local_root() is not None else self.storage_options


def is_prefix(path: str) -> bool:
    """Whether `path` names a folder of objects (`events/`), not one file or a glob."""
    return datasets.is_dataset(path) and datasets.prefix(path) == path


def written_key(path: str, format: str) -> str:
    """The key `write(frame)` replaces: `path` for a file, PREFIX_OBJECT below a prefix."""
    return f"{path}{PREFIX_OBJECT}.{format}" if is_prefix(path) else path


def _check_location(bucket: str, path: str) -> None:
    if not isinstance(bucket, str) or not bucket or "/" in bucket or "\\" in bucket:
        raise ValueError(f"bucket must be a non-empty name without '/', got {bucket!r}")
    if not isinstance(path, str) or not path:
        raise ValueError(f"path must be a non-empty string, got {path!r}")
    parts = PurePosixPath(path).parts
    if path.startswith("/") or ".." in parts:
        raise ValueError(f"path must be relative to the bucket, without '..': {path!r}")


def _write_atomically(frame: pl.DataFrame, target: Path, format: str) -> None:
    """Write next to `target` under a hidden temporary name, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        formats.write_file(frame, str(temporary), format)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
