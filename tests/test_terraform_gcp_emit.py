"""What the GCP Terraform backend emits: every file snapshotted, diagnostics, hardening, packages."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions
from terraform_tools import (
    REPO,
    assert_files_match_snapshots,
    emit_pipeline,
    emitted_once,
    emitted_resources,
    extract,
    load_module,
    runners_saying,
    top_level_functions,
    zip_names,
)

from glacierc.backends.terraform import emit
from glacierc.ir.nodes import Config, Executor, Project, Provider, Storage, Task
from glacierc.source import Span

FIXTURES = REPO / "tests" / "fixtures" / "terraform_gcp"
CASES = {"gcp_analytics": REPO / "examples" / "gcp_analytics" / "pipeline.py",
         **{p.parent.name: p for p in sorted(FIXTURES.glob("*/pipeline.py"))}}
RUNNER = "def run_node(node, event):\n    return {'ran': node, 'event': event}\n"
PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
SPAN = Span("pipeline.py", 4, 1, 4, 30)


@pytest.mark.parametrize("case", sorted(CASES))
def test_emitted_files(case: str, snapshot) -> None:
    files, _, diagnostics = emitted_once(CASES[case])
    assert [f"{d.code} {d.severity.value} {d.message}" for d in diagnostics] == snapshot(name="diagnostics")
    assert_files_match_snapshots(files, snapshot)


def test_gcp_analytics_has_no_diagnostics_and_the_expectedemitted_resources() -> None:
    files, compiled, diagnostics = emitted_once(CASES["gcp_analytics"])
    assert [d.code for d in diagnostics] == ["GLC408"] and not compiled.has_errors
    assert set(emitted_resources(files, "google_service_account")) == {
        "dataproc_exec", "function_exec", "local_exec", "gcp_analytics_workflow"}
    # local nodes of a GCP pipeline run in a generated Cloud Function
    assert set(emitted_resources(files, "google_cloudfunctions2_function")) == {"completed_orders", "load", "publish"}
    assert set(emitted_resources(files, "google_dataproc_cluster")) == {"dataproc_exec"}
    provider = hcl2.loads(files["terraform/providers.tf"], serialization_options=PLAIN)["provider"][0]["google"]
    assert (provider["project"], provider["region"]) == ("glacier-demo", "us-central1")
    assert "glacier_pipeline = \"gcp_analytics\"" in files["terraform/providers.tf"]
    assert 'source  = "hashicorp/google"' in files["terraform/versions.tf"]


def test_buckets_are_private_versioned_and_uniform() -> None:
    for case, path in CASES.items():
        files, _, _ = emitted_once(path)
        for label, bucket in emitted_resources(files, "google_storage_bucket").items():
            assert bucket["uniform_bucket_level_access"] is True, (case, label)
            assert bucket["public_access_prevention"] == "enforced", (case, label)
            rules = [r["action"][0]["type"] for r in bucket["lifecycle_rule"]]
            assert rules[0] == "AbortIncompleteMultipartUpload", (case, label)
    buckets = emitted_resources(emitted_once(CASES["gcp_analytics"])[0], "google_storage_bucket")
    assert buckets["glacier_demo_reports"]["storage_class"] == "NEARLINE"
    assert buckets["glacier_demo_raw"]["versioning"][0]["enabled"] is True


def test_lifecycle_rules_and_cmek() -> None:
    files, _, diagnostics = emitted_once(FIXTURES / "vm_lifecycle" / "pipeline.py")
    assert [d.code for d in diagnostics if d.code != "GLC408"] == ["GLC404"]
    lake = emitted_resources(files, "google_storage_bucket")["acme_lake"]
    key = "projects/acme-security/locations/europe-west1/keyRings/data/cryptoKeys/lake"
    assert lake["encryption"][0]["default_kms_key_name"] == key
    assert lake["depends_on"] == ["${google_kms_crypto_key_iam_member.acme_lake_cmek}"]
    rules = [(r["action"][0]["type"], r["action"][0].get("storage_class"), r["condition"][0]) for r in lake["lifecycle_rule"]]
    assert rules[1] == ("SetStorageClass", "NEARLINE",
                        {"age": 30, "matches_prefix": ["events/"], "matches_storage_class": ["STANDARD"]})
    assert ("Delete", None, {"days_since_noncurrent_time": 365, "with_state": "ARCHIVED",
                             "matches_prefix": ["events/"]}) in rules
    grant = emitted_resources(files, "google_kms_crypto_key_iam_member")["acme_lake_cmek"]
    assert grant["crypto_key_id"] == key and grant["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    summaries = emitted_resources(files, "google_storage_bucket")["acme_summaries"]
    assert summaries["location"] == "EU" and summaries["versioning"][0]["enabled"] is False
    assert "checkov:skip=CKV_GCP_78:versioning=False" in files["terraform/storage.tf"]


def test_functions_follow_the_config() -> None:
    files, _, _ = emitted_once(FIXTURES / "spark_prefix" / "pipeline.py")
    function = emitted_resources(files, "google_cloudfunctions2_function")["ingest"]
    service = function["service_config"][0]
    assert {k: service[k] for k in ("available_memory", "timeout_seconds", "max_instance_count",
                                    "min_instance_count", "service_account_email")} == {
        "available_memory": "2048Mi", "timeout_seconds": 120, "max_instance_count": 5, "min_instance_count": 1,
        "service_account_email": "${google_service_account.ingest_fn.email}"}
    assert function["build_config"][0]["runtime"] == "python312"
    assert function["build_config"][0]["entry_point"] == "task_ingest"
    obj = emitted_resources(files, "google_storage_bucket_object")["ingest_fn"]
    digest = hashlib.sha256(files["terraform/functions/ingest_fn.zip"]).hexdigest()[:16]
    assert obj["name"] == f"functions/ingest_fn-{digest}.zip"
    assert obj["source"] == "${path.module}/functions/ingest_fn.zip"


def test_vm_executors_get_no_machine_but_batch_jobs_on_their_config() -> None:
    """A vm executor's nodes run as Cloud Batch jobs: no instance idles between runs; each job takes the
    executor's machine type, disk, zone and external IP."""
    files, _, _ = emitted_once(FIXTURES / "vm_lifecycle" / "pipeline.py")
    assert not emitted_resources(files, "google_compute_instance")
    firewalls = emitted_resources(files, "google_compute_firewall")  # nothing connects to a Batch VM
    assert list(firewalls) == ["glacier_deny_ingress"]
    assert (firewalls["glacier_deny_ingress"]["deny"], firewalls["glacier_deny_ingress"]["source_ranges"]) == (
        [{"protocol": "all"}], ["0.0.0.0/0"])
    assert set(emitted_resources(files, "google_compute_subnetwork")) == {"glacier"}
    assert set(emitted_resources(files, "google_compute_router_nat")) == {"glacier"}
    steps = json.loads(files["terraform/workflows/Lake_Daily.json"])["main"]["steps"]
    policies = {name.removeprefix("run_"): body["try"]["args"]["body"]["allocationPolicy"]
                for step in steps for name, body in step.items() if name.startswith("run_")}
    assert set(policies) == {"parse", "publish"}  # stage is fused into parse's group
    assert policies["parse"]["instances"] == [{"policy": {"machineType": "n2-standard-8", "bootDisk": {"sizeGb": 100}}}]
    assert "location" not in policies["parse"]  # any zone of the region
    assert policies["parse"]["network"]["networkInterfaces"][0]["noExternalIpAddress"] is True
    assert policies["publish"]["instances"][0]["policy"]["machineType"] == "e2-medium"
    assert policies["publish"]["location"] == {"allowedLocations": ["zones/europe-west1-c"]}
    assert policies["publish"]["network"]["networkInterfaces"][0]["noExternalIpAddress"] is False


