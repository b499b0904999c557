"""No generated IAM statement allows an action on more storage than the data flow proved: over every
fixture and example that builds, each S3 ARN, Cloud Storage condition and Azure scope is parsed back and
checked against the project's storage (its bucket, and its path or the prefix before its `*`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from glacierc.backends.terraform import emit
from glacierc.driver import compile_project
from tests.helpers import EXAMPLES, FIXTURES, fixture_env

SOURCES = sorted([*FIXTURES.glob("terraform_*/*/pipeline.py"), *EXAMPLES.glob("*/pipeline.py"),
                  *FIXTURES.glob("core/*/pipeline.py")])
S3_ARN = re.compile(r"arn:[a-z-]+:s3:::([^\"/\s,\]]*)(?:/([^\"\s,\]]*))?")
GCS_OBJECT = re.compile(r'projects/_/buckets/([^/\\"]+)/objects/([^\\"]*)\\"(\)?)')
#: Role assignment scopes (not the OAuth scopes of Google tokens, e.g. a Cloud Scheduler job's).
AZURE_SCOPE = re.compile(r"scope\s*=\s*(?!\"https://www\.googleapis\.com/auth/)(\S+)")


def _built(source: Path):
    compiled = compile_project([source], fixture_env(source.parent))
    if compiled.has_errors:
        return None
    files, _ = emit(compiled.project, compiled.sources)
    tf = {path: text for path, text in files.items() if path.endswith(".tf") and isinstance(text, str)}
    return (compiled.project, tf) if tf else None


def _allowed(project) -> dict[str, set[str]]:
    """Bucket -> the object-key patterns its storage proves: the path, `path/*` for a directory-like
    path, and for a glob or a trailing `/` the prefix before the first `*` followed by `*`."""
    allowed: dict[str, set[str]] = {}
    for storage in project.storage:
        path = storage.path
        keys = {path, path + "/*"}
        if "*" in path or path.endswith("/"):
            keys = {path[:path.index("*")] + "*" if "*" in path else path + "*"}
        allowed.setdefault(storage.bucket, set()).update(keys)
    return allowed


BUILT = [(source, built) for source in SOURCES if (built := _built(source)) is not None]


def test_the_corpus_covers_every_cloud():
    clouds = {p.cloud for _, (project, _) in BUILT for p in project.providers}
    assert {"aws", "gcp", "azure"} <= clouds and len(BUILT) >= 8
    text = "\n".join(t for _, (_, tf) in BUILT for t in tf.values())
    assert S3_ARN.search(text) and GCS_OBJECT.search(text) and "azurerm_storage_container." in text
    assert re.search(r'resource "google_storage_bucket" "\w+" \{\n(?:\s*#[^\n]*\n)*\s*name\s*=', text)


@pytest.mark.parametrize(("source", "built"), BUILT, ids=[str(s.parent.relative_to(s.parents[2])) for s, _ in BUILT])
def test_every_storage_grant_is_within_proven_storage(source, built):
    project, tf = built
    allowed = _allowed(project)
    text = "\n".join(tf.values())
    for bucket, key in S3_ARN.findall(text):
        assert bucket in allowed, f"S3 ARN on an unproven bucket `{bucket}`"
        assert "*" not in bucket and "?" not in bucket
        assert not key or key in allowed[bucket], f"s3:::{bucket}/{key} is wider than {sorted(allowed[bucket])}"
    data_labels = {label for label, name in re.findall(r'resource "google_storage_bucket" "(\w+)" \{\n(?:\s*#[^\n]*\n)*\s*name\s*=\s*"([^"]+)"',
                                                        text) if name in allowed}
    for bucket, key, starts in GCS_OBJECT.findall(text):
        generated = re.fullmatch(r"\$\{google_storage_bucket\.(\w+)\.name\}", bucket)
        if generated:  # a generated bucket (a workflow's staged results, job files) holds no user data
            assert generated.group(1) not in data_labels
            continue
        assert bucket in allowed
        pattern = key + "*" if starts else key
        assert pattern in allowed[bucket] or key in allowed[bucket], f"gs://{bucket}/{pattern}"
    for block in re.findall(r'resource "google_storage_bucket_iam_member"[^\n]*\n(.*?)\n}', text, re.S):
        label = re.search(r"bucket\s*=\s*google_storage_bucket\.(\w+)\.name", block)
        if label and label.group(1) in data_labels:  # generated buckets (staging, sources) hold no user data
            assert "condition {" in block, "a data bucket grant without an object condition covers the whole bucket"
    assignments = "\n".join(re.findall(r'resource "azurerm_role_assignment"[^\n]*\n(.*?)\n}', text, re.S))
    for scope in AZURE_SCOPE.findall(assignments):  # (a databricks_secret_acl's `scope` is a secret scope)
        assert scope.startswith(("azurerm_storage_container.", "azurerm_storage_account.glacier_hdinsight",
                                 "azurerm_resource_group.", "data.azurerm_resource_group.", "azurerm_",
                                 "data.")), scope
        assert "azurerm_storage_account.glacier_data" not in scope, "a data role on the whole account"
    assert "arn:aws:s3:::*" not in text and "s3:::*/" not in text
