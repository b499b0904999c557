"""IAM checked by its meaning: the policies and conditions of real builds, asked "may this identity do this?".

Each fixture is built in-process; the emitted Terraform is read back (tests/iam_terraform.py) into the AWS
policy evaluator (tests/iam_eval_aws.py) and the IAM Conditions evaluator (tests/iam_eval_gcp.py). Per
execution identity (each executor's roles / service account) and per dataset the data flow proves it uses:
it may read every object below the dataset's prefix and list exactly that prefix; it may not read a
sibling prefix, another bucket, or write what it only reads; in a pipeline's staging bucket it may write
only its own nodes' results (`<execution>/<node>.*`, a mapped node's items `<execution>/<node>/<index>.*`)
and read only those of the nodes it consumes. Object keys are literal names, whatever characters they hold.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import iam_eval_aws as aws
import iam_eval_gcp as gcp
import pytest
from iam_terraform import Module, modules

from glacierc.backends.terraform import emit
from glacierc.driver import compile_project
from glacierc.ir.access import executor_access
from glacierc.ir.nodes import Project, Storage
from tests.helpers import EXAMPLES, FIXTURES, fixture_env

SOURCES = sorted([*FIXTURES.glob("partitions/*/pipeline.py"), *FIXTURES.glob("terraform_aws/*/pipeline.py"),
                  *FIXTURES.glob("terraform_gcp/*/pipeline.py"), *FIXTURES.glob("iam_semantics/*/pipeline.py"),
                  *FIXTURES.glob("aws_sfn/*/pipeline.py"), *FIXTURES.glob("gcp_jobs/*/pipeline.py"),
                  *EXAMPLES.glob("*/pipeline.py")])
EXECUTION = "exec-1"
#: Object names that hold every character a pattern language could misread.
HOSTILE = ('a*b', 'q?', '[0-9]', 'say "hi"', 'back\\slash', '${aws:username}', '%{x}', 'é ü 日本')


@dataclass(frozen=True)
class Identity:
    """One executor's (or pipeline's) identity in one module: `can(verb, bucket, key)`; verb: read, write or list."""

    executor: str
    can: Callable[[str, str, str], bool]


def _aws_identities(module: Module, kind: str = "executor") -> list[Identity]:
    roles = module.role_policies()
    buckets = module.bucket_policies()
    by_executor: dict[str, list[list[aws.Statement]]] = {}
    for label, statements in roles.items():
        what, name = module.source("aws_iam_role", label)
        if what == kind:
            by_executor.setdefault(name, []).append(statements)
    actions = {"read": "s3:GetObject", "write": "s3:PutObject", "list": "s3:ListBucket"}

    def can_of(policies: list[list[aws.Statement]]):
        def can(verb: str, bucket: str, key: str) -> bool:
            context = {"aws:SecureTransport": "true"}
            if verb == "list":
                resource, context = aws.s3_bucket(bucket), {**context, "s3:prefix": key}
            else:
                resource = aws.s3_object(bucket, key)
            request = aws.Request(actions[verb], resource, context, ("AWS", "arn:aws:iam::111122223333:role/x"))
            return any(aws.allowed([*statements, *buckets.get(bucket, [])], request) for statements in policies)
        return can
    return [Identity(name, can_of(policies)) for name, policies in sorted(by_executor.items())]


def _gcp_identities(module: Module, kind: str = "executor") -> list[Identity]:
    bindings = module.gcp_bindings()
    permissions = {"read": "storage.objects.get", "write": "storage.objects.create", "list": "storage.objects.list"}
    found = []
    for label in sorted(module.of_type("google_service_account")):
        what, name = module.source("google_service_account", label)
        if what != kind:
            continue

        def can(verb: str, bucket: str, key: str, member: str = f"{label}@accounts") -> bool:
            request = gcp.list_request(bucket, key) if verb == "list" else gcp.object_request(bucket, key)
            return gcp.allowed(bindings, member, permissions[verb], request)
        found.append(Identity(name, can))
    return found


@functools.cache
def _built(source: Path) -> tuple[Project, dict[str, Module]] | None:
    compiled = compile_project([source], fixture_env(source.parent))
    if compiled.has_errors:
        return None
    files, _ = emit(compiled.project, compiled.sources)
    return compiled.project, modules(files)


def _build(source: Path) -> tuple[Project, dict[str, Module]]:
    built = _built(source)
    assert built is not None, source
    return built


def _identities(module: Module) -> list[Identity]:
    return _aws_identities(module) + _gcp_identities(module)


#: Fixtures whose build fails by design (each an error diagnostic's case): nothing to evaluate.
UNBUILT = {"terraform_gcp/unsupported"}
NAMED = {str(source.parent.relative_to(source.parents[2])): source for source in SOURCES}
BUILT = [source for name, source in NAMED.items() if name not in UNBUILT]
IDS = [name for name in NAMED if name not in UNBUILT]
#: Builds whose mapped nodes no state machine runs yet (the build notes "not orchestrated yet"): nothing stages
#: their items, no role may write them. Strict: the test fails once they are orchestrated, to drop the entry.
NOT_ORCHESTRATED: dict[str, str] = {}  # fixture -> why its pipelines are not orchestrated (an expected failure)
ORCHESTRATED = [pytest.param(source, id=name, marks=[pytest.mark.xfail(strict=True, reason=NOT_ORCHESTRATED[name])]
                             if name in NOT_ORCHESTRATED else []) for source, name in zip(BUILT, IDS)]


# --- datasets -----------------------------------------------------------------------------------------


def dataset_keys(path: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(keys inside, prefixes to list, keys outside, prefixes outside) of a storage path, as a reader of the
    path's documentation would write them: a glob or a `/` covers the objects below its prefix, a last
    segment without a suffix is a directory (or that one object), anything else is one object."""
    if "*" in path or path.endswith("/") or not path:
        prefix = path[:path.index("*")] if "*" in path else path
        base = prefix.rstrip("/")
        inside = [prefix + "part-0.parquet", *(prefix + name for name in HOSTILE)]
        outside = [f"{base}0/x.parquet", f"{base}-backup/x.parquet", f"{base}*", f"{base}?/x"] if base else []
        return inside, [prefix], outside, [f"{base}0/", f"{base}-backup/", "", f"{base}*"] if base else []
    if "." not in path.rsplit("/", 1)[-1]:
        inside = [path, path + "/part-0.parquet", *(f"{path}/{name}" for name in HOSTILE)]
        outside = [f"{path}0/x.parquet", f"{path}-backup/x.parquet", f"{path}*", f"{path}?/x"]
        return inside, [path + "/"], outside, [f"{path}0/", f"{path}-backup/", "", f"{path}*"]
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    return [path], [path], [path + ".bak", path + "*", folder + "other.parquet"], [folder, path[:-1], "", path + "*"]


