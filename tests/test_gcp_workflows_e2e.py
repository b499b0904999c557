"""GCP pipelines run by their Cloud Workflows definition, end to end on this machine.

There is no Workflows emulator nor a GCS server Polars can use offline, so: `glacierc build` writes the
module; tests/gcp_workflows_interpreter.py executes the generated definition (rendered as `templatefile`
would, with the variables the generated Terraform passes); every `http.post` is served by the generated
Cloud Function entry point (`main.py` of the built source zip, imported from the build output) with the
function's own environment, and every Dataproc or Cloud Batch job by the generated `job.py` (from the
folder the job ships or mounts) with the job's arguments. Cloud
Storage is local files: `gs://` staging URIs map to a temporary directory and GLACIER_DATA_DIR maps the
data buckets, as `--data-dir` does. Outputs are compared with `glacierc run --data-dir` on the same data.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import hcl2
import polars as pl
import pytest
from gcp_workflows_interpreter import Interpreter, Unsupported, WorkflowError, render_template
from hcl2 import SerializationOptions
import stand_in
from terraform_tools import REPO, extract, load_module

from glacierc.driver import build

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
EXAMPLE = REPO / "examples" / "gcp_analytics" / "pipeline.py"
ORDERS = REPO / "tests" / "fixtures" / "terraform_gcp" / "workflow_orders" / "pipeline.py"
DATAPROC = "googleapis.dataproc.v1.projects.regions.jobs.submitAsOperation"
BATCH = "googleapis.batch.v1.projects.locations.jobs.create"
VMS = REPO / "tests" / "fixtures" / "terraform_gcp" / "workflow_vm" / "pipeline.py"
_REF = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}")

ORDERS_DATA = pl.DataFrame({
    "day": [date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 2), date(2026, 1, 3)],
    "region": ["emea", "apac", "emea", "emea", "amer"],
    "amount": [10.0, -5.0, 7.5, 2.5, 4.0],
})


class Request:
    """What functions-framework hands an entry point (the part main.py uses)."""

    def __init__(self, body: object) -> None:
        self.body = body

    def get_json(self, silent: bool = False) -> object:
        return self.body


@dataclass
class Cloud:
    """One built GCP module, served from this process: functions, Dataproc jobs, Cloud Storage as files."""

    module: Path
    data: Path
    staging: Path
    resources: dict[str, dict[str, dict]] = field(default_factory=dict)
    invocations: list[tuple[str, object, str | None]] = field(default_factory=list)
    _mains: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in sorted(self.module.glob("*.tf")):
            for blocks in hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=PLAIN).get("resource", []):
                for kind, named in blocks.items():
                    self.resources.setdefault(kind, {}).update(named)

    # --- what Terraform would fill in --------------------------------------------------------------

    def attribute(self, kind: str, label: str, name: str) -> str:
        if kind == "google_cloudfunctions2_function" and name == "url":
            return f"https://{label}.functions.test/"
        if kind == "google_storage_bucket" and name == "name":
            return f"bucket-{label}"
        if kind == "google_dataproc_cluster" and name == "name":
            return f"cluster-{label}"
        if kind == "google_storage_bucket_object" and name == "name":
            return self.resources[kind][label]["name"]
        if kind == "google_service_account" and name == "email":
            return f"{label}@accounts.test"
        if kind == "google_compute_subnetwork" and name == "id":
            return f"projects/p/regions/r/subnetworks/{label}"
        raise AssertionError(f"the test does not know {kind}.{label}.{name}")

    def resolve(self, expression: str) -> str:
        """A Terraform string of references (`"gs://${a.b.c}/${d.e.f}"` or a bare `a.b.c`) with fake values."""
        text = expression.strip()
        if not text.startswith('"'):
            return self.attribute(*text.split("."))
        return _REF.sub(lambda m: self.attribute(*m.groups()), json.loads(text))

    def definition(self, label: str) -> dict:
        """The workflow's definition as Terraform renders it (its templatefile variables from orchestration.tf)."""
        hcl = (self.module / "orchestration.tf").read_text(encoding="utf-8")
        call = re.search(rf'templatefile\("\$\{{path.module\}}/workflows/{label}.json", \{{\n(.*?)\n  \}}\)', hcl, re.S)
        variables = {name: self.resolve(value) for name, value in
                     (re.match(r"\s*(\w+)\s*=\s*(.+)", line).groups() for line in call.group(1).splitlines())}
        text = (self.module / "workflows" / f"{label}.json").read_text(encoding="utf-8")
        return json.loads(render_template(text, variables))

    def local(self, uri: str) -> str:
        """A gs:// URI of the module's staging buckets as a local directory."""
        bucket = uri.removeprefix("gs://bucket-").split("/")[0]
        path = self.staging / bucket
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    # --- serving calls -----------------------------------------------------------------------------

    def http(self, url: str, body: object, timeout: int | None) -> tuple[int, object]:
        label = url.removeprefix("https://").split(".")[0]
        function = self.resources["google_cloudfunctions2_function"][label]
        service = function["service_config"][0]
        environment = {k: self.local(self.resolve(json.dumps(v))) for k, v in
                       service.get("environment_variables", {}).items()}
        entry = function["build_config"][0]["entry_point"]
        main = self._main(function["build_config"][0]["source"][0]["storage_source"][0]["object"])
        assert timeout is None or timeout <= service["timeout_seconds"] or timeout == 1800
        try:
            with stand_in.environment({**environment, "GLACIER_DATA_DIR": str(self.data)}):
                text, status, _ = getattr(main, entry)(Request(body))
        except Exception as error:  # functions-framework answers 500
            self.invocations.append((label, body, f"{type(error).__name__}: {error}"))
            return 500, str(error)
        self.invocations.append((label, body, None))
        return status, json.loads(text)

    def _main(self, source_ref: str):
        source = self.resources["google_storage_bucket_object"][_REF.fullmatch(source_ref).group(2)]
        zip_path = self.module / source["source"].removeprefix("${path.module}/")
        if zip_path.name not in self._mains:
            root = extract(zip_path.read_bytes(), self.staging.parent / "functions" / zip_path.stem)
            self._mains[zip_path.name] = load_module(root / "main.py", f"gcp_main_{zip_path.stem}")
        return self._mains[zip_path.name]

    def dataproc(self, args: dict) -> dict:
        job = args["body"]["job"]
        assert job["placement"]["clusterName"].removeprefix("cluster-") in self.resources["google_dataproc_cluster"]
        spark = job["pysparkJob"]
        objects = {o["name"]: o["source"].removeprefix("${path.module}/")
                   for o in self.resources["google_storage_bucket_object"].values()}
        main = self.module / objects[spark["mainPythonFileUri"].split("/", 3)[3]]
        for uri in spark["fileUris"]:  # shipped beside job.py (the job's working directory on Dataproc)
            assert (main.parent / Path(objects[uri.split("/", 3)[3]]).name).is_file(), uri
        return self._job("dataproc", main, spark["args"])

    def batch(self, args: dict) -> dict:
        """A Cloud Batch job: the mounted job folder's job.py run with the container command's arguments."""
        task = args["body"]["taskGroups"][0]["taskSpec"]
        policy = args["body"]["allocationPolicy"]
        account = policy["serviceAccount"]["email"].removesuffix("@accounts.test")
        assert account in self.resources["google_service_account"]
        (interface,) = policy["network"]["networkInterfaces"]
        assert interface["subnetwork"] == self.attribute("google_compute_subnetwork", "glacier", "id")
        assert "google_compute_instance" not in self.resources, "Batch creates the job's VM; none idles"
        (volume,) = task["volumes"]
        folder = self.module / volume["gcs"]["remotePath"].split("/", 1)[1]
        assert folder.name == account, "a vm executor's job runs its own job files as its own account"
        (runnable,) = task["runnables"]
        shell, command, _, *job_args = runnable["container"]["commands"]
        assert (shell, runnable["container"]["entrypoint"]) == ("-c", "/bin/sh")
        assert command.endswith(f'python {volume["mountPath"]}/job.py "$@"')
        assert f'-r {volume["mountPath"]}/requirements.txt' in command  # the job folder's requirement set
        assert (folder / "requirements.txt").read_text(encoding="utf-8").startswith("polars==")
        return self._job("batch", folder / "job.py", job_args)

    def _job(self, kind: str, main: Path, job_args: list[str]) -> dict:
        pipeline, group, run_id, staging, *item = job_args  # item: a mapped group's object name and index
        job_module = load_module(main, f"gcp_job_{kind}_{group}")
        with stand_in.environment({"GLACIER_DATA_DIR": str(self.data)}):
            try:
                job_module.main([pipeline, group, run_id, self.local(staging), *item])
            except BaseException as error:  # SystemExit too: the job ends failed
                self.invocations.append((f"{kind}:{group}", job_args, str(error)))
                raise RuntimeError(f"job failed: {error}") from error
        self.invocations.append((f"{kind}:{group}", job_args, None))
        return {"done": True}

    def interpreter(self, label: str, execution: str) -> Interpreter:
        return Interpreter(self.definition(label), self.http, {DATAPROC: self.dataproc, BATCH: self.batch},
                           execution_id=execution)


