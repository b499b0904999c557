"""`provider.bucket(..., existing=True)`: the library accepts and ignores it, the compiler records it (ir.json, read
back), and the Terraform reads the bucket with a data source instead of creating and configuring it, with the
same grants as for a bucket glacierc creates."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import hcl2
import polars as pl
import pytest
from hcl2 import SerializationOptions
from helpers import glacierc
from polars.testing import assert_frame_equal
from terraform_tools import REPO, emit_pipeline

from glacier import Provider
from glacier.config import LocalConfig
from glacierc.driver import compile_project
from glacierc.ir.read import read
from glacierc.ir.serialize import to_json

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
AWS_FIXTURE = REPO / "tests" / "fixtures" / "terraform_aws" / "existing_bucket" / "pipeline.py"


def _copy_without_existing(source: Path, tmp_path: Path) -> Path:
    """The same pipeline with `existing=True` removed: glacierc creates every bucket."""
    target = tmp_path / "created" / "pipeline.py"
    target.parent.mkdir(parents=True)
    target.write_text(source.read_text(encoding="utf-8").replace(", existing=True", ""), encoding="utf-8")
    return target


def _blocks(files: dict, kind: str) -> dict[str, dict[str, dict]]:
    """`resource` or `data` blocks of every .tf file: type -> label -> body."""
    found: dict[str, dict[str, dict]] = {}
    for path, content in files.items():
        if path.endswith(".tf"):
            for entry in hcl2.loads(content, serialization_options=PLAIN).get(kind, []):
                for type_, labelled in entry.items():
                    found.setdefault(type_, {}).update(labelled)
    return found


# --- library and IR ---------------------------------------------------------------------------------


def test_the_library_accepts_existing_and_reads_and_writes_as_usual(tmp_path) -> None:
    provider = Provider(config=LocalConfig(base_path=str(tmp_path)))
    adopted = provider.bucket(bucket="lake", path="t.parquet", existing=True)
    frame = pl.DataFrame({"id": [1, 2]})
    adopted.write(frame)
    assert_frame_equal(provider.bucket(bucket="lake", path="t.parquet").read(), frame)
    assert adopted.get_uri() == provider.bucket(bucket="lake", path="t.parquet").get_uri()


def test_ir_records_existing_and_reads_it_back() -> None:
    compiled = compile_project([AWS_FIXTURE], env={})
    assert {s.name: s.existing for s in compiled.project.storage} == {
        "orders": True, "customers": True, "enriched": False}
    text = to_json(compiled.project, compiled.diagnostics)
    storage = {s["name"]: s for s in json.loads(text)["storage"]}
    assert storage["orders"]["existing"] is True and "existing" not in storage["enriched"]
    assert read(text).storage == compiled.project.storage


@pytest.mark.parametrize(("argument", "reason"), [("existing=FLAG", "`existing` must be known statically"),
                                                  ('existing="yes"', "it must be True or False")])
def test_existing_must_be_a_literal_bool(tmp_path, argument: str, reason: str) -> None:
    (tmp_path / "pipeline.py").write_text(textwrap.dedent(f"""\
        import os
        from glacier import Provider, pipeline
        from glacier.config import AwsConfig

        FLAG = os.path.exists("/etc/adopt")
        provider = Provider(config=AwsConfig(region="us-east-1"))
        local_exec = provider.local()
        raw = provider.bucket(bucket="lake", path="raw.parquet", {argument})

        @local_exec.task()
        def load(source) -> None:
            source.scan()

        @pipeline(name="p")
        def p():
            load(raw)
        """), encoding="utf-8")
    result = glacierc("check", "pipeline.py", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    assert "GLC002" in result.stdout and reason in result.stdout and "Traceback" not in result.stderr


# --- AWS -----------------------------------------------------------------------------------------------


def test_aws_existing_bucket_is_a_data_source_without_settings(tmp_path) -> None:
    files, _, diagnostics = emit_pipeline(AWS_FIXTURE)
    assert not [d for d in diagnostics if d.severity.name == "ERROR"]
    data, resources = _blocks(files, "data"), _blocks(files, "resource")
    assert data["aws_s3_bucket"]["acme_landing"]["bucket"] == "acme-landing"
    owned_by_us = {label for kind, labelled in resources.items() if kind.startswith("aws_s3_bucket")
                   for label in labelled}
    assert "acme_landing" not in owned_by_us and "acme_enriched" in owned_by_us
    assert "acme_landing" not in resources.get("aws_kms_key", {})
    outputs = hcl2.loads(files["terraform/outputs.tf"], serialization_options=PLAIN)["output"]
    buckets = next(o["buckets"]["value"] for o in outputs if "buckets" in o)
    assert buckets["acme-landing"] == "${data.aws_s3_bucket.acme_landing.arn}"


def _s3_statements(files: dict) -> dict[str, list[dict]]:
    """Per policy document of an executor, its S3 statements (KMS ones name keys: ours only for our buckets)."""
    documents = _blocks(files, "data")["aws_iam_policy_document"]
    return {label: [s for s in body["statement"] if all(a.startswith("s3:") for a in s["actions"])]
            for label, body in documents.items() if label.endswith("_access")}


def test_aws_grants_are_those_of_a_created_bucket(tmp_path) -> None:
    adopted, _, _ = emit_pipeline(AWS_FIXTURE)
    created, _, _ = emit_pipeline(_copy_without_existing(AWS_FIXTURE, tmp_path))
    assert _s3_statements(adopted) == _s3_statements(created)
    assert any("arn:aws:s3:::acme-landing/shop/orders.parquet" in s["resources"]
               for statements in _s3_statements(adopted).values() for s in statements)
    assert "aws_kms_key.acme_landing" not in adopted["terraform/iam.tf"]  # the owner's key, if any, is not known


# --- GCP -----------------------------------------------------------------------------------------------

GCP_FIXTURE = REPO / "tests" / "fixtures" / "terraform_gcp" / "existing_bucket" / "pipeline.py"


def test_gcp_existing_bucket_is_a_data_source_without_settings() -> None:
    files, _, diagnostics = emit_pipeline(GCP_FIXTURE)
    assert not [d for d in diagnostics if d.severity.name == "ERROR"]
    data, resources = _blocks(files, "data"), _blocks(files, "resource")
    assert data["google_storage_bucket"]["acme_landing"]["name"] == "acme-landing"
    assert "acme_landing" not in resources["google_storage_bucket"]
    assert "acme_enriched" in resources["google_storage_bucket"]
    assert not any(label.startswith("acme_landing") for label in resources.get("google_kms_crypto_key_iam_member", {}))


def test_gcp_bindings_are_those_of_a_created_bucket_on_the_data_source(tmp_path) -> None:
    adopted, _, _ = emit_pipeline(GCP_FIXTURE)
    created, _, _ = emit_pipeline(_copy_without_existing(GCP_FIXTURE, tmp_path))
    bindings = {p: _blocks(files, "resource")["google_storage_bucket_iam_member"] for p, files in
                (("adopted", adopted), ("created", created))}
    assert set(bindings["adopted"]) == set(bindings["created"])
    for label, body in bindings["adopted"].items():
        expected = dict(bindings["created"][label])
        if label.startswith("fn_acme_landing"):
            expected["bucket"] = expected["bucket"].replace("${google_storage_bucket.", "${data.google_storage_bucket.")
        assert body == expected, label
    assert bindings["adopted"]["fn_acme_landing_read"]["bucket"] == "${data.google_storage_bucket.acme_landing.name}"


# --- Azure ---------------------------------------------------------------------------------------------

AZURE_FIXTURE = REPO / "tests" / "fixtures" / "terraform_azure" / "existing_containers" / "pipeline.py"


def test_azure_adopts_the_account_and_its_containers() -> None:
    files, _, diagnostics = emit_pipeline(AZURE_FIXTURE)
    assert not [d for d in diagnostics if d.severity.name == "ERROR"]
    data, resources = _blocks(files, "data"), _blocks(files, "resource")
    assert data["azurerm_storage_account"]["glacier_data"]["name"] == "${var.storage_account_name}"
    assert {label: body["name"] for label, body in data["azurerm_storage_container"].items()} == {
        "curated": "curated", "landing": "landing"}
    assert "glacier_data" not in resources["azurerm_storage_account"]
    assert not {"curated", "landing"} & set(resources["azurerm_storage_container"])
    assert "glacier_data" not in resources.get("azurerm_storage_management_policy", {})  # staging has its own
    variables = {name for entry in hcl2.loads(files["terraform/variables.tf"], serialization_options=PLAIN)["variable"]
                 for name in entry}
    assert {"storage_account_name", "storage_account_resource_group"} <= variables


def test_azure_roles_are_those_of_created_containers(tmp_path) -> None:
    adopted, _, _ = emit_pipeline(AZURE_FIXTURE)
    created, _, _ = emit_pipeline(_copy_without_existing(AZURE_FIXTURE, tmp_path))
    roles = {p: _blocks(files, "resource")["azurerm_role_assignment"] for p, files in
             (("adopted", adopted), ("created", created))}
    assert set(roles["adopted"]) == set(roles["created"])
    for label, body in roles["adopted"].items():
        expected = dict(roles["created"][label])
        for container in ("curated", "landing"):
            expected["scope"] = expected["scope"].replace(
                f"${{azurerm_storage_container.{container}.id}}",
                f"${{data.azurerm_storage_container.{container}.resource_manager_id}}")
        assert body == expected, label
    settings = next(iter(_blocks(adopted, "resource")["azurerm_linux_function_app"].values()))["app_settings"]
    assert settings["AZURE_STORAGE_ACCOUNT_NAME"] == "${data.azurerm_storage_account.glacier_data.name}"


def test_azure_refuses_a_new_container_beside_adopted_ones(tmp_path) -> None:
    source = AZURE_FIXTURE.read_text(encoding="utf-8").replace(
        'path="orders/enriched.parquet", existing=True', 'path="orders/enriched.parquet"')
    (tmp_path / "pipeline.py").write_text(source, encoding="utf-8")
    result = glacierc("build", "pipeline.py", "-o", "out", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error[GLC401]: storage `enriched`: Azure keeps the containers of a provider in one storage account" \
        in result.stderr
    assert not (tmp_path / "out").exists()
    check = glacierc("check", "pipeline.py", cwd=tmp_path)  # check reports what build would refuse
    assert check.returncode == 1 and "GLC401" in check.stdout
