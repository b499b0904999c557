"""What calls into the `glacier` library (and `os`, and a few builtins) mean statically."""

from __future__ import annotations

import datetime
import decimal

from collections.abc import Callable
from typing import TYPE_CHECKING

from glacierc.frontend import surface
from glacierc.frontend.values import (ConfigVal, DeclRef, EnvVal, ExecutorVal, Method, ProviderVal, Qual,
                                      StorageVal, Unknown, Where, is_constant)
from glacierc.ir.nodes import ExecutorKind

if TYPE_CHECKING:
    from glacierc.frontend.evaluate import Evaluator

LEGACY_PROVIDERS = {"AWSProvider": "AwsConfig", "GCPProvider": "GcpConfig",
                    "AzureProvider": "AzureConfig", "LocalProvider": "LocalConfig"}
EXECUTOR_METHODS: dict[str, ExecutorKind] = {kind.value: kind for kind in ExecutorKind}  # provider.vm() ...
_STR_METHODS = {"upper", "lower", "strip", "lstrip", "rstrip", "replace", "format", "join", "title",
                "removeprefix", "removesuffix", "startswith", "endswith", "split", "capitalize"}
_BUILTINS = {"str": str, "int": int, "float": float, "bool": bool, "len": len, "tuple": tuple,
             "list": list, "min": min, "max": max, "sorted": sorted, "abs": abs, "round": round}
#: Builtins that only rearrange the items of known lists and tuples (storage and nodes included).
REARRANGING: dict[str, Callable[..., list]] = {"zip": lambda *seqs: [tuple(items) for items in zip(*seqs)],
                "enumerate": lambda seq, start=0: [(start + i, item) for i, item in enumerate(seq)],
                "reversed": lambda seq: list(reversed(seq))}
MAX_RANGE = 10_000
BUILTIN_NAMES = frozenset(_BUILTINS) | frozenset(REARRANGING) | {"range"}


def glacier_name(qual: str) -> str | None:
    """`glacier.config.AwsConfig` -> `AwsConfig`; None for names outside the library."""
    if qual == "glacier" or not qual.startswith("glacier."):
        return None
    return qual.rsplit(".", 1)[1]


def config_classes() -> dict:
    from glacier.config import CATALOGUE

    return CATALOGUE


def call(ev: Evaluator, callee: object, args: list, kwargs: dict, nodes: dict, where: Where) -> object:
    if isinstance(callee, Qual):
        return _call_qual(ev, callee.name, args, kwargs, nodes, where)
    if isinstance(callee, Method):
        return _call_method(ev, callee, args, kwargs, nodes, where)
    if isinstance(callee, DeclRef):
        return Unknown(f"`{callee.name}` is a task or pipeline; calling it is not a static value", where)
    return Unknown("this call cannot be evaluated statically", where)


def _call_qual(ev: Evaluator, qual: str, args: list, kwargs: dict, nodes: dict, where: Where) -> object:
    if qual in ("os.getenv", "os.environ.get"):
        return _getenv(ev, args, kwargs, where)
    if qual.startswith("builtins.") and qual[9:] in _BUILTINS:
        return _builtin(_BUILTINS[qual[9:]], args, kwargs, where)
    if qual.startswith("builtins.") and qual[9:] in REARRANGING:
        return _rearranging(qual[9:], args, kwargs, where)
    if qual == "builtins.range":
        return _range(args, kwargs, where)
    if qual in _TEMPORAL:
        return _temporal(qual, args, kwargs, where)
    name = glacier_name(qual)
    if name == "Provider":
        ev.observe(surface.keywords("Provider", _keyword_wheres(kwargs, nodes, where)))
        config = kwargs.get("config", args[0] if args else None)
        return ProviderVal(config if isinstance(config, ConfigVal) else None, where)
    if name in LEGACY_PROVIDERS:
        config = ConfigVal(LEGACY_PROVIDERS[name], dict(kwargs), where, _keyword_nodes(nodes))
        return ProviderVal(config, where, legacy=name)
    if name == "GlacierEnv":
        return EnvVal(where)
    if name is not None and name in config_classes():
        fields = dict(kwargs)
        for position, value in enumerate(args):
            fields[f"#{position}"] = value  # reported as GLC301 (configs take keyword arguments only)
        return ConfigVal(name, fields, where, dict(nodes))
    return Unknown(f"the call to `{qual}` cannot be evaluated statically", where)


def _argument_where(nodes: dict, keyword: str, position: int, where: Where) -> Where:
    node = nodes.get(keyword, nodes.get(position))
    return Where(where.module, where.index, node) if node is not None else where


def _keyword_nodes(nodes: dict) -> dict:
    return {k: v for k, v in nodes.items() if isinstance(k, str)}


