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
from tests.helpers import FIXTURES, fixture_env

SOURCES = sorted([*FIXTURES.glob("partitions/*/pipeline.py"), *FIXTURES.glob("terraform_aws/*/pipeline.py"),
                  *FIXTURES.glob("terraform_gcp/*/pipeline.py")])
EXECUTION = "exec-1"
#: Object names that hold every character a pattern language could misread.
HOSTILE = ('a*b', 'q?', '[0-9]', 'say "hi"', 'back\\slash', '${aws:username}', '%{x}', 'é ü 日本')


@dataclass(frozen=True)
class Identity:
    """One executor's identity in one module: `can(verb, bucket, key)`; verb: read, write or list."""

    executor: str
    can: Callable[[str, str, str], bool]


def _aws_identities(module: Module) -> list[Identity]:
    roles = module.role_policies()
    buckets = module.bucket_policies()
    by_executor: dict[str, list[list[aws.Statement]]] = {}
    for label, statements in roles.items():
        what, name = module.source("aws_iam_role", label)
        if what == "executor":
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


def _gcp_identities(module: Module) -> list[Identity]:
    bindings = module.gcp_bindings()
    permissions = {"read": "storage.objects.get", "write": "storage.objects.create", "list": "storage.objects.list"}
    found = []
    for label in sorted(module.of_type("google_service_account")):
        what, name = module.source("google_service_account", label)
        if what != "executor":
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


def _identities(module: Module) -> list[Identity]:
    return _aws_identities(module) + _gcp_identities(module)


BUILT = [source for source in SOURCES if _built(source) is not None]
IDS = [str(source.parent.relative_to(FIXTURES)) for source in BUILT]


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
        return inside, [prefix], outside, [f"{base}0/", f"{base}-backup/"] if base else []
    if "." not in path.rsplit("/", 1)[-1]:
        inside = [path, path + "/part-0.parquet", *(f"{path}/{name}" for name in HOSTILE)]
        outside = [f"{path}0/x.parquet", f"{path}-backup/x.parquet", f"{path}*", f"{path}?/x"]
        return inside, [path + "/"], outside, [f"{path}0/", f"{path}-backup/"]
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    return [path], [path], [path + ".bak", path + "*", folder + "other.parquet"], [folder, path[:-1]]


def _storage_of(project: Project, identity: Identity) -> tuple[dict[str, Storage], list[str], list[str]]:
    executor = next(e for e in project.executors if e.name == identity.executor)
    storage = {s.name: s for s in project.storage if s.provider == executor.provider}
    access = executor_access(project)[identity.executor]
    return storage, [n for n in access.reads if n in storage], [n for n in access.writes if n in storage]


def _cases(check):
    """Run `check(project, module, identity)` for every identity of every module of every build."""
    def run(source: Path):
        project, built = _built(source)
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
