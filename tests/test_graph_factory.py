"""Hand-built IR for the graph backend's tests, shaped like what the frontend produces for the
examples, plus pipelines with awkward names. Imported by the other test_graph_* modules."""

from __future__ import annotations

from glacierc.ir.nodes import (
    Config, Edge, Executor, Node, NodeInput, Pipeline, Project, Provider, Storage, StorageInput,
)
from glacierc.source import Span

SPAN = Span("pipeline.py", 1, 1, 1, 1)


def provider(name: str = "provider", cloud: str = "aws") -> Provider:
    config = {"aws": "AwsConfig", "gcp": "GcpConfig", "azure": "AzureConfig"}.get(cloud, "LocalConfig")
    return Provider(name, cloud, Config(config), SPAN)


def executor(name: str, kind: str, config: str | None = None, prov: str = "provider") -> Executor:
    return Executor(name, prov, kind, Config(config) if config else None, SPAN)


def storage(name: str, bucket: str, path: str, fmt: str, prov: str = "provider") -> Storage:
    return Storage(name, prov, bucket, path, fmt, f"s3://{bucket}/{path}", None, SPAN)


def node(id: str, executor: str, *, task: str | None = None, inputs=(), reads=(), writes=()) -> Node:
    return Node(id, task or id, executor, tuple(inputs), tuple(reads), tuple(writes), SPAN)


def pipeline(name: str, nodes, edges, levels) -> Pipeline:
    return Pipeline(name, name, "pipeline", tuple(nodes), tuple(edges),
                    tuple(tuple(level) for level in levels), (), SPAN)


def aws_project() -> Project:
    """examples/aws_etl by hand."""
    nodes = [
        node("extract", "local_exec", inputs=[StorageInput("source", "raw_events")],
             reads=["raw_events"]),
        node("clean", "lambda_exec", inputs=[NodeInput("events", "extract")]),
        node("load_users", "local_exec", reads=["users"]),
        node("enrich", "spark_exec", inputs=[NodeInput("events", "clean"),
                                             NodeInput("people", "load_users")]),
        node("save", "local_exec", inputs=[NodeInput("activity", "enrich")], writes=["curated"]),
        node("audit", "local_exec", reads=["curated"]),
    ]
    edges = [
        Edge("extract", "clean", "data", "events"),
        Edge("clean", "enrich", "data", "events"),
        Edge("load_users", "enrich", "data", "people"),
        Edge("enrich", "save", "data", "activity"),
        Edge("save", "audit", "order", "curated"),
    ]
    levels = [["extract", "load_users"], ["clean"], ["enrich"], ["save"], ["audit"]]
    return Project(
        providers=(provider(),),
        storage=(
            storage("curated", "acme-curated", "daily/country_activity.parquet", "parquet"),
            storage("raw_events", "acme-raw", "events/events.parquet", "parquet"),
            storage("users", "acme-raw", "users/users.csv", "csv"),
        ),
        executors=(
            executor("lambda_exec", "serverless", "LambdaConfig"),
            executor("local_exec", "local"),
            executor("spark_exec", "cluster", "SparkConfig"),
        ),
        pipelines=(pipeline("aws_etl", nodes, edges, levels),),
    )


def all_kinds_project() -> Project:
    """Every executor kind, a repeated task (load_2), a depends_on edge, a dotted executor name and
    names that need escaping."""
    nodes = [
        node("load", "etl.local", inputs=[StorageInput("source", "a")], reads=["a"]),
        node("load_2", "etl.local", task="load", inputs=[StorageInput("source", 'b"<&>|#')],
             reads=['b"<&>|#']),
        node("fn", "fn_exec", inputs=[NodeInput("df", "load")]),
        node("box", "vm_exec", inputs=[NodeInput("left", "fn"), NodeInput("right", "load_2")]),
        node("spark", "spark_exec", inputs=[NodeInput("df", "box")], writes=["out"]),
        node("notify", "fn_exec"),
    ]
    edges = [
        Edge("load", "fn", "data", "df"),
        Edge("fn", "box", "data", "left"),
        Edge("load_2", "box", "data", "right"),
        Edge("box", "spark", "data", "df"),
        Edge("spark", "notify", "order"),
    ]
    levels = [["load", "load_2"], ["fn"], ["box"], ["spark"], ["notify"]]
    return Project(
        providers=(provider("provider", "gcp"),),
        storage=(
            storage("a", "raw", "a.csv", "csv"),
            storage('b"<&>|#', "raw", "b <x>.json", "ndjson"),
            storage("out", "out", "out.parquet", "parquet"),
        ),
        executors=(
            executor("etl.local", "local"),
            executor("fn_exec", "serverless", "CloudFunctionConfig"),
            executor("spark_exec", "cluster", "DataprocConfig"),
            executor("vm_exec", "vm", "ComputeEngineConfig"),
        ),
        pipelines=(pipeline("all kinds", nodes, edges, levels),),
    )


def test_factory_levels_cover_every_node():
    for project in (aws_project(), all_kinds_project()):
        for p in project.pipelines:
            assert sorted(i for level in p.levels for i in level) == sorted(n.id for n in p.nodes)
