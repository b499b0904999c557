"""Least privilege on GCP from the data flow: the pure binding functions and the bindings read back from HCL."""

from __future__ import annotations

from pathlib import Path

import hcl2
from hcl2 import SerializationOptions
from terraform_tools import REPO, emitted_once

from glacierc.backends.terraform.aws_iam import Access
from glacierc.backends.terraform.gcp_iam import (
    READER,
    WRITER,
    Binding,
    Condition,
    cel_string,
    grants_of,
    object_clauses,
    storage_bindings,
)
from glacierc.ir.nodes import Storage
from glacierc.source import Span

FIXTURES = REPO / "tests" / "fixtures" / "terraform_gcp"
CASES = [REPO / "examples" / "gcp_analytics" / "pipeline.py", *sorted(FIXTURES.glob("*/pipeline.py"))]
PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
SPAN = Span("pipeline.py", 1, 1, 1, 2)
LIST = 'api.getAttribute("storage.googleapis.com/objectListPrefix", "")'


def _storage(name: str, bucket: str, path: str) -> Storage:
    return Storage(name, "p", bucket, path, "parquet", f"gs://{bucket}/{path}", None, SPAN)


# --- conditions ---------------------------------------------------------------------------------


def test_a_file_is_allowed_by_its_exact_name_and_listing() -> None:
    assert object_clauses("b", ("in/a.parquet",)) == (
        'resource.name == "projects/_/buckets/b/objects/in/a.parquet"',
        f'{LIST} == "in/a.parquet"',
    )


def test_prefixes_globs_and_datasets_are_allowed_by_prefix() -> None:
    assert object_clauses("b", ("exports/*", "daily/ds", "daily/ds/*")) == (
        'resource.name == "projects/_/buckets/b/objects/daily/ds"',
        'resource.name.startsWith("projects/_/buckets/b/objects/daily/ds/")',
        'resource.name.startsWith("projects/_/buckets/b/objects/exports/")',
        f'{LIST} == "daily/ds"',
        f'{LIST}.startsWith("daily/ds/")',
        f'{LIST}.startsWith("exports/")',
    )


def test_the_whole_bucket_needs_no_condition() -> None:
    assert object_clauses("b", ("*", "x.csv")) is None


def test_cel_strings_are_escaped() -> None:
    assert cel_string('a"b\\c') == '"a\\"b\\\\c"'


def test_reads_and_writes_get_their_own_roles_per_bucket() -> None:
    storage = {"a": _storage("a", "lake", "in/a.csv"), "o": _storage("o", "out", "o/"),
               "r": _storage("r", "lake", "")}
    bindings = storage_bindings("fn", "fn_exec", Access(("a",), ("o", "r")), storage, {"lake": "lake", "out": "out"})
    assert [(b.label, b.bucket, b.role, b.account) for b in bindings] == [
        ("fn_lake_read", "lake", READER, "fn"),
        ("fn_lake_write", "lake", WRITER, "fn"),
        ("fn_out_write", "out", WRITER, "fn"),
    ]
    assert bindings[0].condition == Condition(
        "glacier read by fn_exec", "storage a",
        f'resource.name == "projects/_/buckets/lake/objects/in/a.csv" || {LIST} == "in/a.csv"')
    assert bindings[1].condition is None  # `r` is the whole bucket


def test_no_access_no_bindings_and_other_providers_storage_is_ignored() -> None:
    assert storage_bindings("x", "x", Access((), ()), {}, {}) == ()
    assert storage_bindings("x", "x", Access(("elsewhere",), ("elsewhere",)), {}, {}) == ()


def test_grants_of_is_a_compact_view() -> None:
    binding = Binding("l", "b", READER, "a", Condition("t", "d", "e"))
    assert grants_of([binding]) == {("b", READER): "e"}


# --- generated bindings, read back from iam.tf -----------------------------------------------------


def _bindings(path: Path) -> dict[str, set[tuple[str, str, str | None]]]:
    """(bucket, role, condition expression) of every bucket binding, by service account label."""
    files, _, _ = emitted_once(path)
    found: dict[str, set[tuple[str, str, str | None]]] = {}
    for name, text in files.items():
        if not name.endswith("iam.tf"):
            continue
        for block in hcl2.loads(text, serialization_options=PLAIN).get("resource", []):
            for body in block.get("google_storage_bucket_iam_member", {}).values():
                account = body["member"].removeprefix("serviceAccount:${google_service_account.").removesuffix(
                    ".email}")
                bucket = body["bucket"].removeprefix("${google_storage_bucket.").removesuffix(".name}")
                condition = body.get("condition", [{}])[0].get("expression")
                if condition and ("/objects/{execution}/" in condition or bucket == "glacier_functions"):
                    continue  # staged results and Dataproc job files: test_gcp_workflows_iam.py
                found.setdefault(account, set()).add((bucket, body["role"], condition))
    return found