def test_dataproc_clusters_are_internal_and_have_their_own_buckets() -> None:
    files, _, _ = emitted_once(FIXTURES / "spark_prefix" / "pipeline.py")
    clusters = emitted_resources(files, "google_dataproc_cluster")
    spark = clusters["spark"]["cluster_config"][0]
    assert spark["gce_cluster_config"][0]["internal_ip_only"] is True
    assert spark["software_config"][0]["image_version"] == "2.1-debian11"
    assert spark["worker_config"][0] == {"num_instances": 3, "machine_type": "n2-highmem-8"}
    assert spark["staging_bucket"] == "${google_storage_bucket.spark_staging.name}"
    single = clusters["single"]["cluster_config"][0]
    assert "worker_config" not in single
    assert single["software_config"][0]["override_properties"] == {"dataproc:dataproc.allow.zero.workers": "true"}
    role = emitted_resources(files, "google_project_iam_custom_role")["glacier_dataproc_worker"]
    assert not [p for p in role["permissions"] if p.startswith("storage.")]


class Request:
    """What the generated entry points use of a Flask request."""

    def __init__(self, body: object) -> None:
        self.body = body

    def get_json(self, silent: bool = False) -> object:
        return self.body


def test_function_zip_runs_the_bundled_runner(tmp_path: Path) -> None:
    files, _, _ = emit_pipeline(CASES["gcp_analytics"], runner_sources={"gcp_analytics": RUNNER})
    content = files["terraform/functions/function_exec.zip"]
    assert zip_names(content) == ["glacier_runners/gcp_analytics.py", "main.py", "requirements.txt"]
    main = _load(extract(content, tmp_path) / "main.py")
    assert main.task_completed_orders(Request(None)) == (
        '{"ran": "completed_orders", "event": {}}', 200, {"Content-Type": "application/json"})
    with pytest.raises(RuntimeError, match="not part of pipeline"):
        main.task_completed_orders(Request({"pipeline": "other"}))


