"""IR nodes: frozen, slotted dataclasses with spans. No LibCST objects in here.

Config values are stored as `Config` (a class name plus sorted `(field, value)` pairs) so the whole IR
stays hashable and immutable; `value` is a JSON-like Python value (str, int, float, bool, None,
tuples, nested `Config`); the backends read them typed (glacierc/ir/configs.py). Clouds and the kinds of
executors, parameters, inputs and edges are `StrEnum`s: members are the strings ir.json writes, so they
compare, hash, format and serialise as those strings. A node's inputs are one class per kind (`Input`).
"""

from __future__ import annotations

import datetime
import decimal
import enum

from dataclasses import dataclass, field
from typing import ClassVar

from glacierc.source import Span

IR_VERSION = 1



class Cloud(enum.StrEnum):
    """The cloud of a provider (from its config class: AwsConfig is AWS, a config of no cloud is LOCAL)."""

    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"
    LOCAL = "local"


class ExecutorKind(enum.StrEnum):
    """The kind of service an executor is (`provider.serverless()` ...), before a cloud gives it a name."""

    LOCAL = "local"
    SERVERLESS = "serverless"
    VM = "vm"
    CLUSTER = "cluster"


class Service(enum.StrEnum):
    """What runs an executor on a cloud: each Terraform target maps (executor kind, config class) to one."""

    LOCAL = "local"  # on a cloud: in a generated function (AWS Lambda, GCP Cloud Function) or app (Azure)
    LAMBDA = "lambda"
    EC2 = "ec2"
    EMR = "emr"
    DATABRICKS = "databricks"
    FUNCTION = "function"  # Cloud Functions (GCP), Azure Functions
    VM = "vm"  # Compute Engine, Azure VM
    DATAPROC = "dataproc"
    HDINSIGHT = "hdinsight"


class ParamKind(enum.StrEnum):
    """How a task parameter binds its argument."""

    POSITIONAL = "positional"
    KEYWORD_ONLY = "keyword_only"
    VAR_POSITIONAL = "var_positional"
    VAR_KEYWORD = "var_keyword"


class InputKind(enum.StrEnum):
    """What a task call passes to a parameter (see `Input`)."""

    NODE = "node"
    NODES = "nodes"
    STORAGE = "storage"
    PARTITION = "partition"
    CONST = "const"
    UNKNOWN = "unknown"


class EdgeKind(enum.StrEnum):
    """A data edge passes a node's result; an order edge only orders (depends_on, write before read)."""

    DATA = "data"
    ORDER = "order"


#: Standard-library value types a node's constant arguments may have besides JSON's (dates, times,
#: durations, decimals): the runner rebuilds them from their text, ir.json writes `{"date": "2026-01-31"}`.
TEMPORAL_TYPES = (datetime.date, datetime.time, datetime.timedelta, decimal.Decimal)


class FrozenList(tuple):
    """A list literal among a node's constant arguments, frozen: equal to (and hashed as) the tuple of its items,
    written to ir.json as a list like any tuple, and passed by the runner as a list, as the library passes it."""

    __slots__ = ()

@dataclass(frozen=True, slots=True)
class Config:
    """A statically evaluated config object, e.g. `LambdaConfig(memory=1024)`."""

    type: str
    fields: tuple[tuple[str, object], ...] = ()

    def get(self, name: str, default: object = None) -> object:
        for key, value in self.fields:
            if key == name:
                return value
        return default


@dataclass(frozen=True, slots=True)
class Provider:
    """A `Provider(config=...)` declaration: its cloud and typed configuration."""

    name: str
    cloud: Cloud
    config: Config
    span: Span


@dataclass(frozen=True, slots=True)
class Storage:
    """A `provider.bucket(...)` declaration: a bucket or container, a path in it and a format."""

    name: str
    provider: str
    bucket: str
    path: str
    format: str
    uri: str
    config: Config | None
    span: Span
    bucket_span: Span | None = None  # the `bucket=` argument (None: the declaration's span is used)
    path_span: Span | None = None
    #: The declared columns (`schema=`): (column, dtype as `str(dtype)` prints it), or None when not declared.
    schema: tuple[tuple[str, str], ...] | None = None
    #: `existing=True`: the bucket exists already; Terraform reads it (a data source) instead of creating it.
    existing: bool = False