def _storage_of(project: Project, identity: Identity) -> tuple[dict[str, Storage], list[str], list[str]]:
    executor = next(e for e in project.executors if e.name == identity.executor)
    storage = {s.name: s for s in project.storage if s.provider == executor.provider}
    access = executor_access(project)[identity.executor]
    return storage, [n for n in access.reads if n in storage], [n for n in access.writes if n in storage]


def _cases(check):
    """Run `check(project, module, identity)` for every identity of every module of every build."""
    def run(source: Path):
        project, built = _build(source)
        identities = [(m, i) for m in built.values() for i in _identities(m)]
        assert identities or not any(m.of_type("aws_iam_role") or m.of_type("google_service_account")
                                     for m in built.values())
        for module, identity in identities:
            check(project, module, identity)
    return run


@pytest.mark.parametrize("source", BUILT, ids=IDS)
def test_an_identity_reads_and_lists_its_datasets_and_nothing_beside_them(source):
    def check(project, module, identity):
        storage, reads, writes = _storage_of(project, identity)
        for name in reads + writes:
            item = storage[name]
            inside, lists, outside, lists_outside = dataset_keys(item.path)
            for key in inside if name in reads else ():
                assert identity.can("read", item.bucket, key), (identity.executor, "read", item.bucket, key)
            for prefix in lists:
                assert identity.can("list", item.bucket, prefix), (identity.executor, "list", item.bucket, prefix)
            for key in outside + [key for key in inside]:
                if not any(_covers(storage[n].path, key) for n in reads + writes if storage[n].bucket == item.bucket):
                    assert not identity.can("read", item.bucket, key), (identity.executor, item.bucket, key)
            for key in inside:
                assert not identity.can("read", item.bucket + "-other", key)
            for prefix in lists_outside:
                if not any(_lists(storage[n].path, prefix) for n in reads + writes
                           if storage[n].bucket == item.bucket):
                    assert not identity.can("list", item.bucket, prefix), (identity.executor, item.bucket, prefix)
    _cases(check)(source)


@pytest.mark.parametrize("source", BUILT, ids=IDS)
def test_an_identity_writes_what_it_writes_and_never_what_it_only_reads(source):
    def check(project, module, identity):
        storage, reads, writes = _storage_of(project, identity)
        written = {(storage[n].bucket, k) for n in writes for k in dataset_keys(storage[n].path)[0]}
        for name in writes:
            for key in dataset_keys(storage[name].path)[0]:
                assert identity.can("write", storage[name].bucket, key), (identity.executor, name, key)
        for name in reads:
            for key in dataset_keys(storage[name].path)[0]:
                if (storage[name].bucket, key) not in written and not any(
                        _covers(storage[n].path, key) for n in writes if storage[n].bucket == storage[name].bucket):
                    assert not identity.can("write", storage[name].bucket, key), (identity.executor, name, key)
    _cases(check)(source)