def test_function_without_runner_says_so_when_invoked(tmp_path: Path) -> None:
    files, _, _ = emitted_once(CASES["gcp_analytics"])
    main = _load(extract(files["terraform/functions/function_exec.zip"], tmp_path) / "main.py")
    with pytest.raises(RuntimeError, match="was not bundled"):
        main.run("completed_orders", {"node": "completed_orders"})


def _load(path: Path):
    return load_module(path, f"gcp_main_{abs(hash(path))}")


SHARED = FIXTURES / "shared_package" / "pipeline.py"


def _shared_files() -> dict[str, str | bytes]:
    return emit_pipeline(SHARED, runner_sources=runners_saying("daily", "rescore"))[0]


def test_functions_of_an_executor_share_one_source_object() -> None:
    files = _shared_files()
    assert sorted(p for p in files if p.endswith(".zip")) == [
        "terraform/functions/heavy.zip", "terraform/functions/workers.zip"]
    objects = emitted_resources(files, "google_storage_bucket_object")
    assert {label: o["source"] for label, o in objects.items()} == {
        "heavy": "${path.module}/functions/heavy.zip", "workers": "${path.module}/functions/workers.zip"}
    for label, obj in objects.items():
        digest = hashlib.sha256(files[f"terraform/functions/{label}.zip"]).hexdigest()[:16]
        assert obj["name"] == f"functions/{label}-{digest}.zip"
    functions = emitted_resources(files, "google_cloudfunctions2_function")
    builds = {label: f["build_config"][0] for label, f in functions.items()}
    assert {label: (b["source"][0]["storage_source"][0]["object"], b["entry_point"])
            for label, b in builds.items()} == {
        "parse": ("${google_storage_bucket_object.workers.name}", "task_parse"),
        "score": ("${google_storage_bucket_object.workers.name}", "task_score"),
        "publish": ("${google_storage_bucket_object.heavy.name}", "task_publish")}


def test_every_entry_point_is_a_function_of_its_source() -> None:
    files = _shared_files()
    objects = emitted_resources(files, "google_storage_bucket_object")
    for label, function in emitted_resources(files, "google_cloudfunctions2_function").items():
        build = function["build_config"][0]
        source = build["source"][0]["storage_source"][0]["object"].split(".")[1]
        package = files["terraform/" + objects[source]["source"].removeprefix("${path.module}/")]
        main = zipfile.ZipFile(io.BytesIO(package)).read("main.py").decode()
        assert build["entry_point"] in top_level_functions(main), label


def test_shared_source_holds_each_runner_once_and_is_deterministic() -> None:
    files = _shared_files()
    assert zip_names(files["terraform/functions/workers.zip"]) == [
        "glacier_runners/daily.py", "glacier_runners/rescore.py", "main.py", "requirements.txt"]
    assert zip_names(files["terraform/functions/heavy.zip"]) == [
        "glacier_runners/daily.py", "main.py", "requirements.txt"]
    assert files == _shared_files()