def _keyword_wheres(kwargs: dict, nodes: dict, where: Where) -> list[tuple[str, Where]]:
    return [(k, _argument_where(nodes, k, -1, where)) for k in sorted(kwargs)]


def _call_method(ev: Evaluator, method: Method, args: list, kwargs: dict, nodes: dict, where: Where) -> object:
    target, attr = method.target, method.attr
    if isinstance(target, ProviderVal) and target.legacy is None and attr in ("bucket", *EXECUTOR_METHODS):
        ev.observe(surface.keywords(f"Provider.{attr}", _keyword_wheres(kwargs, nodes, where)))
    if isinstance(target, ProviderVal) and attr == "bucket":
        names = ("bucket", "path", "format", "config", "schema")
        bound = {**dict(zip(names, args)), **kwargs}
        config = bound.get("config")
        return StorageVal(target, bound.get("bucket", Unknown("`bucket=` is missing", where)),
                          bound.get("path", Unknown("`path=` is missing", where)), bound.get("format"),
                          config if isinstance(config, ConfigVal) else None, where,
                          bucket_where=_argument_where(nodes, "bucket", 0, where),
                          path_where=_argument_where(nodes, "path", 1, where),
                          schema_where=_argument_where(nodes, "schema", 4, where) if "schema" in bound else None,
                          existing=bound.get("existing", False),
                          existing_where=_argument_where(nodes, "existing", -1, where) if "existing" in bound else None)
    if isinstance(target, ProviderVal) and attr in EXECUTOR_METHODS:
        config = kwargs.get("config", args[0] if args and attr != "serverless" else None)
        if attr == "serverless" and config is None and args and isinstance(args[-1], ConfigVal):
            config = args[-1]
        return ExecutorVal(target, EXECUTOR_METHODS[attr], config if isinstance(config, ConfigVal) else None,
                           where)
    if isinstance(target, str) and attr in _STR_METHODS:
        if all(_plain(a) for a in (*args, *kwargs.values())):
            try:
                return getattr(target, attr)(*args, **kwargs)
            except (TypeError, ValueError, KeyError, IndexError) as error:
                return Unknown(f"`str.{attr}` fails: {error}", where)
    return Unknown(f"`.{attr}(...)` cannot be evaluated statically", where)


#: `datetime.date(2026, 1, 31)`, `Decimal("1.5")`...: built when every argument is a plain constant (no tzinfo).
_TEMPORAL = {"datetime.date": datetime.date, "datetime.datetime": datetime.datetime, "datetime.time": datetime.time,
             "datetime.timedelta": datetime.timedelta, "decimal.Decimal": decimal.Decimal}


def _temporal(qual: str, args: list, kwargs: dict, where: Where) -> object:
    if not all(isinstance(a, (int, str)) and not isinstance(a, bool) for a in (*args, *kwargs.values())):
        return Unknown(f"`{qual}(...)` of values that are not integers or strings", where)
    try:
        return _TEMPORAL[qual](*args, **kwargs)
    except (TypeError, ValueError, ArithmeticError, OverflowError) as error:
        return Unknown(f"`{qual}(...)` fails: {error}", where)


def _getenv(ev: Evaluator, args: list, kwargs: dict, where: Where) -> object:
    key = args[0] if args else kwargs.get("key")
    if not isinstance(key, str):
        return Unknown("the variable name given to `os.getenv` is not a constant", where)
    default = args[1] if len(args) > 1 else kwargs.get("default")
    return ev._env(key, default, required=False, where=where)


def _builtin(function, args: list, kwargs: dict, where: Where) -> object:
    if not all(_plain(a) for a in (*args, *kwargs.values())):
        return Unknown(f"`{function.__name__}(...)` over a value that is not a constant", where)
    try:
        return function(*args, **kwargs)
    except (TypeError, ValueError, OverflowError) as error:
        return Unknown(f"`{function.__name__}(...)` fails: {error}", where)


def _rearranging(name: str, args: list, kwargs: dict, where: Where) -> object:
    if not all(isinstance(a, (list, tuple, str)) for a in args) or not all(isinstance(v, int) for v in kwargs.values()):
        return Unknown(f"`{name}(...)` over a value that is not a known list, tuple or string", where)
    try:
        return REARRANGING[name](*args, **kwargs)
    except TypeError as error:
        return Unknown(f"`{name}(...)` fails: {error}", where)


def _range(args: list, kwargs: dict, where: Where) -> object:
    numbers = _builtin(range, args, kwargs, where)
    if isinstance(numbers, range) and len(numbers) <= MAX_RANGE:
        return list(numbers)
    return numbers if isinstance(numbers, Unknown) else Unknown(f"a range of more than {MAX_RANGE:,} numbers", where)


def _plain(value: object) -> bool:
    return is_constant(value)
