"""Machinery behind `glacier.config`: field declarations and the one generic checker.

Every config field is declared with `spec()`, which stores its limits in the dataclass field
metadata under the key ``"glacier"``. `Config.__post_init__` and `check_value` read those limits
back through `fields_of` and validate any field of any class the same way, so a new field or a
new class needs no validation code of its own. The compiler calls `fields_of` / `check_value`
to report GLC301 / GLC302 without running user code.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, dataclass
from typing import Any, ClassVar

_META_KEY = "glacier"

#: Filled by `glacier.config` with every config class, keyed by class name.
CATALOGUE: dict[str, type[Config]] = {}

# Per-class memos: classes are immutable once defined.
_FIELD_SPECS: dict[type[Config], tuple[FieldSpec, ...]] = {}
_TYPE_HINTS: dict[type[Config], dict[str, Any]] = {}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Limits of one config field, as the compiler reads them."""

    name: str
    default: object
    required: bool
    minimum: int | float | None
    maximum: int | float | None
    choices: tuple[object, ...] | None
    unit: str
    doc: str
    fold: Callable[[str], str] | None = None  # choices compared through it (e.g. without case)


def fold_case(text: str) -> str:
    """Choices compared without case: `tier="hot"` is `"Hot"`."""
    return text.casefold()


def fold_case_and_spaces(text: str) -> str:
    """Choices compared without case and spaces: `"West Europe"` is `"westeurope"`."""
    return "".join(text.split()).casefold()


def spec(
    default: Any = MISSING,
    *,
    minimum: int | float | None = None,
    maximum: int | float | None = None,
    choices: tuple[object, ...] | None = None,
    unit: str = "",
    doc: str = "",
    factory: Any = None,
    fold: Callable[[str], str] | None = None,
) -> Any:
    """Declare a config field with its limits; no default and no factory means required.

    With `fold`, a string is one of the `choices` when it folds to the same text as a choice
    (`fold_case`, `fold_case_and_spaces`), and the config holds the choice's own spelling."""
    meta = {
        _META_KEY: {
            "minimum": minimum,
            "maximum": maximum,
            "choices": tuple(choices) if choices is not None else None,
            "unit": unit,
            "doc": doc,
            "fold": fold,
        }
    }
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Config:
    """Base of every config class; validates all fields generically after construction."""

    CLOUD: ClassVar[str] = "any"
    ROLE: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for field in fields_of(type(self)):
            value = getattr(self, field.name)
            message = check_value(type(self), field.name, value)
            if message is not None:
                raise ValueError(message)
            object.__setattr__(self, field.name, _normalise(type(self), field.name, value))
        for _, message in self.field_rules({f.name: getattr(self, f.name) for f in fields_of(type(self))}):
            raise ValueError(message)

    @classmethod
    def field_rules(cls, values: Mapping[str, object]) -> Iterator[tuple[str, str]]:
        """Limits that depend on other fields, as (field, message). `values` holds the fields
        known (the compiler leaves out those it cannot evaluate): a rule skips what is absent."""
        return iter(())


def cross_field_problems(cls_or_name: type[Config] | str, values: Mapping[str, object]) -> list[tuple[str, str]]:
    """(field, message) for every rule of the class that `values` (defaults filled in) breaks."""
    cls = config_class(cls_or_name)
    known = {spec_.name: spec_.default for spec_ in fields_of(cls)}
    known.update(values)
    return list(cls.field_rules(known))


def canonical(cls_or_name: type[Config] | str, field: str, value: object) -> object:
    """The catalogue's own spelling of a choice given in another case (or with spaces)."""
    spec_ = {s.name: s for s in fields_of(cls_or_name)}.get(field)
    return value if spec_ is None else _canonical_choice(spec_, value)


def config_class(cls_or_name: type[Config] | str) -> type[Config]:
    """The config class for a class or its name (KeyError for an unknown name)."""
    if isinstance(cls_or_name, str):
        try:
            return CATALOGUE[cls_or_name]
        except KeyError:
            raise KeyError(f"unknown config class {cls_or_name!r}") from None
    if isinstance(cls_or_name, type) and issubclass(cls_or_name, Config):
        return cls_or_name
    raise TypeError(f"expected a config class or its name, got {cls_or_name!r}")


def fields_of(cls_or_name: type[Config] | str) -> tuple[FieldSpec, ...]:
    """The FieldSpecs of a config class, in declaration order."""
    return _fields_of(config_class(cls_or_name))


def _fields_of(cls: type[Config]) -> tuple[FieldSpec, ...]:
    if cls not in _FIELD_SPECS:
        _FIELD_SPECS[cls] = tuple(_field_spec(field) for field in dataclasses.fields(cls))
    return _FIELD_SPECS[cls]


def _field_spec(field: dataclasses.Field[Any]) -> FieldSpec:
    meta = field.metadata.get(_META_KEY, {})
    required = field.default is MISSING and field.default_factory is MISSING
    default = field.default_factory() if field.default_factory is not MISSING else field.default
    return FieldSpec(
        name=field.name,
        default=default,
        required=required,
        minimum=meta.get("minimum"),
        maximum=meta.get("maximum"),
        choices=meta.get("choices"),
        unit=meta.get("unit", ""),
        doc=meta.get("doc", ""),
        fold=meta.get("fold"),
    )