def _built(path: Path, root: Path) -> tuple[Path, Path]:
    out = root / "out"
    result = build([str(path)], out, {})
    assert not result.has_errors
    return out / "terraform", out


def _local_run(path: Path, data: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "glacierc", "run", str(path), "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def orders(tmp_path_factory):
    root = tmp_path_factory.mktemp("gcp_orders")
    module, _ = _built(ORDERS, root)
    return root, module


def _orders_cloud(root: Path, module: Path, name: str, frame: pl.DataFrame) -> Cloud:
    data = root / name / "data"
    (data / "glacier-e2e-raw" / "orders").mkdir(parents=True)
    frame.write_parquet(data / "glacier-e2e-raw" / "orders" / "orders.parquet")
    return Cloud(module, data, root / name / "staging")


def test_an_execution_computes_what_the_local_runner_computes(orders):
    root, module = orders
    cloud = _orders_cloud(root, module, "ok", ORDERS_DATA)
    result = cloud.interpreter("orders", "run-ok").run()
    assert (result["pipeline"], result["run_id"]) == ("orders", "run-ok")
    # the execution returns what each function returned, by group: its nodes' reports
    assert sorted(result["results"]) == ["clean", "extract", "per_region", "save_daily", "save_regions"]
    assert [(r["node"], r["status"]) for r in result["results"]["clean"]["nodes"]] == [("clean", "ok"), ("per_day", "ok")]
    assert result["results"]["save_daily"]["writes"][0]["rows"] == 3
    # five invocations for six nodes: clean and per_day ran in one (fused)
    assert sorted(body["group"] for _, body, _ in cloud.invocations) == [
        "clean", "extract", "per_region", "save_daily", "save_regions"]
    staged = sorted(p.name for p in (cloud.staging / "orders_staging" / "run-ok").iterdir())
    assert "clean.parquet" not in staged and "per_day.parquet" in staged and "extract.json" in staged
    local = root / "ok" / "local"
    shutil.copytree(cloud.data / "glacier-e2e-raw", local / "glacier-e2e-raw")
    _local_run(ORDERS, local)
    for key in ("daily/daily.parquet", "regions/regions.parquet"):
        expected = pl.read_parquet(local / "glacier-e2e-curated" / key)
        assert pl.read_parquet(cloud.data / "glacier-e2e-curated" / key).equals(expected), key


def test_a_failing_node_ends_the_run_naming_it_after_its_retries(orders):
    root, module = orders
    cloud = _orders_cloud(root, module, "bad", ORDERS_DATA.drop("amount"))  # clean filters on amount
    interpreter = cloud.interpreter("orders", "run-bad")
    with pytest.raises(WorkflowError) as failed:
        interpreter.run()
    # clean is a branch of its level's `parallel` step: Workflows raises its error in an UnhandledBranchError
    raised = failed.value.value
    assert raised["tags"] == ["UnhandledBranchError"] and "branch_clean" in [b["id"] for b in raised["branches"]]
    error = next(b["error"] for b in raised["branches"] if b["id"] == "branch_clean")
    assert error["code"] == "glacier.NodeFailed"
    assert "node `clean` (task `clean`, pipeline.py:" in error["message"]
    assert error["error"]["tags"] == ["HttpError"]
    # clean declares retries=2: three invocations of its group, each failing, with the declared backoff
    attempts = [error for label, body, error in cloud.invocations if body["group"] == "clean"]
    assert len(attempts) == 3 and all(attempts)
    assert interpreter.delays == [1, 2]
    # nothing after the failed level ran
    assert not {"save_daily", "save_regions"} & {body["group"] for _, body, _ in cloud.invocations}


def test_gcp_analytics_runs_its_functions_and_dataproc_job_like_the_local_runner(tmp_path):
    module, _ = _built(EXAMPLE, tmp_path)
    data = tmp_path / "cloud"
    shutil.copytree(EXAMPLE.parent / "data", data)
    cloud = Cloud(module, data, tmp_path / "staging")
    cloud.interpreter("gcp_analytics", "run-1").run()
    ran = [(label, error) for label, _, error in cloud.invocations]
    assert ran == [("load", None), ("load", None), ("load", None), ("completed_orders", None),
                   ("dataproc:join_all", None), ("publish", None)]
    local = tmp_path / "local"
    shutil.copytree(EXAMPLE.parent / "data", local)
    _local_run(EXAMPLE, local)
    key = "glacier-demo-reports/revenue/by_country_category.parquet"
    assert pl.read_parquet(data / key).equals(pl.read_parquet(local / key))


def test_a_failing_dataproc_job_fails_the_step_naming_its_nodes(tmp_path):
    module, _ = _built(EXAMPLE, tmp_path)
    data = tmp_path / "cloud"
    shutil.copytree(EXAMPLE.parent / "data", data)
    products = data / "glacier-demo-raw" / "products" / "products.ndjson"
    products.write_text('{"sku": 1}\n', encoding="utf-8")  # no product_id: join_all cannot join
    cloud = Cloud(module, data, tmp_path / "staging")
    with pytest.raises(WorkflowError) as failed:
        cloud.interpreter("gcp_analytics", "run-2").run()
    message = failed.value.value["message"]
    assert "node `join_all` (task `join_all`" in message and "node `aggregate` (task `aggregate`" in message
    assert failed.value.value["error"]["tags"] == ["OperationError"]
    assert "publish" not in [label for label, _, _ in cloud.invocations]


def test_vm_nodes_run_as_batch_jobs_like_the_local_runner(tmp_path):
    module, _ = _built(VMS, tmp_path)
    events = pl.DataFrame({"kind": ["a", "b", "a", "c", "a"], "value": [1, -2, 3, 4, 5]})
    for name in ("cloud", "local"):
        (tmp_path / name / "acme-batch-raw" / "events").mkdir(parents=True)
        events.write_parquet(tmp_path / name / "acme-batch-raw" / "events" / "events.parquet")
    cloud = Cloud(module, tmp_path / "cloud", tmp_path / "staging")
    cloud.interpreter("batch_daily", "run-vm").run()
    assert [(label, error) for label, _, error in cloud.invocations] == [
        ("batch:parse", None), ("label", None), ("batch:publish", None)]
    _local_run(VMS, tmp_path / "local")
    key = "acme-batch-out/summary/summary.parquet"
    assert pl.read_parquet(tmp_path / "cloud" / key).equals(pl.read_parquet(tmp_path / "local" / key))


def test_the_interpreter_refuses_what_the_generator_does_not_emit():
    http = lambda url, body, timeout: (200, {})  # noqa: E731
    for step in ({"s": {"switch": [{"condition": "${1 == 1}", "return": 1}]}}, {"s": {"call": "http.get", "args": {}}},
                 {"s": {"assign": [{"x": "${len(y)}"}]}}, {"s": {"assign": [{"x": "${sys.now()}"}]}},
                 {"s": {"assign": [{"x": "${1 * 1}"}]}}, {"s": {"switch": [{"condition": "${1 == 1}", "next": "t"}]}},
                 {"s": {"switch": [{"condition": "${1 == 1}", "next": "s", "steps": []}]}},
                 {"s": {"parallel": {"for": {"value": "v", "range": [1, 2], "steps": []}}}},
                 {"s": {"call": "http.post", "args": {"url": "u", "body": {}}}}):
        with pytest.raises(Unsupported):
            Interpreter({"main": {"steps": [step]}}, http).run()
