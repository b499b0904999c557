"""Typed reading of IR configs: `typed_config(executor.config, LambdaConfig).timeout` is an `int`.

The IR keeps a config as the user wrote it (`ir.Config`: the class name and the fields that were
evaluated), because the rules need exactly that (which fields were given, a class of another cloud).
The backends need every field with its type: `typed_config` builds the catalogue's own frozen
dataclass (glacier/config.py) from it, each field the user's value or the catalogue default, nested
values converted to what the dataclass declares (a tuple of `LifecycleRule`, a dict).

The instance is not validated again: `check` has reported every problem before a build, so this
reads, it does not judge. A value that does not fit its field's declared type (reachable only with
the rule that reports it switched off) reads as the default and a required field left out (GLC304) as
the empty value, so a field always holds what its annotation says. A config of another class
(GLC303/GLC305) contributes nothing but the defaults.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from glacierc.ir.nodes import Config

if TYPE_CHECKING:
    from glacier.config import Config as CatalogueConfig

C = TypeVar("C", bound="CatalogueConfig")

#: What the conversion returns for a value that does not fit its field's type.
_MISFIT = object()
#: What a required field without a value reads as (GcpConfig.project_id left out): the empty value.
_BLANKS: dict[object, object] = {str: "", int: 0, bool: False}


def typed_config(config: Config | None, cls: type[C]) -> C:
    """`cls` with the fields of `config` (when it is a `cls` config) over the catalogue defaults."""
    given = dict(config.fields) if config is not None and config.type == cls.__name__ else {}
    return _build(cls, given)


def _build(cls: type[C], given: Mapping[str, object]) -> C:
    from glacier.config import fields_of

    hints = _hints(cls)
    instance = cls.__new__(cls)
    for spec in fields_of(cls):
        value = _convert(hints[spec.name], given[spec.name]) if spec.name in given else _MISFIT
        if value is _MISFIT:
            value = _BLANKS.get(hints[spec.name], _MISFIT) if spec.required else spec.default
        if value is _MISFIT:
            raise TypeError(f"{cls.__name__}.{spec.name} is required and has no empty value")  # a catalogue bug
        object.__setattr__(instance, spec.name, value)  # frozen: set once, as the dataclass' __init__ does
    return instance


def _convert(annotation: Any, value: object) -> object:
    """`value` as `annotation` declares it, or `_MISFIT`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return next((found for arg in typing.get_args(annotation)
                     if (found := _convert(arg, value)) is not _MISFIT), _MISFIT)
    if origin is tuple:
        return _sequence(typing.get_args(annotation)[0], value)
    if origin in (dict, Mapping):
        return _mapping(typing.get_args(annotation)[1], value)
    if isinstance(annotation, type) and _is_catalogue_class(annotation):
        return _nested(annotation, value)
    return value if _fits(annotation, value) else _MISFIT


def _fits(annotation: Any, value: object) -> bool:
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation in (int, float):  # an int is a float (PEP 484's numeric tower); a bool is neither here
        return isinstance(value, (int, float) if annotation is float else int) and not isinstance(value, bool)
    return isinstance(annotation, type) and isinstance(value, annotation)


def _sequence(item: Any, value: object) -> object:
    if not isinstance(value, tuple):
        return _MISFIT
    converted = tuple(_convert(item, element) for element in value)
    return _MISFIT if any(element is _MISFIT for element in converted) else converted


def _mapping(item: Any, value: object) -> object:
    if not isinstance(value, Config) or value.type != "dict":
        return _MISFIT
    converted = {key: _convert(item, element) for key, element in value.fields}
    return _MISFIT if any(element is _MISFIT for element in converted.values()) else converted


def _nested(cls: type, value: object) -> object:
    """A nested config (a lifecycle rule) written as its class or as a dict of its fields."""
    if not isinstance(value, Config) or value.type not in (cls.__name__, "dict"):
        return _MISFIT
    return _build(cls, dict(value.fields))


def _is_catalogue_class(cls: type) -> bool:
    from glacier.config import Config as CatalogueConfig

    return issubclass(cls, CatalogueConfig)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]
