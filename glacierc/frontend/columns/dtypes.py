"""Polars dtypes as the compiler knows them: their names as `str(dtype)` prints them, read from source
(`pl.Int64`, `pl.List(pl.String)`, `pl.Datetime("us")`) and combined by the rules Polars applies where they are
certain. `None` is "not known statically": it never causes a diagnostic."""

from __future__ import annotations

from glacierc.frontend.values import Qual

INTEGERS = ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64")
FLOATS = ("Float32", "Float64")
NUMERIC = (*INTEGERS, *FLOATS)
SIMPLE = frozenset((*NUMERIC, "String", "Boolean", "Date", "Time", "Null", "Binary", "Categorical", "Object",
                    "Decimal", "Datetime", "Duration", "Int128"))
ALIASES = {"Utf8": "String", "Float": "Float64", "Int": "Int64", "Bool": "Boolean"}


def from_qual(qual: Qual) -> str | None:
    """`polars.Int64` -> "Int64" (a dtype written without call)."""
    module, _, name = qual.name.rpartition(".")
    if module not in ("polars", "polars.datatypes"):
        return None
    name = ALIASES.get(name, name)
    if name == "Datetime":
        return "Datetime(time_unit='us', time_zone=None)"
    if name == "Duration":
        return "Duration(time_unit='us')"
    return name if name in SIMPLE else None


def from_call(qual: Qual, args: list[object], kwargs: dict[str, object]) -> str | None:
    """`pl.List(pl.Int64)`, `pl.Datetime("ms")`, `pl.Datetime(time_zone="UTC")`, `pl.Duration("ns")`."""
    module, _, name = qual.name.rpartition(".")
    if module not in ("polars", "polars.datatypes"):
        return None
    if name in ("List", "Array") and len(args) >= 1 and isinstance(args[0], str) and name == "List":
        return f"List({args[0]})"
    if name in ("Datetime", "Duration"):
        unit = kwargs.get("time_unit", args[0] if args else "us")
        if unit not in ("ns", "us", "ms"):
            return None
        if name == "Duration":
            return None if len(args) > 1 or set(kwargs) - {"time_unit"} else f"Duration(time_unit='{unit}')"
        zone = kwargs.get("time_zone", args[1] if len(args) > 1 else None)
        if zone is not None and not isinstance(zone, str):
            return None
        return f"Datetime(time_unit='{unit}', time_zone={zone!r})"
    return None


def arithmetic(left: str | None, right: str | None, operator: str) -> str | None:
    """The dtype of `left <op> right` where Polars' result is certain; `literal` stands for a Python int or
    float literal on one side (it takes the column's dtype, a float literal makes an integer column Float64)."""
    if operator == "/":  # true division is floating
        kinds = {left, right}
        if "Float32" in kinds and kinds <= {"Float32", "int", "float"}:
            return "Float32"
        return "Float64" if kinds & set(NUMERIC) and kinds <= {*NUMERIC, "int", "float"} else None
    if left == right and left in NUMERIC:
        return left
    for column, literal in ((left, right), (right, left)):
        if column in INTEGERS and literal == "int" or column in FLOATS and literal in ("int", "float"):
            return column
        if column in INTEGERS and literal == "float":
            return "Float64"
    if "Float64" in (left, right) and {left, right} - {"Float64"} <= set(INTEGERS):
        return "Float64"  # Float64 with any integer column: Float64
    return None


def comparable(left: str | None, right: str | None) -> bool:
    """False only when both dtypes are known and Polars cannot compare them (a number with a string...)."""
    if left is None or right is None:
        return True
    kinds = [_kind(left), _kind(right)]
    return None in kinds or kinds[0] == kinds[1]


def _kind(dtype: str) -> str | None:
    if dtype in (*NUMERIC, "int", "float"):
        return "number"
    if dtype in ("String", "str", "Categorical"):
        return "string"
    if dtype in ("Boolean", "bool"):
        return "boolean"
    if dtype == "Date" or dtype.startswith("Datetime"):
        return "temporal"
    return None


def list_inner(dtype: str | None) -> str | None:
    if dtype is not None and dtype.startswith("List(") and dtype.endswith(")"):
        return dtype[5:-1]
    return None
