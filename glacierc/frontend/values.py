"""What static evaluation produces: plain Python constants, or one of these markers."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from glacierc.ir.nodes import TEMPORAL_TYPES, ExecutorKind


@dataclass(frozen=True, slots=True)
class Where:
    """A syntax node and the file and top-level statement it sits in (enough to compute its span)."""

    module: str
    index: int
    node: cst.CSTNode


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be known statically; `reason` explains why, `where` points at the cause."""

    reason: str
    where: Where | None = None
    undefined: str | None = None  # the name that is not defined anywhere, when that is the cause


@dataclass(frozen=True, slots=True)
class Observation:
    """Something the frontend could not understand, kept for the rules to judge (see `ir.Fact`)."""

    kind: str
    subject: str
    where: Where
    context: str = ""
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Qual:
    """A name from outside the project, fully qualified (`glacier.config.AwsConfig`, `os.getenv`)."""

    name: str


@dataclass(frozen=True, slots=True)
class ModuleRef:
    """A module of the project, as a value (`import tasks`)."""

    module: str


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """An undecorated function defined at module level in the project (a static helper)."""

    module: str
    name: str
    where: Where

    @property
    def function(self) -> cst.FunctionDef:
        """The `def` itself (`where.node`; the evaluator makes a FunctionRef of nothing else)."""
        assert isinstance(self.where.node, cst.FunctionDef), self.where.node
        return self.where.node


@dataclass(eq=False, slots=True)
class ConfigVal:
    """A config constructor call (`LambdaConfig(...)`) with its statically known fields."""

    type: str
    fields: dict[str, object]
    where: Where
    field_nodes: dict[str, cst.CSTNode] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class ProviderVal:
    """A `Provider(...)` value."""

    config: ConfigVal | None
    where: Where
    legacy: str | None = None  # AWSProvider & co (GLC101)
    name: str | None = None  # the variable it is bound to, set when a declaration is registered


@dataclass(eq=False, slots=True)
class StorageVal:
    """A `provider.bucket(...)` value."""

    provider: ProviderVal
    bucket: object
    path: object
    format: object
    config: ConfigVal | None
    where: Where
    name: str | None = None
    #: The syntax nodes of the `bucket` and `path` arguments (what a name or path diagnostic points at).
    bucket_where: Where | None = None
    path_where: Where | None = None
    schema_where: Where | None = None  # the `schema=` argument, read by the column analysis
    existing: object = False  # `existing=`: the bucket exists already (a data source, not a resource)
    existing_where: Where | None = None


@dataclass(eq=False, slots=True)
class ExecutorVal:
    """An executor value (`provider.serverless(...)` and friends)."""

    provider: ProviderVal
    kind: ExecutorKind
    config: ConfigVal | None
    where: Where
    name: str | None = None


@dataclass(eq=False, slots=True)
class EnvVal:
    """An old-API `GlacierEnv(...)` (GLC102)."""

    where: Where


@dataclass(frozen=True, slots=True)
class Method:
    """`obj.attr` where obj is a project value: a bound method we understand (provider.bucket...)."""

    target: object
    attr: str


@dataclass(frozen=True, slots=True)
class DeclRef:
    """A reference to a decorated declaration (task or pipeline) by its function name."""

    module: str
    name: str


MARKERS = (Unknown, Qual, ModuleRef, FunctionRef, ConfigVal, ProviderVal, StorageVal, ExecutorVal, EnvVal,
           Method, DeclRef)


# ---- what counts as a static constant: the one definition every pass uses ----------------------------

#: Python's literal scalars (with None): what every kind of constant is built from.
SCALARS = (str, int, float, bool)
#: Leaves a task argument may also have (rebuilt by the runner from their text).
ARGUMENT_LEAVES = TEMPORAL_TYPES
#: Leaves the evaluator computes with besides the scalars (`b"..."`, `1j`, dates and decimals).
PYTHON_LEAVES = (bytes, complex, *TEMPORAL_TYPES)


def is_scalar(value: object) -> bool:
    return value is None or isinstance(value, SCALARS)


def is_constant(value: object, leaves: tuple[type, ...] = (), *, str_keys: bool = False) -> bool:
    """A static constant: a scalar or one of `leaves` (e.g. `ConfigVal`, ARGUMENT_LEAVES), or lists, tuples and
    dicts of constants; dict keys are constants too (strings only with `str_keys`: what JSON can hold).
    Markers (a storage, a node's result, an unknown value...) never are."""
    if isinstance(value, (list, tuple)):
        return all(is_constant(v, leaves, str_keys=str_keys) for v in value)
    if isinstance(value, dict):
        return all((isinstance(k, str) if str_keys else is_hashable_constant(k))
                   and is_constant(v, leaves, str_keys=str_keys) for k, v in value.items())
    return is_scalar(value) or isinstance(value, leaves)


def is_hashable_constant(value: object) -> bool:
    """A constant that can be a dict key or be looked up in one: a scalar, a date or decimal, or a tuple of them."""
    if isinstance(value, tuple):
        return all(is_hashable_constant(item) for item in value)
    return is_scalar(value) or isinstance(value, TEMPORAL_TYPES)


def has_known_truth(value: object) -> bool:
    """Whether `if value:` can be decided statically: a constant scalar, or any list, tuple, dict or set (its
    truth is its length, whatever it holds)."""
    return isinstance(value, (list, tuple, dict, set, frozenset)) or is_scalar(value) or isinstance(value, PYTHON_LEAVES)


def storages_in(value: object, depth: int = 0) -> list[StorageVal]:
    """The named storage a value is or holds (in lists, tuples and dict values, a few levels deep)."""
    if isinstance(value, StorageVal):
        return [value] if value.name else []
    if depth > 4:
        return []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return [s for item in items for s in storages_in(item, depth + 1)]
