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


#: Pseudo dtypes of Python literals next to a column (`pl.col("x") + 1`, `.otherwise(None)`): Polars gives a
#: literal the column's dtype where it fits. An integer's pseudo dtype carries its value (`int:300`): whether it
#: fits, and what it widens the column to, depends on it.
OTHER_LITERALS = ("float", "str", "bool", "null")
_BITS = {"Int8": 8, "Int16": 16, "Int32": 32, "Int64": 64, "Int128": 128, "UInt8": 8, "UInt16": 16, "UInt32": 32,
         "UInt64": 64}
_MATERIAL = {"float": "Float64", "str": "String", "bool": "Boolean", "null": "Null"}


def literal(value: object) -> str | None:
    """The pseudo dtype of a Python constant."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return f"int:{value}"
    return {float: "float", str: "str"}.get(type(value))


def is_literal(dtype: str | None) -> bool:
    return dtype is not None and (dtype in OTHER_LITERALS or dtype.startswith("int:"))


def _int(dtype: str) -> int | None:
    return int(dtype[4:]) if dtype.startswith("int:") else None


def _fitting(value: int, signed: bool) -> str | None:
    """The narrowest integer dtype holding `value`."""
    for bits in (8, 16, 32, 64, 128):
        low, high = (-2 ** (bits - 1), 2 ** (bits - 1)) if signed else (0, 2 ** bits)
        if low <= value < high and (signed or bits < 128):
            return f"{'' if signed else 'U'}Int{bits}"
    return None


def materialize(dtype: str | None) -> str | None:
    """The dtype a column gets from a literal standing alone (`pl.lit(1)`: Int32)."""
    value = _int(dtype) if dtype is not None else None
    if value is not None:
        return "Int32" if -2**31 <= value < 2**31 else "Int64" if -2**63 <= value < 2**63 else _fitting(value, False)
    return _MATERIAL.get(dtype, dtype) if dtype is not None else None


def supertype(left: str | None, right: str | None) -> str | None:
    """The dtype Polars gives two sides it combines (`+`, `when/then/otherwise`, `vertical_relaxed`,
    `unpivot`): the numeric promotion table, a literal taking the column's dtype where it fits, String with
    any number, boolean or temporal value, Date with Datetime. None where it is not certain."""
    if left is None or right is None:
        return None
    if left == right:
        return left
    if is_literal(left) or is_literal(right):
        return _with_literal(left, right) if is_literal(right) else _with_literal(right, left)
    if left in NUMERIC and right in NUMERIC:
        return _numeric(left, right)
    if "String" in (left, right) and {left, right} - {"String"} <= {*NUMERIC, "Boolean", "Date"} | _DATETIMES:
        return "String"
    if {left, right} == {"Date", *({left, right} & _DATETIMES)} and len({left, right} & _DATETIMES) == 1:
        return left if left != "Date" else right
    return None


_DATETIMES = {f"Datetime(time_unit='{u}', time_zone=None)" for u in ("ns", "us", "ms")}


def _numeric(left: str, right: str) -> str:
    if left in FLOATS or right in FLOATS:
        other = right if left in FLOATS else left
        if "Float64" in (left, right) or _BITS.get(other, 0) >= 32:
            return "Float64"
        return "Float32"
    signed = [d for d in (left, right) if not d.startswith("U")]
    if len(signed) != 1:  # both signed or both unsigned: the wider
        return max(left, right, key=_BITS.__getitem__)
    unsigned = right if signed[0] == left else left
    bits = max(_BITS[signed[0]], 2 * _BITS[unsigned])
    return f"Int{bits}"


def _with_literal(other: str, literal_: str) -> str | None:
    """`other` (a dtype or a pseudo dtype) with a literal's pseudo dtype."""
    if literal_ == "null" or other == "null":
        return other if literal_ == "null" else literal_
    value, other_value = _int(literal_), _int(other)
    if is_literal(other):  # two literals: two integers in Int32 stay an integer literal, with a float a float
        if value is not None and other_value is not None:
            wider = max(value, other_value, key=abs)
            return f"int:{wider}" if all(-2**31 <= v < 2**31 for v in (value, other_value)) else None
        return "float" if all(d == "float" or _int(d) is not None for d in (literal_, other)) else None
    if other in INTEGERS and value is not None:
        return _int_with_column(other, value)
    if other in INTEGERS and literal_ == "float":
        return "Float64"
    if other in FLOATS:
        return other if value is not None or literal_ == "float" else None
    return other if other == "String" and literal_ == "str" else None


def _int_with_column(column: str, value: int) -> str | None:
    """An integer column with an integer literal: the column's dtype, widened until the value fits."""
    signed = not column.startswith("U")
    if signed or value >= 0:
        fitting = _fitting(value, signed)
        return max(column, fitting, key=_BITS.__getitem__) if fitting is not None else None
    if column == "UInt64":  # a negative value with UInt64: Int64 (not the Int128 of two columns)
        return "Int64" if value >= -2**63 else None
    fitting = _fitting(value, True)  # a negative value with another unsigned column: their supertype
    return _numeric(column, fitting) if fitting is not None else None


def arithmetic(left: str | None, right: str | None, operator: str) -> str | None:
    """The dtype of `left <op> right`: `+ - * // %` of numbers take the supertype, `/` is floating, `+` of
    strings concatenates. Anything else (temporal arithmetic, `**`) is not known."""
    combined = supertype(left, right)
    if operator == "+" and combined == "String" and {left, right} <= {"String", "str"}:
        return "String"
    numeric = combined is not None and (combined in (*NUMERIC, "Int128", "float") or _int(combined) is not None)
    if not numeric or operator == "**":
        return None
    if operator != "/":
        return combined
    return "Float64" if combined not in (*FLOATS, "float") else combined


def comparable(left: str | None, right: str | None) -> bool:
    """False only when both dtypes are known and Polars refuses to compare them: a string with a number or with
    a date/datetime. (A boolean or a date compared with a number, or a string with a boolean, Polars casts.)"""
    if left is None or right is None:
        return True
    return {_kind(left), _kind(right)} not in ({"string", "number"}, {"string", "temporal"})


def _kind(dtype: str) -> str | None:
    if dtype in (*NUMERIC, "float") or _int(dtype) is not None:
        return "number"
    if dtype in ("String", "str"):
        return "string"
    if dtype == "Date" or dtype.startswith("Datetime"):
        return "temporal"
    return None


def list_inner(dtype: str | None) -> str | None:
    if dtype is not None and dtype.startswith("List(") and dtype.endswith(")"):
        return dtype[5:-1]
    return None