def _project_roles(path: Path) -> dict[str, set[str]]:
    files, _, _ = emitted_once(path)
    found: dict[str, set[str]] = {}
    for block in hcl2.loads(files["terraform/iam.tf"], serialization_options=PLAIN).get("resource", []):
        for body in block.get("google_project_iam_member", {}).values():
            account = body["member"].removeprefix("serviceAccount:${google_service_account.").removesuffix(".email}")
            if not account.endswith(("_workflow", "_schedule")):  # test_gcp_workflows_iam.py
                found.setdefault(account, set()).add(body["role"])
    return found


def _objects(bucket: str, *keys: str) -> str:
    objects = [f'resource.name == "projects/_/buckets/{bucket}/objects/{k}"' for k in keys]
    listings = [f'{LIST} == "{k}"' for k in keys]
    return " || ".join(objects + listings)


def test_gcp_analytics_bindings_are_exactly_the_data_flow() -> None:
    bindings = _bindings(CASES[0])
    # load reads the three sources, publish writes the report; both run on local_exec.
    assert bindings["local_exec"] == {
        ("glacier_demo_raw", READER, _objects("glacier-demo-raw", "customers/customers.parquet",
                                              "orders/orders.csv", "products/products.ndjson")),
        ("glacier_demo_reports", WRITER, _objects("glacier-demo-reports", "revenue/by_country_category.parquet")),
    }
    # completed_orders only receives a frame: its service account gets no storage role at all.
    assert "function_exec" not in bindings
    # join_all / aggregate only receive frames: the cluster gets its own staging and temp buckets only.
    assert bindings["dataproc_exec"] == {
        ("dataproc_exec_staging", "roles/storage.legacyBucketReader", None),
        ("dataproc_exec_staging", WRITER, None),
        ("dataproc_exec_temp", "roles/storage.legacyBucketReader", None),
        ("dataproc_exec_temp", WRITER, None),
    }
    assert _project_roles(CASES[0]) == {
        "dataproc_exec": {"${google_project_iam_custom_role.glacier_dataproc_worker.id}"}}


def test_vm_bindings_and_project_roles() -> None:
    path = FIXTURES / "vm_lifecycle" / "pipeline.py"
    bindings = _bindings(path)
    assert bindings == {
        "private_vm": {
            ("acme_lake", READER, _objects("acme-lake", "events/2024/events.parquet")),
            ("acme_lake", WRITER, ('resource.name.startsWith("projects/_/buckets/acme-lake/objects/scratch/") || '
                                  f'{LIST}.startsWith("scratch/")')),
        },
        "public_vm": {("acme_summaries", WRITER, _objects("acme-summaries", "daily/summary.csv"))},
    }
    # the pipeline's workflow runs their nodes as Cloud Batch jobs: their agents report to Batch
    roles = {"roles/logging.logWriter", "roles/batch.agentReporter"}
    assert _project_roles(path) == {"private_vm": roles, "public_vm": roles}


def test_prefix_glob_and_dataset_bindings() -> None:
    bindings = _bindings(FIXTURES / "spark_prefix" / "pipeline.py")
    assert bindings["ingest_fn"] == {(
        "acme_landing", READER,
        (f'resource.name.startsWith("projects/_/buckets/acme-landing/objects/incoming/") || '
        f'{LIST}.startsWith("incoming/")'))}
    history = "projects/_/buckets/acme-landing/objects/history/daily"
    assert ("acme_landing", READER,
            (f'resource.name == "{history}" || resource.name.startsWith("{history}/") || '
            f'{LIST} == "history/daily" || {LIST}.startsWith("history/daily/")')) in bindings["spark"]
    assert ("acme_exports", WRITER,
            ('resource.name.startsWith("projects/_/buckets/acme-exports/objects/exports/") || '
            f'{LIST}.startsWith("exports/")')) in bindings["single"]


def test_no_broad_role_is_ever_granted() -> None:
    for path in CASES:
        files, _, _ = emitted_once(path)
        text = "".join(v for v in files.values() if isinstance(v, str))
        for role in ("roles/owner", "roles/editor", "roles/storage.admin", "roles/storage.objectAdmin",
                     "roles/dataproc.worker", "allUsers", "allAuthenticatedUsers"):
            assert f'"{role}"' not in text, (path, role)
        for account, roles in _project_roles(path).items():
            assert not [r for r in roles if "storage" in r], (path, account)