@dataclass(frozen=True, slots=True)
class Executor:
    """An execution resource (`provider.local()`, `.serverless()`, `.vm()`, `.cluster()`)."""

    name: str
    provider: str
    kind: ExecutorKind
    config: Config | None
    span: Span

    @property
    def config_type(self) -> str | None:
        return self.config.type if self.config else None


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a task function."""

    name: str
    annotation: str | None = None
    has_default: bool = False
    kind: ParamKind = ParamKind.POSITIONAL


@dataclass(frozen=True, slots=True)
class Task:
    """A decorated task function. `reads`/`writes` are module-level storage used in the body;
    `param_reads`/`param_writes` are parameters the body reads from or writes to as storage."""

    name: str
    function: str
    module: str
    executor: str
    params: tuple[Param, ...]
    returns: str | None
    depends_on: tuple[str, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    param_reads: tuple[str, ...]
    param_writes: tuple[str, ...]
    retries: int
    timeout: int | None
    span: Span
    tags: tuple[str, ...] = ()  # `tags=`: labels for selection (`--select tag:NAME`) and the IR

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


#: Where an element of a node's result is (`first, second = split(x)`: 0 and 1; `parts["eu"]`: "eu").
Path = tuple[int | str, ...]


@dataclass(frozen=True, slots=True)
class NodeInput:
    """The result of node `node` (with a `path`, the element of it the call selected)."""

    param: str
    node: str
    path: Path | None = None
    kind: ClassVar[InputKind] = InputKind.NODE


@dataclass(frozen=True, slots=True)
class NodesInput:
    """A list or tuple of node results (e.g. for `*frames`): each a node id, or (node id, *path) for an
    element of its result."""

    param: str
    items: tuple[str | tuple[int | str, ...], ...]
    kind: ClassVar[InputKind] = InputKind.NODES


@dataclass(frozen=True, slots=True)
class StorageInput:
    """A node input fed by a storage declaration passed as the argument."""

    param: str
    storage: str
    kind: ClassVar[InputKind] = InputKind.STORAGE


@dataclass(frozen=True, slots=True)
class PartitionInput:
    """One object of `dataset` per run of a mapped node (`[task(p) for p in dataset.partitions()]`)."""

    param: str
    dataset: str
    kind: ClassVar[InputKind] = InputKind.PARTITION


@dataclass(frozen=True, slots=True)
class ConstInput:
    """A literal (JSON-like, or one of `TEMPORAL_TYPES`)."""

    param: str
    value: object
    kind: ClassVar[InputKind] = InputKind.CONST


@dataclass(frozen=True, slots=True)
class UnknownInput:
    """A value not known statically (GLC502 reports it); `reason` says what was seen and why ("" if not said)."""

    param: str
    reason: str = ""
    kind: ClassVar[InputKind] = InputKind.UNKNOWN


#: One argument of a task call: the value of a parameter. `kind` names the class (ir.json writes it).
Input = NodeInput | NodesInput | StorageInput | PartitionInput | ConstInput | UnknownInput


@dataclass(frozen=True, slots=True)
class MapLimits:
    """How a mapped node runs over its objects (`dataset.partitions(max_parallel=..., tolerated_failures=...)`):
    at most `max_parallel` runs at once (None: each engine's default) and up to `tolerated_failures` failing
    objects without failing the node (their results are left out of its list)."""

    max_parallel: int | None = None
    tolerated_failures: int = 0


NO_MAP_LIMITS = MapLimits()


@dataclass(frozen=True, slots=True)
class Node:
    """One call of a task in a pipeline body: its inputs, the storage it reads and writes."""

    id: str
    task: str
    executor: str
    inputs: tuple[Input, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    span: Span
    #: The columns of the node's output (column, dtype; "Unknown" for a dtype not known statically), or None.
    schema: tuple[tuple[str, str], ...] | None = None
    #: Per output column, the `storage.column`s it derives from.
    lineage: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Per storage the node writes with known columns: each written column and the `storage.column`s it derives from.
    column_writes: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = ()
    #: The dataset whose partitions the node is mapped over (`[task(p) for p in dataset.partitions()]`): the task
    #: runs once per object, its parameter of kind "partition" being the object, and its result is the list of
    #: the runs' results. None for an ordinary node.
    map: str | None = None
    #: The limits of a mapped node's runs (what `.partitions(...)` says).
    map_limits: MapLimits = NO_MAP_LIMITS
    #: In a chain of mapped tasks (`[b(a(p)) for p in dataset.partitions()]`), the node before this one: this
    #: node runs once per object on that node's result for the object (its input from it is per object), in
    #: the same run. None for the chain's first node and for ordinary nodes.
    map_after: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """A dependency between two nodes: data (a result passed on) or order (`depends_on`, storage)."""

    source: str
    target: str
    kind: EdgeKind
    label: str | None = None  # the parameter a data edge feeds, or the storage an order edge is for


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A `@pipeline` function: its nodes and edges (the DAG)."""

    name: str
    function: str
    module: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    levels: tuple[tuple[str, ...], ...]
    outputs: tuple[str, ...]
    span: Span
    #: `schedule=` as written ("cron(...)" / "rate(...)"), None when the pipeline is started by hand.
    schedule: str | None = None
    schedule_span: Span | None = None

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)


@dataclass(frozen=True, slots=True)
class Module:
    """One source file of the project, as the backends need it (the runner copies code from it)."""

    name: str
    path: str


@dataclass(frozen=True, slots=True)
class Fact:
    """Something the frontend could not understand, recorded for the rules to judge: `kind` (e.g.
    "unknown-attribute"), the name as written, where, what it was looked up in, and the names known
    there (for did-you-mean)."""

    kind: str
    subject: str
    span: Span
    context: str = ""
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Project:
    """Everything one compile found: providers, storage, executors, tasks, pipelines, modules."""

    providers: tuple[Provider, ...] = ()
    storage: tuple[Storage, ...] = ()
    executors: tuple[Executor, ...] = ()
    tasks: tuple[Task, ...] = ()
    pipelines: tuple[Pipeline, ...] = ()
    modules: tuple[Module, ...] = ()
    facts: tuple[Fact, ...] = ()
    version: int = field(default=IR_VERSION)

    def provider(self, name: str) -> Provider:
        return _by_name(self.providers, name)

    def storage_named(self, name: str) -> Storage:
        return _by_name(self.storage, name)

    def executor(self, name: str) -> Executor:
        return _by_name(self.executors, name)

    def task(self, name: str) -> Task:
        return _by_name(self.tasks, name)


def _by_name(items, name):
    for item in items:
        if item.name == name:
            return item
    raise KeyError(name)