def _covers(path: str, key: str) -> bool:
    """Whether a dataset's path covers an object key (the same reading as `dataset_keys`)."""
    if "*" in path or path.endswith("/") or not path:
        return key.startswith(path[:path.index("*")] if "*" in path else path)
    if "." not in path.rsplit("/", 1)[-1]:
        return key == path or key.startswith(path + "/")
    return key == path


def _lists(path: str, prefix: str) -> bool:
    """Whether listing `prefix` stays within a dataset's path."""
    return _covers(path, prefix) or prefix == path


# --- staging ------------------------------------------------------------------------------------------


def _staging_buckets(project: Project, module: Module) -> dict[str, str]:
    """Pipeline name -> the name of its staging bucket in `module`."""
    found = {}
    for kind in ("aws_s3_bucket", "google_storage_bucket"):
        for label, body in module.of_type(kind).items():
            what, name = module.source(kind, label)
            if what == "pipeline" and label.endswith("_staging"):
                found[name] = module.bucket_name(kind, label, body)
    return found


def _staged_keys(node) -> list[str]:
    """The staged result of `node` in one execution (its record and its frame); a mapped node's items, which
    its consumer reads (`<index>.json`), and names beside them a consumer skips, hostile ones included."""
    if not node.map:
        return [f"{EXECUTION}/{node.id}.json", f"{EXECUTION}/{node.id}.parquet"]
    return [f"{EXECUTION}/{node.id}/{item}" for item in ("0.json", "0.parquet", "12.json", *HOSTILE)]


@pytest.mark.parametrize("source", ORCHESTRATED)
def test_a_staged_result_is_written_by_its_node_and_read_by_its_consumers_only(source):
    project, built = _build(source)
    for module in built.values():
        staging = _staging_buckets(project, module)
        identities = _identities(module)
        for pipeline in project.pipelines:
            if pipeline.name not in staging:
                continue
            bucket = staging[pipeline.name]
            executors = {n.id: n.executor for n in pipeline.nodes}
            for node in pipeline.nodes:
                consumers = {executors[e.target] for e in pipeline.edges
                             if e.source == node.id and e.kind == "data"}
                # Nodes of another root module (another provider) are not orchestrated across modules (the build notes
                # "not orchestrated yet"): no result is staged between them.
                here = {i.executor for i in identities}
                staged = (consumers - {node.executor}) & here if node.executor in here else set()
                for key in _staged_keys(node):
                    for identity in identities:
                        mine = identity.executor == node.executor
                        if mine and staged:
                            assert identity.can("write", bucket, key), (pipeline.name, node.id, key)
                        if not mine:
                            assert not identity.can("write", bucket, key), (identity.executor, node.id, key)
                        if identity.executor in staged:
                            assert identity.can("read", bucket, key), (identity.executor, node.id, key)
                        elif not mine:
                            assert not identity.can("read", bucket, key), (identity.executor, node.id, key)
                        for other in set(staging.values()) - {bucket}:
                            if not _has_node_named(project, other, staging, node.id, identity.executor):
                                assert not identity.can("write", other, key), (identity.executor, other, key)
                if node.map and staged:
                    prefix = f"{EXECUTION}/{node.id}/"
                    for identity in identities:
                        if identity.executor in staged:
                            assert identity.can("list", bucket, prefix), (identity.executor, prefix)
                        elif identity.executor != node.executor:
                            assert not identity.can("list", bucket, prefix), (identity.executor, prefix)


def _has_node_named(project: Project, bucket: str, staging: dict[str, str], node: str, executor: str) -> bool:
    """Whether the pipeline staging in `bucket` has a node `node` on `executor` (then writing it is its own)."""
    return any(n.id == node and n.executor == executor for p in project.pipelines if staging.get(p.name) == bucket
               for n in p.nodes)


