"""What column analysis computes: frames (their columns, dtypes and where each column comes from) and
expressions. A frame whose columns are not all known is `None` ("unknown from here on"): nothing is reported
about it, so the analysis never raises a false error."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass(frozen=True, slots=True)
class Column:
    dtype: str | None  # as `str(dtype)` prints it; None: not known statically
    sources: frozenset[str] = frozenset()  # `storage.column` it derives from (lineage)


@dataclass(frozen=True, slots=True)
class Frame:
    """A LazyFrame or DataFrame whose columns are all known, in order."""

    columns: tuple[tuple[str, Column], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def get(self, name: str) -> Column | None:
        return next((column for n, column in self.columns if n == name), None)

    def with_column(self, name: str, column: Column) -> Frame:
        if self.get(name) is None:
            return Frame((*self.columns, (name, column)))
        return Frame(tuple((n, column if n == name else c) for n, c in self.columns))

    def without(self, names: set[str]) -> Frame:
        return Frame(tuple((n, c) for n, c in self.columns if n not in names))

    def schema(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, column.dtype or "Unknown") for name, column in self.columns)


@dataclass(frozen=True, slots=True)
class Expr:
    """A Polars expression evaluated against a frame: its output name and column (None: not known)."""

    name: str | None
    column: Column | None
    aggregated: bool = False


@dataclass(frozen=True, slots=True)
class BucketRef:
    """A bucket (a task parameter or module-level storage): its IR name and declared columns."""

    storage: str
    schema: Frame | None


@dataclass(frozen=True, slots=True)
class Grouped:
    frame: Frame
    keys: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Deferred:
    """An expression bound to a local name (`cond = pl.col("x") > 1`), evaluated against the frame it meets."""

    node: cst.BaseExpression


@dataclass(slots=True)
class Finding:
    """What the rules judge (recorded as IR facts): a column that does not exist, a join key missing on one
    side, a write whose columns differ from the target's declared schema, a comparison of incompatible dtypes."""

    kind: str
    subject: str
    node: cst.CSTNode
    context: str = ""
    candidates: tuple[str, ...] = ()


@dataclass(slots=True)
class Writes:
    """Per written storage, the lineage of each column written."""

    columns: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(default_factory=dict)