def test_each_entry_point_of_a_shared_source_runs_its_own_task(tmp_path: Path) -> None:
    main = _load(extract(_shared_files()["terraform/functions/workers.zip"], tmp_path) / "main.py")
    body, status, _ = main.task_score(Request({"pipeline": "rescore", "node": "score_2"}))
    assert (json.loads(body), status) == (
        {"pipeline": "rescore", "ran": "score_2", "event": {"pipeline": "rescore", "node": "score_2"}}, 200)
    event = {"pipeline": "daily"}
    assert main.run("parse", event) == {"pipeline": "daily", "ran": "parse", "event": event}
    with pytest.raises(RuntimeError, match="task 'parse': name the pipeline in the event"):
        main.task_parse(Request(None))
    with pytest.raises(RuntimeError, match="task 'score': name the node in the event"):
        main.task_score(Request({"pipeline": "rescore"}))


def test_what_gcp_cannot_express_is_reported() -> None:
    files, _, diagnostics = emitted_once(FIXTURES / "unsupported" / "pipeline.py")
    assert sorted((d.code, d.severity.value) for d in diagnostics) == [
        ("GLC302", "error"), ("GLC401", "error"), ("GLC401", "error"), ("GLC401", "error"), ("GLC401", "error"),
        ("GLC408", "info")]
    messages = " | ".join(d.message for d in diagnostics)
    for part in ("LambdaConfig cannot run on GCP", "Databricks on GCP", "Spark 2.4", "release_label",
                 "`GLACIER` is not a Cloud Storage class"):
        assert part in messages
    text = "".join(v for p, v in files.items() if isinstance(v, str) and p.endswith(".tf"))
    assert "google_dataproc_cluster" not in text
    # only the local executor runs (in a generated function); the refused executors get nothing
    assert set(emitted_resources(files, "google_cloudfunctions2_function")) <= {
        t.name for t in emitted_once(FIXTURES / "unsupported" / "pipeline.py")[1].project.tasks
        if t.executor == "local_exec"}


def test_spark_instance_types_of_other_clouds_and_one_worker_are_refused() -> None:
    gcp = Provider("provider", "gcp", Config("GcpConfig", (("project_id", "p"),)), SPAN)
    aws_type = Executor("aws_type", "provider", "cluster", Config("SparkConfig", (("instance_type", "m5.xlarge"),)), SPAN)
    one = Executor("one", "provider", "cluster", Config("DataprocConfig", (("num_workers", 1),)), SPAN)
    tasks = tuple(Task(n, n, "pipeline", n, (), None, (), (), (), (), (), 0, None, SPAN) for n in ("aws_type", "one"))
    _, diagnostics = emit(Project(providers=(gcp,), executors=(aws_type, one), tasks=tasks))
    assert sorted((d.code, d.message.split(":")[0]) for d in diagnostics) == [
        ("GLC302", "executor `one`"), ("GLC401", "executor `aws_type`")]


def test_bucket_names_gcs_refuses_are_reported_by_check() -> None:
    from glacierc.checks.registry import run_all

    gcp = Provider("provider", "gcp", Config("GcpConfig", (("project_id", "p"),)), SPAN)
    storage = Storage("s", "provider", "my-google-bucket", "a.csv", "csv", "gs://my-google-bucket/a.csv", None, SPAN)
    diagnostics = [d for d in run_all(Project(providers=(gcp,), storage=(storage,))) if d.code != "GLC206"]
    assert [d.code for d in diagnostics] == ["GLC306"] and "`google`" in diagnostics[0].message


def test_several_clouds_get_one_module_each() -> None:
    files, _, diagnostics = emitted_once(REPO / "tests" / "fixtures" / "terraform_azure" / "multi_cloud" / "pipeline.py")
    assert {p.split("/")[1] for p in files} == {"azure", "gcp"}
    assert "terraform/gcp/functions/gcp_fn.zip" in files and "terraform/azure/functions/azure_fn.zip" in files
    assert [(d.code, d.severity.value) for d in diagnostics if d.severity.value != "info"] == [("GLC403", "warning")]