@pytest.mark.parametrize("source", BUILT, ids=IDS)
def test_nothing_of_a_staging_bucket_beside_staged_results(source):
    """Keys that are no node's result: a sibling of a node's name, another execution's folder, a wildcard."""
    project, built = _build(source)
    for module in built.values():
        staging = _staging_buckets(project, module)
        for pipeline in project.pipelines:
            for node in pipeline.nodes if pipeline.name in staging else ():
                near = [f"{EXECUTION}/{node.id}x.parquet", f"{EXECUTION}/x{node.id}.parquet", f"{node.id}.parquet",
                        f"{EXECUTION}/{node.id}", f"{EXECUTION}/*", f"{EXECUTION}/{node.id}?parquet"]
                if module.of_type("google_storage_bucket"):  # a folder more than `<execution>/`: on GCP the
                    # conditions take the name's first segment as the execution (extract's variable may span a
                    # `/`); an S3 ARN's `*` spans `/` and AWS has no single-segment pattern
                    near += [f"{EXECUTION}/deeper/{node.id}.parquet", f"{EXECUTION}/deeper/{node.id}/0.parquet",
                             f"/{node.id}.parquet", f"/{node.id}/0.parquet"]
                near += [f"{EXECUTION}/{node.id}.parquet"] if node.map else [f"{EXECUTION}/{node.id}/0.parquet"]
                for identity in _identities(module):
                    for key in near:
                        if not _is_staged_key(pipeline, key):
                            assert not identity.can("write", staging[pipeline.name], key), (identity.executor, key)
                            assert not identity.can("read", staging[pipeline.name], key), (identity.executor, key)


def _is_staged_key(pipeline, key: str) -> bool:
    """Whether `key` is some node's staged result (`<execution>/<node>.*` or `<execution>/<mapped>/<item>`)."""
    execution, _, rest = key.partition("/")
    if not execution or not rest:
        return False
    head, sep, _ = rest.partition("/")
    return any((n.map and sep and head == n.id) or (not n.map and rest.startswith(n.id + ".")) for n in pipeline.nodes)


# --- the bucket policy --------------------------------------------------------------------------------


@pytest.mark.parametrize("source", BUILT, ids=IDS)
def test_every_generated_bucket_refuses_what_is_not_tls_whatever_the_role_allows(source):
    _, built = _build(source)
    for module in built.values():
        policies = module.bucket_policies()
        generated = {module.resolve(f"aws_s3_bucket.{label}.bucket") for label in module.of_type("aws_s3_bucket")}
        assert set(policies) == generated
        for bucket, statements in policies.items():
            everything = aws.Statement("Allow", ("s3:*",), ("*",))
            for secure, expected in (("true", "Allow"), ("false", "Deny")):
                request = aws.Request("s3:GetObject", aws.s3_object(bucket, "k"), {"aws:SecureTransport": secure},
                                      ("AWS", "arn:aws:iam::111122223333:role/x"))
                assert aws.decide([everything, *statements], request) == expected, (bucket, secure)


# --- orchestration identities -------------------------------------------------------------------------


def _pipeline_identities(module: Module) -> list[Identity]:
    """The identities of pipelines (a state machine's role, a workflow's and a schedule's accounts), each
    named by its pipeline."""
    return _aws_identities(module, "pipeline") + _gcp_identities(module, "pipeline")


@pytest.mark.parametrize("source", ORCHESTRATED)
def test_a_pipeline_lists_the_datasets_it_maps_and_touches_no_object_of_them(source):
    project, built = _build(source)
    storage = {s.name: s for s in project.storage}
    for module in built.values():
        for identity in _pipeline_identities(module):
            pipeline = next(p for p in project.pipelines if p.name == identity.executor)
            for node in pipeline.nodes:
                if node.map is None or node.map not in storage:
                    continue
                item = storage[node.map]
                inside, lists, outside, lists_outside = dataset_keys(item.path)
                assert all(identity.can("list", item.bucket, prefix) for prefix in lists), (pipeline.name, item.path)
                assert not any(identity.can("list", item.bucket, prefix) for prefix in lists_outside)
            for item in project.storage:
                inside = dataset_keys(item.path)[0]
                assert not any(identity.can(verb, item.bucket, key) for verb in ("read", "write") for key in inside), (
                    pipeline.name, item.name)


@pytest.mark.parametrize("source", BUILT, ids=IDS)
def test_an_identity_of_glacierc_own_touches_no_dataset(source):
    """Roles and accounts the module makes for itself (a Databricks submitter, a Dataproc cluster's agent)."""
    project, built = _build(source)
    for module in built.values():
        for identity in _aws_identities(module, "generated") + _gcp_identities(module, "generated"):
            for item in project.storage:
                inside, lists, _, _ = dataset_keys(item.path)
                assert not any(identity.can(verb, item.bucket, key) for verb in ("read", "write") for key in inside)
                assert not any(identity.can("list", item.bucket, prefix) for prefix in lists), item.name


@pytest.mark.parametrize("name", sorted(UNBUILT))
def test_a_fixture_left_out_does_not_build(name):
    assert _built(NAMED[name]) is None
