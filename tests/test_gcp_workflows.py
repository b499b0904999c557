"""The GCP workflows: definitions (encoding, retries, timeouts, escaping, bytes), schedules, and what each
account may do. The definitions are run end to end in test_gcp_workflows_e2e.py."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions
from terraform_tools import REPO, emit_pipeline

from glacierc.backends.terraform.gcp_schedule import unix_cron
from glacierc.backends.terraform.gcp_workflows import literal

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
ORDERS = REPO / "tests" / "fixtures" / "terraform_gcp" / "workflow_orders" / "pipeline.py"
EXAMPLE = REPO / "examples" / "gcp_analytics" / "pipeline.py"
BATCH_VMS = REPO / "tests" / "fixtures" / "terraform_gcp" / "workflow_vm" / "pipeline.py"
UNSUPPORTED = REPO / "tests" / "fixtures" / "terraform_gcp" / "unsupported" / "pipeline.py"
RUNNERS = {"orders": "# runner\n", "gcp_analytics": "# runner\n", "batch_daily": "# runner\n", "misc": "# runner\n"}


def _files(path: Path) -> dict:
    files, _, _ = emit_pipeline(path, runner_sources=RUNNERS)
    return {name.removeprefix("terraform/"): content for name, content in files.items()}


def _resources(files: dict, kind: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for name, text in files.items():
        if name.endswith(".tf"):
            for block in hcl2.loads(text, serialization_options=PLAIN).get("resource", []):
                found.update(block.get(kind, {}))
    return found


def _steps(path: Path, label: str) -> list[dict]:
    return json.loads(_files(path)[f"workflows/{label}.json"])["main"]["steps"]


def test_levels_become_steps_and_parallel_branches():
    steps = _steps(ORDERS, "orders")
    assert [next(iter(s)) for s in steps] == ["init", "run_extract", "record_extract", "level_2", "level_3", "done"]
    assert steps[0]["init"]["assign"] == [{"run_id": '$${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}'},
                                          {"results": {}}, {"items": {}}]
    parallel = steps[3]["level_2"]["parallel"]
    assert [next(iter(b)) for b in parallel["branches"]] == ["branch_clean", "branch_per_region"]
    # what each function returned is kept by its group's lead, and each map's tally by its node, in maps the
    # branches share
    assert parallel["shared"] == ["results", "items"]
    assert [next(iter(s)) for s in parallel["branches"][0]["branch_clean"]["steps"]] == ["run_clean", "record_clean"]
    assert steps[2]["record_extract"] == {"assign": [{'results["extract"]': "$${result_1.body}"}, {"result_1": None}]}
    assert steps[-1]["done"]["return"] == {"pipeline": "orders", "run_id": "$${run_id}", "results": "$${results}",
                                           "items": "$${items}"}


def test_a_group_is_one_oidc_call_with_the_tasks_retries_and_timeouts():
    clean = _steps(ORDERS, "orders")[3]["level_2"]["parallel"]["branches"][0]["branch_clean"]["steps"][0]["run_clean"]
    assert clean["try"] == {"call": "http.post", "result": "result_2", "args": {
        "url": "${url_clean}", "auth": {"type": "OIDC"}, "timeout": 60,  # clean 30 s + per_day 30 s, fused
        "body": {"pipeline": "orders", "group": "clean", "run_id": "$${run_id}"}}}
    assert clean["retry"] == {"predicate": "$${glacier_retry_any}", "max_retries": 2,
                              "backoff": {"initial_delay": 1, "max_delay": 60, "multiplier": 2}}
    failed = clean["except"]["steps"][0]["failed_clean"]["raise"]
    assert (failed["code"], failed["results"], failed["items"]) == ("glacier.NodeFailed", "$${results}", "$${items}")
    assert failed["message"].startswith("node `clean` (task `clean`, pipeline.py:51); node `per_day`")
    functions = _resources(_files(ORDERS), "google_cloudfunctions2_function")
    assert functions["clean"]["service_config"][0]["timeout_seconds"] == 60  # covers the fused group


def test_dataproc_groups_are_jobs_through_the_connector():
    steps = _steps(EXAMPLE, "gcp_analytics")
    join = next(s["run_join_all"] for s in steps if "run_join_all" in s)
    assert join["try"]["call"] == "googleapis.dataproc.v1.projects.regions.jobs.submitAsOperation"
    args = join["try"]["args"]
    assert (args["projectId"], args["region"]) == ("glacier-demo", "us-central1")
    assert args["body"]["job"] == {"placement": {"clusterName": "${cluster_dataproc_exec}"}, "pysparkJob": {
        "mainPythonFileUri": "${job_dataproc_exec}", "fileUris": ["${runner_dataproc_exec_gcp_analytics}"],
        "args": ["gcp_analytics", "join_all", "$${run_id}", "${staging_uri_gcp_analytics}"]}}
    files = _files(EXAMPLE)
    assert "initialization_action" in files["compute.tf"] and "pip install" in files["jobs/dataproc-init.sh"]
    assert "jobs/dataproc_exec/job.py" in files and "jobs/dataproc_exec/glacier_runner_gcp_analytics.py" in files
    # the init action installs the requirement set of the cluster's job folder, which its metadata names
    assert files["jobs/dataproc_exec/requirements.txt"].splitlines()[0] == "polars==2.1.0"
    (cluster,) = _resources(files, "google_dataproc_cluster").values()
    assert cluster["cluster_config"][0]["gce_cluster_config"][0]["metadata"] == {
        "glacier-job-folder": "gs://${google_storage_bucket.glacier_functions.name}/jobs/dataproc_exec"}
    objects = {o["name"] for o in _resources(files, "google_storage_bucket_object").values()}
    assert {"jobs/dataproc_exec/requirements.txt", "jobs/dataproc_exec/glacier_installed.py"} <= objects


def test_vm_groups_are_batch_jobs_on_the_configured_machine_as_the_executors_account():
    files = _files(BATCH_VMS)
    steps = json.loads(files["workflows/batch_daily.json"])["main"]["steps"]
    parse = steps[1]["run_parse"]
    assert parse["try"]["call"] == "googleapis.batch.v1.projects.locations.jobs.create"
    args = parse["try"]["args"]
    assert args["parent"] == "projects/acme-batch/locations/us-east1"
    assert args["connector_params"] == {"timeout": 900}
    policy = args["body"]["allocationPolicy"]
    assert policy["instances"] == [{"policy": {"machineType": "n2-highmem-4", "bootDisk": {"sizeGb": 50}}}]
    assert policy["serviceAccount"] == {"email": "${account_worker}"}
    assert policy["network"]["networkInterfaces"] == [{"subnetwork": "${subnetwork}", "noExternalIpAddress": True}]
    task = args["body"]["taskGroups"][0]["taskSpec"]
    assert (task["maxRetryCount"], task["maxRunDuration"]) == (0, "900s")  # the workflow retries (retries=1)
    assert parse["retry"]["max_retries"] == 1
    assert task["volumes"] == [{"gcs": {"remotePath": "${jobs_worker}"}, "mountPath": "/mnt/disks/glacier"}]
    # the workflow may act as exactly the vm executor's account, and create Batch jobs
    acts = _resources(files, "google_service_account_iam_member")
    assert {label: (b["service_account_id"], b["role"]) for label, b in acts.items()} == {
        "batch_daily_acts_as_worker": ("${google_service_account.worker.name}", "roles/iam.serviceAccountUser")}
    roles = {b["role"] for b in _resources(files, "google_project_iam_member").values()
             if "worker.email" in b["member"]}
    assert roles == {"roles/batch.agentReporter", "roles/logging.logWriter"}  # report to Batch, write the job's logs
    # egress for the Polars install, nothing inbound; no machine of the executor idles between runs
    assert set(_resources(files, "google_compute_router_nat")) == {"glacier"}
    assert not _resources(files, "google_compute_instance")
    assert list(_resources(files, "google_compute_firewall")) == ["glacier_deny_ingress"]


def test_executors_the_workflow_cannot_run_stop_it_by_name():
    files = _files(UNSUPPORTED)
    steps = json.loads(files["workflows/misc.json"])["main"]["steps"]
    assert [next(iter(s)) for s in steps] == ["init", "not_orchestrated_first"]
    raised = steps[1]["not_orchestrated_first"]["raise"]
    assert raised["code"] == "glacier.NotOrchestrated" and "node `first`" in raised["message"]


def test_definitions_are_canonical_and_user_text_is_never_an_expression():
    first, second = _files(ORDERS)["workflows/orders.json"], _files(ORDERS)["workflows/orders.json"]
    assert first == second and first == json.dumps(json.loads(first), sort_keys=True, separators=(",", ":"),
                                                   ensure_ascii=False) + "\n"
    assert literal("plain") == "plain"
    assert literal("${sys.exit()}") == '${"${sys.exit()}"}'


def test_function_sources_pin_polars():
    import io
    import zipfile

    for name, content in _files(EXAMPLE).items():
        if name.startswith("functions/"):
            requirements = zipfile.ZipFile(io.BytesIO(content)).read("requirements.txt").decode()
            assert "polars==2.1.0" in requirements.splitlines(), name


@pytest.mark.parametrize(("schedule", "cron"), [
    ("rate(1 day)", "0 0 * * *"), ("rate(15 minutes)", "*/15 * * * *"), ("rate(6 hours)", "0 */6 * * *"),
    ("rate(120 minutes)", "0 */2 * * *"), ("rate(7 days)", "0 0 * * 0"),
    ("cron(30 6 ? * MON-FRI *)", "30 6 * * MON-FRI"), ("cron(0 12 1 * ? *)", "0 12 1 * *"),
    ("cron(0 8 ? * 2,6 *)", "0 8 * * 1,5"),
])
def test_schedules_become_unix_cron(schedule, cron):
    assert unix_cron(schedule) == (cron, None)


@pytest.mark.parametrize("schedule", ["rate(7 minutes)", "rate(3 days)", "cron(0 12 * * ? 2027)",
                                      "cron(0 12 L * ? *)", "cron(0 12 ? * 2#1 *)"])
def test_schedules_without_an_exact_unix_cron_are_refused(schedule):
    cron, problem = unix_cron(schedule)
    assert cron is None and problem


def test_the_workflow_may_invoke_exactly_its_functions():
    files = _files(ORDERS)
    invokers = _resources(files, "google_cloud_run_service_iam_member")
    mine = {b["service"] for label, b in invokers.items()
            if b["member"] == "serviceAccount:${google_service_account.orders_workflow.email}"}
    functions = set(_resources(files, "google_cloudfunctions2_function")) - {"per_day"}  # fused into clean's
    assert mine == {f"${{google_cloudfunctions2_function.{f}.name}}" for f in functions}
    workflow = _resources(files, "google_workflows_workflow")["orders"]
    assert workflow["service_account"] == "${google_service_account.orders_workflow.id}"
    roles = {b["role"] for b in _resources(files, "google_project_iam_member").values()
             if "orders_workflow" in b["member"]}
    assert roles == {"roles/logging.logWriter"}


def test_the_schedule_may_start_only_its_workflow():
    files = _files(ORDERS)
    job = _resources(files, "google_cloud_scheduler_job")["orders"]
    assert job["schedule"] == "30 6 * * MON-FRI" and job["time_zone"] == "Etc/UTC"
    target = job["http_target"][0]
    assert target["uri"] == ("https://workflowexecutions.googleapis.com/v1/${google_workflows_workflow.orders.id}"
                             "/executions")
    assert target["oauth_token"][0]["service_account_email"] == "${google_service_account.orders_schedule.email}"
    grants = [b for b in _resources(files, "google_project_iam_member").values() if "orders_schedule" in b["member"]]
    assert [(b["role"], b["condition"][0]["expression"]) for b in grants] == [
        ("roles/workflows.invoker", 'resource.name == "${google_workflows_workflow.orders.id}"')]


def test_staging_bucket_and_grants_are_per_node_and_execution():
    files = _files(ORDERS)
    bucket = _resources(files, "google_storage_bucket")["orders_staging"]
    assert bucket["uniform_bucket_level_access"] is True and bucket["public_access_prevention"] == "enforced"
    assert bucket["versioning"][0]["enabled"] is False
    assert {"type": "Delete"} in [r["action"][0] for r in bucket["lifecycle_rule"]]
    grants = {label: b for label, b in _resources(files, "google_storage_bucket_iam_member").items()
              if b["bucket"] == "${google_storage_bucket.orders_staging.name}"}
    prefix = 'resource.name.startsWith("projects/_/buckets/${google_storage_bucket.orders_staging.name}/objects/")'
    expected = {  # fn reads extract's result and stages per_day's and per_region's; local_exec the rest
        "fn_orders_staging_read": ("roles/storage.objectViewer", ["extract"]),
        "fn_orders_staging_write": ("roles/storage.objectUser", ["per_day", "per_region"]),
        "local_exec_orders_staging_read": ("roles/storage.objectViewer", ["per_day", "per_region"]),
        "local_exec_orders_staging_write": ("roles/storage.objectUser", ["extract"]),
    }
    assert set(grants) == set(expected)
    for label, (role, nodes) in expected.items():
        # each node's extract equals the name's first segment, the execution (extract's variable may span a `/`)
        segment = 'resource.name.extract("/objects/{execution}/")'
        clauses = " || ".join(f'resource.name.extract("/objects/{{execution}}/{n}.") == {segment}' for n in nodes)
        assert grants[label]["role"] == role
        assert grants[label]["condition"][0]["expression"] == f'{prefix} && {segment} != "" && ({clauses})', label


def test_the_pipelines_output_names_workflow_and_staging_bucket():
    files = _files(ORDERS)
    assert json.loads(files["workflows/pipelines.json"]) == {
        "orders": {"workflow_id": "${workflow_orders}", "staging_bucket": "${staging_orders}"}}
    assert "google_workflows_workflow.orders.id" in files["outputs.tf"]


def test_a_schedule_cloud_scheduler_cannot_express_is_reported_by_check_with_its_span(tmp_path):
    import subprocess
    import sys

    source = ORDERS.read_text(encoding="utf-8").replace('schedule="cron(30 6 ? * MON-FRI *)"',
                                                        'schedule="rate(3 days)"')
    (tmp_path / "pipeline.py").write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "glacierc", "check", "pipeline.py", "--output-format", "concise"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    line = source.splitlines().index('@pipeline(name="orders", schedule="rate(3 days)")') + 1
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"pipeline.py:{line}:" in done.stdout and "GLC401" in done.stdout
    assert "every 3 days is no unix-cron schedule" in done.stdout


def test_a_level_wider_than_ten_branches_is_several_parallel_steps(tmp_path):
    loads = "\n".join(f"    load(s{i})" for i in range(12))
    storage = "\n".join(f's{i} = provider.bucket(bucket="acme-wide", path="in/{i}.parquet")' for i in range(12))
    (tmp_path / "pipeline.py").write_text(f'''import polars as pl
from glacier import Provider, pipeline
from glacier.config import GcpConfig

provider = Provider(config=GcpConfig(project_id="acme", region="us-east1"))
local_exec = provider.local()
{storage}


@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()


@pipeline(name="wide")
def wide():
{loads}
''', encoding="utf-8")
    files, compiled, _ = emit_pipeline(tmp_path / "pipeline.py", runner_sources={"wide": "# runner\n"})
    assert not compiled.has_errors
    steps = json.loads(files["terraform/workflows/wide.json"])["main"]["steps"]
    assert [next(iter(s)) for s in steps] == ["init", "level_1_1", "level_1_2", "done"]
    assert [len(s[n]["parallel"]["branches"]) for s in steps[1:3] for n in s] == [10, 2]


def test_a_definition_over_the_workflows_size_limit_is_an_error(tmp_path):
    count = 400
    loads = "\n".join(f"    load(s{i})" for i in range(count))
    storage = "\n".join(f's{i} = provider.bucket(bucket="acme-wide", path="in/{i}.parquet")' for i in range(count))
    (tmp_path / "pipeline.py").write_text(f'''import polars as pl
from glacier import Provider, pipeline
from glacier.config import GcpConfig

provider = Provider(config=GcpConfig(project_id="acme", region="us-east1"))
local_exec = provider.local()
{storage}


@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()


@pipeline(name="huge")
def huge():
{loads}
''', encoding="utf-8")
    _, _, diagnostics = emit_pipeline(tmp_path / "pipeline.py")
    (too_big,) = [d for d in diagnostics if d.code == "GLC401"]
    assert "Cloud Workflows accepts at most 128 KB" in too_big.message and too_big.span.line == 15 + count
