"""What the AWS Terraform backend emits: every file snapshotted, diagnostics, layout, packages, security."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
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
from glacierc.backends.terraform.packaging import package
from glacierc.ir.nodes import Config, Executor, Project, Provider, Task
from glacierc.source import Span


FIXTURES = REPO / "tests" / "fixtures" / "terraform_aws"
CASES = {"aws_etl": REPO / "examples" / "aws_etl" / "pipeline.py",
         **{p.parent.name: p for p in sorted(FIXTURES.glob("*/pipeline.py"))}}
RUNNER = "def run_node(node, event):\n    return {'ran': node, 'event': event}\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_emitted_files(case: str, snapshot) -> None:
    files, _, diagnostics = emitted_once(CASES[case])
    assert [f"{d.code} {d.message}" for d in diagnostics] == snapshot(name="diagnostics")
    assert_files_match_snapshots(files, snapshot)


def test_buckets_are_private_versioned_and_encrypted() -> None:
    files, _, _ = emitted_once(CASES["aws_etl"])
    blocks = (emitted_resources(files, "aws_s3_public_access_block")
              or emitted_resources(files, "aws_s3_bucket_public_access_block"))
    assert set(blocks) == {"acme_curated", "acme_raw", "glacier_logs", "aws_etl_staging", "glacier_artifacts"}
    for block in blocks.values():
        assert [block[k] for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                   "restrict_public_buckets")] == [True] * 4
    for block in emitted_resources(files, "aws_s3_bucket_ownership_controls").values():
        assert block["rule"][0]["object_ownership"] == "BucketOwnerEnforced"
    for block in emitted_resources(files, "aws_s3_bucket_server_side_encryption_configuration").values():
        default = block["rule"][0]["apply_server_side_encryption_by_default"][0]
        assert default["sse_algorithm"] == "aws:kms" and default["kms_master_key_id"].startswith("${aws_kms_key.")
    for key in emitted_resources(files, "aws_kms_key").values():
        assert key["enable_key_rotation"] is True and "policy" in key
    lifecycle = emitted_resources(files, "aws_s3_bucket_lifecycle_configuration")["acme_raw"]["rule"]
    assert lifecycle[0]["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 7
    assert lifecycle[1]["transition"][0] == {"days": 30, "storage_class": "STANDARD_IA"}


def test_lambda_follows_the_config_and_its_package() -> None:
    files, _, _ = emitted_once(FIXTURES / "serverless_prefix" / "pipeline.py")
    function = emitted_resources(files, "aws_lambda_function")["ingest"]
    assert {k: function[k] for k in ("runtime", "memory_size", "timeout", "architectures", "handler",
                                     "reserved_concurrent_executions")} == {
        "runtime": "python3.12", "memory_size": 2048, "timeout": 300, "architectures": ["arm64"],
        "handler": "handler.task_ingest", "reserved_concurrent_executions": 5}
    assert function["ephemeral_storage"][0]["size"] == 2048
    assert function["filename"] == "${path.module}/lambda/fn.zip"
    package = files["terraform/lambda/fn.zip"]
    assert function["source_code_hash"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    group = emitted_resources(files, "aws_cloudwatch_log_group")["ingest"]
    assert group["retention_in_days"] == 365 and group["kms_key_id"] == "${aws_kms_key.glacier_logs.arn}"


def test_vm_executors_run_on_batch_instances_with_imdsv2_and_encrypted_disks() -> None:
    """No EC2 instance waits idle per task: each vm executor is a Batch compute environment scaling from 0 vCPUs
    whose launch template requires IMDSv2 and encrypts the root volume."""
    files, _, _ = emitted_once(FIXTURES / "vm_task" / "pipeline.py")
    assert not emitted_resources(files, "aws_instance")
    templates = emitted_resources(files, "aws_launch_template")
    assert set(templates) == {"vm_exec", "public_vm"}
    for template in templates.values():
        assert template["metadata_options"][0]["http_tokens"] == "required"
        assert template["block_device_mappings"][0]["ebs"][0]["encrypted"] is True
    assert templates["vm_exec"]["block_device_mappings"][0]["ebs"][0]["volume_size"] == 50
    environments = emitted_resources(files, "aws_batch_compute_environment")
    vm = environments["vm_exec"]["compute_resources"][0]
    assert vm["min_vcpus"] == 0 and vm["instance_type"] == ["t4g.large"] and vm["subnets"] == "${data.aws_subnets.default.ids}"
    public = environments["public_vm"]["compute_resources"][0]
    assert public["subnets"] == ["subnet-0123456789abcdef0"]
    assert public["ec2_configuration"][0]["image_id_override"] == "ami-0123456789abcdef0"


def test_lambda_zip_is_deterministic_and_runs_the_bundled_runner(tmp_path: Path) -> None:
    files, _, _ = emit_pipeline(CASES["aws_etl"], runner_sources={"aws_etl": RUNNER})
    content = files["terraform/lambda/lambda_exec.zip"]
    assert content == emit_pipeline(CASES["aws_etl"], runner_sources={"aws_etl": RUNNER})[0][
        "terraform/lambda/lambda_exec.zip"]
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert [i.filename for i in archive.infolist()] == ["glacier_runners/aws_etl.py", "handler.py"]
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    handler = _load(extract(content, tmp_path) / "handler.py")
    assert handler.task_clean({}, None) == {"ran": "clean", "event": {}}
    with pytest.raises(RuntimeError, match="not part of pipeline"):
        handler.task_clean({"pipeline": "other"}, None)


def test_lambda_without_runner_says_so_when_invoked(tmp_path: Path) -> None:
    files, _, _ = emitted_once(CASES["aws_etl"])
    handler = _load(extract(files["terraform/lambda/lambda_exec.zip"], tmp_path) / "handler.py")
    with pytest.raises(RuntimeError, match="was not bundled"):
        handler.task_clean({"node": "clean"}, None)


def _load(path: Path):
    return load_module(path, f"handler_{abs(hash(path))}")


SHARED = FIXTURES / "shared_package" / "pipeline.py"


def _shared_files() -> dict[str, str | bytes]:
    return emit_pipeline(SHARED, runner_sources=runners_saying("daily", "rescore"))[0]


def test_functions_of_an_executor_share_one_package() -> None:
    files = _shared_files()
    assert sorted(p for p in files if p.endswith(".zip")) == [
        "terraform/lambda/heavy.zip", "terraform/lambda/workers.zip"]
    functions = emitted_resources(files, "aws_lambda_function")
    packages = {label: (f["role"], f["filename"], f["source_code_hash"]) for label, f in functions.items()}
    def hash_of(role: str) -> str:  # as `filebase64sha256` would compute it, once per package
        return base64.b64encode(hashlib.sha256(files[f"terraform/lambda/{role}.zip"]).digest()).decode()

    assert packages == {
        label: (f"${{aws_iam_role.{role}.arn}}", f"${{path.module}}/lambda/{role}.zip", hash_of(role))
        for label, role in (("parse", "workers"), ("score", "workers"), ("publish", "heavy"))}
    assert {label: f["handler"] for label, f in functions.items()} == {
        "parse": "handler.task_parse", "score": "handler.task_score", "publish": "handler.task_publish"}


def test_every_handler_names_a_function_of_its_package() -> None:
    files = _shared_files()
    for label, function in emitted_resources(files, "aws_lambda_function").items():
        module, entry = function["handler"].split(".")
        package = files["terraform/" + function["filename"].removeprefix("${path.module}/")]
        source = zipfile.ZipFile(io.BytesIO(package)).read(f"{module}.py").decode()
        assert entry in top_level_functions(source), label
        assert entry.isidentifier() and len(function["handler"]) <= 128


def test_shared_package_holds_each_runner_once_and_is_deterministic() -> None:
    files = _shared_files()
    assert zip_names(files["terraform/lambda/workers.zip"]) == [
        "glacier_runners/daily.py", "glacier_runners/rescore.py", "handler.py"]
    assert zip_names(files["terraform/lambda/heavy.zip"]) == ["glacier_runners/daily.py", "handler.py"]
    assert files == _shared_files()


def test_each_entry_of_a_shared_package_runs_its_own_task(tmp_path: Path) -> None:
    handler = _load(extract(_shared_files()["terraform/lambda/workers.zip"], tmp_path) / "handler.py")
    assert handler.task_parse({"pipeline": "daily"}, None) == {
        "pipeline": "daily", "ran": "parse", "event": {"pipeline": "daily"}}
    event = {"pipeline": "rescore", "node": "score_2"}
    assert handler.task_score(event, None) == {"pipeline": "rescore", "ran": "score_2", "event": event}
    with pytest.raises(RuntimeError, match="task 'parse': name the pipeline in the event"):
        handler.task_parse(None, None)
    with pytest.raises(RuntimeError, match=r"task 'score': name the node in the event, one of \['score', 'score_2"):
        handler.task_score({"pipeline": "rescore"}, None)
    with pytest.raises(RuntimeError, match="task 'parse' is not part of pipeline 'weekly'"):
        handler.task_parse({"pipeline": "weekly"}, None)
    runner = "glacier_runners/daily.py"
    assert handler._load(runner) is handler._load(runner)  # a warm instance does not load the runner again


def test_a_task_at_one_node_of_one_pipeline_needs_no_event(tmp_path: Path) -> None:
    handler = _load(extract(_shared_files()["terraform/lambda/heavy.zip"], tmp_path) / "handler.py")
    assert handler.task_publish(None, None) == {"pipeline": "daily", "ran": "publish", "event": {}}


def test_package_is_byte_stable() -> None:
    files = {"b.py": "b", "a.py": b"a"}
    assert package(files) == package(dict(reversed(list(files.items()))))
    assert [i.filename for i in zipfile.ZipFile(io.BytesIO(package(files))).infolist()] == ["a.py", "b.py"]


def test_several_providers_get_one_module_each() -> None:
    files, _, _ = emitted_once(FIXTURES / "multi_provider" / "pipeline.py")
    assert {p.split("/")[1] for p in files} == {"backup", "primary"}
    assert "terraform/primary/lambda/worker.zip" in files and "terraform/backup/lambda/copier.zip" in files


def test_databricks_gets_its_own_root_module() -> None:
    files, _, _ = emitted_once(FIXTURES / "databricks" / "pipeline.py")
    assert "databricks" not in files["terraform/versions.tf"]
    assert '"databricks/databricks"' in files["terraform/databricks/versions.tf"]
    module = {k: v for k, v in files.items() if "/databricks/" in k}
    # the state machine submits one-time runs (aws_databricks_runs.py): no per-task jobs, entry scripts or tags
    assert emitted_resources(module, "databricks_job") == {} and not any("/tasks/" in k for k in module)
    assert "var.tags" not in module["terraform/databricks/compute.tf"]
    # the job cluster's, not `shared`'s
    assert set(emitted_resources(module, "databricks_instance_profile")) == {"jobs"}
    uploads = {f["path"] for f in emitted_resources(module, "databricks_workspace_file").values()}
    assert uploads == {f"/Shared/${{var.name_prefix}}/{path.removeprefix('terraform/databricks/')}"
                       for path in module if "/jobs/" in path}


def test_local_project_writes_no_terraform() -> None:
    files, _, diagnostics = emitted_once(REPO / "examples" / "quickstart" / "pipeline.py")
    assert files == {}
    assert [(d.code, d.severity.value) for d in diagnostics] == [("GLC402", "info")]


SPAN = Span("pipeline.py", 4, 1, 4, 30)


def test_configs_of_another_cloud_and_unknown_clouds_are_reported() -> None:
    aws = Provider("provider", "aws", Config("AwsConfig"), SPAN)
    other = Provider("moon", "mars", Config("MarsConfig"), SPAN)
    executor = Executor("fn", "provider", "serverless", Config("CloudFunctionConfig"), SPAN)
    task = Task("t", "t", "pipeline", "fn", (), None, (), (), (), (), (), 0, None, SPAN)
    files, diagnostics = emit(Project(providers=(aws, other), executors=(executor,), tasks=(task,)))
    assert [d.code for d in diagnostics] == ["GLC401", "GLC401"]
    assert "CloudFunctionConfig cannot run on AWS" in diagnostics[0].message + diagnostics[1].message
    assert "aws_lambda_function" not in "".join(v for v in files.values() if isinstance(v, str))


def test_unknown_spark_version_needs_a_release_label() -> None:
    aws = Provider("provider", "aws", Config("AwsConfig"), SPAN)
    executor = Executor("spark", "provider", "cluster", Config("SparkConfig", (("spark_version", "9.9"),)), SPAN)
    task = Task("t", "t", "pipeline", "spark", (), None, (), (), (), (), (), 0, None, SPAN)
    files, diagnostics = emit(Project(providers=(aws,), executors=(executor,), tasks=(task,)))
    assert [d.code for d in diagnostics] == ["GLC401"] and "release_label" in diagnostics[0].help
    assert "aws_emr_cluster" not in files.get("terraform/compute.tf", "")