def check_value(cls_or_name: type[Config] | str, field: str, value: object) -> str | None:
    """None when `value` is allowed for `cls.field`, else the message `ValueError` would carry."""
    cls = config_class(cls_or_name)
    specs = {spec_.name: spec_ for spec_ in fields_of(cls)}
    if field not in specs:
        return _unknown_field_message(cls, field, list(specs))
    subject = f"{cls.__name__}.{field} = {value!r}"
    type_problem = _type_problem(cls, field, value)
    if type_problem is not None:
        return f"{subject} {type_problem}"
    if value is None:
        return None
    return _nested_problem(cls, field, value) or _limit_problem(subject, specs[field], value)


def _unknown_field_message(cls: type[Config], field: str, known: list[str]) -> str:
    import difflib  # only on this error path: keeps `import glacier.config` light

    message = f"{cls.__name__} has no field {field!r}"
    close = difflib.get_close_matches(field, known, n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    return message + f"; fields: {', '.join(known)}"


def _limit_problem(subject: str, spec_: FieldSpec, value: object) -> str | None:
    unit = f" {spec_.unit}" if spec_.unit else ""
    if spec_.choices is not None and _canonical_choice(spec_, value) not in spec_.choices:
        allowed = ", ".join(repr(choice) for choice in spec_.choices)
        return f"{subject} is not one of {allowed}"
    if not isinstance(value, int | float):
        return None
    low, high = spec_.minimum, spec_.maximum
    if low is not None and high is not None and not low <= value <= high:
        return f"{subject} is outside {low}..{high}{unit}"
    if low is not None and high is None and value < low:
        return f"{subject} is below the minimum {low}{unit}"
    if high is not None and low is None and value > high:
        return f"{subject} is above the maximum {high}{unit}"
    return None


def _canonical_choice(spec_: FieldSpec, value: object) -> object:
    if spec_.fold is None or not isinstance(value, str) or spec_.choices is None:
        return value
    folded = spec_.fold(value)
    return next((c for c in spec_.choices if isinstance(c, str) and spec_.fold(c) == folded), value)


# --- types ------------------------------------------------------------------------------------


def _hints(cls: type[Config]) -> dict[str, Any]:
    if cls not in _TYPE_HINTS:
        _TYPE_HINTS[cls] = typing.get_type_hints(cls)
    return _TYPE_HINTS[cls]


def _type_problem(cls: type[Config], field: str, value: object) -> str | None:
    """None if `value` fits the field's annotation, else 'has type X, expected Y'."""
    annotation = _hints(cls)[field]
    if _fits(annotation, value):
        return None
    return f"has type {type(value).__name__}, expected {_type_name(annotation)}"


def _fits(annotation: Any, value: object) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(arg, value) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin is tuple:
        item = typing.get_args(annotation)[0]
        return isinstance(value, tuple | list) and all(_fits_item(item, element) for element in value)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True


def _fits_item(item: Any, value: object) -> bool:
    """A nested config (e.g. a lifecycle rule) may also be written as a dict of its fields."""
    if isinstance(item, type) and issubclass(item, Config) and isinstance(value, Mapping):
        return True
    return _fits(item, value)


def _nested_problem(cls: type[Config], field: str, value: object) -> str | None:
    """Check the fields of nested configs written as dicts (instances checked themselves)."""
    item = _tuple_item(cls, field)
    if item is None or not isinstance(value, tuple | list):
        return None
    for index, element in enumerate(value):
        if not isinstance(element, Mapping):
            continue
        for key, nested in element.items():
            problem = check_value(item, str(key), nested)
            if problem is not None:
                return f"{cls.__name__}.{field}[{index}]: {problem}"
    return None


def _tuple_item(cls: type[Config], field: str) -> type[Config] | None:
    annotation = _hints(cls)[field]
    if typing.get_origin(annotation) is not tuple:
        return None
    item = typing.get_args(annotation)[0]
    return item if isinstance(item, type) and issubclass(item, Config) else None


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(arg) for arg in typing.get_args(annotation))
    if origin is tuple:
        return f"tuple[{_type_name(typing.get_args(annotation)[0])}, ...]"
    if annotation is type(None):
        return "None"
    return getattr(annotation, "__name__", str(annotation))


def _normalise(cls: type[Config], field: str, value: object) -> object:
    """Lists become tuples and dicts become the nested config class (e.g. lifecycle rules)."""
    origin: object = typing.get_origin(_hints(cls)[field])
    if isinstance(value, str):
        return canonical(cls, field, value)
    if origin is not tuple or not isinstance(value, list | tuple):
        return value
    item = _tuple_item(cls, field)
    if item is None:
        return tuple(value)
    return tuple(item(**element) if isinstance(element, Mapping) else element for element in value)
