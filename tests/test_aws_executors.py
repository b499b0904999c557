"""EMR and vm (AWS Batch) nodes run by a pipeline's state machine: definitions, Terraform, and the very
command lines a step and a job run, executed here against the build's own packages and moto's S3.

moto's interpreter does not run EMR steps or Batch jobs, so each is run the way the service would: the
state's `Parameters` are evaluated by moto's ASL interpreter (a `Pass` state with the same `Parameters`,
started under an execution name: `$$.Execution.Name` and the intrinsic `States.Array` are evaluated by
Step Functions' own rules); the EMR bootstrap action is the generated script, downloaded from the artifacts
bucket and run with the bootstrap action's arguments; the step is the evaluated `command-runner.jar`
argument list; the Batch job is the job definition's command (its `templatefile` rendered) with each
`Ref::name` replaced by the evaluated job parameter, as Batch does. Every command runs in a subprocess with
this machine's Python 3.11 and Polars first on PATH (so nothing is installed) and the moto server as S3;
the only substitution is the install folder of the bootstrap (`/opt/glacier/...` becomes a temporary one).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from asl_tools import assert_moto_and_asl_validator_accept
from aws_emulator import ACCOUNT, running
from gcp_workflows_interpreter import render_template
from terraform_tools import REPO, assert_aws_root_deploys, emit_pipeline, extract, read_blocks, write_files

from glacierc.backends.terraform.aws_runs import intrinsic_literal
from glacierc.backends.terraform.common import unique_labels
from glacierc.driver import build
from glacierc.runtime.node import staging_variable

FIXTURE = REPO / "tests" / "fixtures" / "aws_sfn" / "executors" / "pipeline.py"
_REF = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}")
BUCKETS = {"glacier_artifacts": "glacier-x-artifacts", "executors_staging": "glacier-x-staging"}
ORDERS = pl.DataFrame({"region": ["emea", "apac", "emea", "amer", "apac", "emea"],
                       "amount": [10.0, -5.0, 7.5, 4.0, 3.0, 2.5]})


class Module:
    """One built AWS module: its resources read back from HCL and what Terraform would fill in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.resources = read_blocks(root)

    def attribute(self, kind: str, label: str, name: str) -> str:
        if kind == "aws_s3_bucket":
            return BUCKETS[label]
        if kind == "aws_s3_object" and name == "key":
            return self.resources[kind][label]["key"]
        if kind == "aws_emr_cluster":
            return f"j-{label.upper()}"
        service, what = {"aws_lambda_function": ("lambda", "function:"), "aws_iam_role": ("iam", "role/"),
                         "aws_batch_job_queue": ("batch", "job-queue/"),
                         "aws_batch_job_definition": ("batch", "job-definition/")}[kind]
        return f"arn:aws:{service}:us-east-1:{ACCOUNT}:{what}{label}"

    def resolve(self, expression: str) -> str:
        """A Terraform string of references (`"s3://${a.b.c}/${d.e.f}"`, or a bare `a.b.c`) filled in."""
        text = expression.strip()
        whole = _REF.fullmatch(text)
        if whole:  # as python-hcl2 reads a bare reference
            return self.attribute(*whole.groups())
        if not text.startswith('"'):
            return self.attribute(*text.split("."))
        return _REF.sub(lambda m: self.attribute(*m.groups()), json.loads(text))

    def templatefile(self, tf_file: str, template: str) -> dict:
        """`templatefile("${path.module}/<template>", {...})` of `tf_file`, rendered with the filled-in values."""
        hcl = (self.root / tf_file).read_text(encoding="utf-8")
        call = re.search(r'templatefile\("\$\{path.module\}/' + re.escape(template) + r'", \{\n(.*?)\n\s*\}\)', hcl,
                         re.S)
        variables = {name: self.resolve(value) for name, value in
                     (re.match(r"\s*(\w+)\s*=\s*(.+)", line).groups() for line in call.group(1).splitlines())}
        return json.loads(render_template((self.root / template).read_text(encoding="utf-8"), variables))


@pytest.fixture(scope="module")
def module(tmp_path_factory) -> Module:
    out = tmp_path_factory.mktemp("executors") / "out"
    assert not build([str(FIXTURE)], out, {}).has_errors
    return Module(out / "terraform")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with running(tmp_path_factory.mktemp("moto")) as emulator:
        s3 = emulator.client("s3")
        for bucket in ("glacier-x-raw", "glacier-x-out", *BUCKETS.values()):
            s3.create_bucket(Bucket=bucket)
        yield emulator


def _states(module: Module) -> dict:
    return module.templatefile("orchestration.tf", "states/executors.asl.json")["States"]


def _environment(emulator) -> dict[str, str]:
    """A step's or job's environment here: moto as S3, this machine's Python 3.11 with Polars first on PATH."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLACIER_"))}
    return {**base, **emulator.storage_env(), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{base['PATH']}"}


def _upload(emulator, module: Module, run: str, frame: pl.DataFrame) -> None:
    s3 = emulator.client("s3")
    for obj in module.resources["aws_s3_object"].values():  # what Terraform uploads
        path = module.root / obj["source"].removeprefix("${path.module}/")
        s3.put_object(Bucket=module.resolve(obj["bucket"]), Key=obj["key"], Body=path.read_bytes())
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    s3.put_object(Bucket="glacier-x-raw", Key="orders/orders.parquet", Body=buffer.getvalue())


def _run_lambda(emulator, module: Module, function: str, run: str, tmp: Path) -> None:
    """The group of `function` run by its deployed handler (as test_aws_e2e does), in a subprocess."""
    config = module.resources["aws_lambda_function"][function]
    root = extract((module.root / config["filename"].removeprefix("${path.module}/")).read_bytes(), tmp / function)
    module_name, entry = config["handler"].split(".")
    variable = staging_variable("executors")  # the pipeline's own staging location (docs/runner.md)
    staging = module.resolve(json.dumps(config["environment"][0]["variables"][variable]))
    event = {"pipeline": "executors", "group": function, "run_id": run}
    code = f"import json, {module_name}; print(json.dumps({module_name}.{entry}({event!r}, None), default=str))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**_environment(emulator), variable: staging})
    assert done.returncode == 0, done.stdout + done.stderr


def _bootstrap(emulator, module: Module, folder: Path) -> list[str]:
    """Run the cluster's bootstrap action (the script from the artifacts bucket, its own arguments)."""
    action = module.resources["aws_emr_cluster"]["spark_exec"]["bootstrap_action"][0]
    script_uri, args = module.resolve(json.dumps(action["path"])), [module.resolve(json.dumps(a)) for a in action["args"]]
    bucket, _, key = script_uri.removeprefix("s3://").partition("/")
    folder.parent.mkdir(parents=True, exist_ok=True)  # the folder itself is the bootstrap action's to make
    script = folder.parent / "bootstrap.sh"
    script.write_bytes(emulator.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert args[1] == "/opt/glacier/spark_exec"
    done = subprocess.run(["bash", str(script), args[0], str(folder)], capture_output=True, text=True, timeout=120,
                          env=_environment(emulator))
    assert done.returncode == 0, done.stdout + done.stderr
    return sorted(p.name for p in folder.iterdir())


def _step_command(emulator, module: Module, run: str, folder: Path) -> list[str]:
    step = _states(module)["run clean"]["Parameters"]["Step"]
    args = emulator.evaluated(step["HadoopJarStep"], run, machine=f"{run}-step")["Args"]
    assert args[1].startswith("/opt/glacier/spark_exec/")
    return [args[0], str(folder / args[1].removeprefix("/opt/glacier/spark_exec/")), *args[2:]]


def _job_command(emulator, module: Module, run: str) -> list[str]:
    state = _states(module)["run rank"]
    parameters = emulator.evaluated(state["Parameters"], run, machine=f"{run}-job")["Parameters"]
    container = module.templatefile("compute.tf", "jobs/vm_exec.batch.json")
    return [parameters[part[5:]] if part.startswith("Ref::") else part for part in container["command"]]


def _staged(emulator, run: str) -> list[str]:
    listed = emulator.client("s3").list_objects_v2(Bucket="glacier-x-staging", Prefix=f"{run}/")
    return sorted(o["Key"].removeprefix(f"{run}/") for o in listed.get("Contents", []))


def _read(emulator, bucket: str, key: str) -> pl.DataFrame:
    body = emulator.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return pl.read_parquet(io.BytesIO(body))


def _skip_without_aws_cli() -> None:
    if shutil.which("aws") is None:
        pytest.skip("the aws CLI (which an EMR node has, and the bootstrap action uses) is not on PATH")


def test_the_states_run_steps_on_the_cluster_and_jobs_on_the_queue(module):
    states = _states(module)
    step = states["run clean"]
    assert step["Resource"] == "arn:aws:states:::elasticmapreduce:addStep.sync"
    assert step["Parameters"]["ClusterId"] == "j-SPARK_EXEC"
    assert step["Parameters"]["Step"]["ActionOnFailure"] == "CONTINUE"
    assert step["Parameters"]["Step"]["HadoopJarStep"]["Jar"] == "command-runner.jar"
    assert step["TimeoutSeconds"] == 1200 and step["Retry"][0]["MaxAttempts"] == 1  # clean + per_region: one step
    assert step["Catch"][0]["Next"] == "failed clean" and states["failed clean"]["Error"] == "glacier.NodeFailed"
    job = states["run rank"]
    assert job["Resource"] == "arn:aws:states:::batch:submitJob.sync"
    assert job["Parameters"]["JobQueue"].endswith(":job-queue/vm_exec")
    assert job["Parameters"]["JobDefinition"].endswith(":job-definition/vm_exec")
    assert job["TimeoutSeconds"] == 900
    assert [states[s].get("Next") for s in ("run extract", "run clean", "run rank")] == [
        "run clean", "run rank", "run publish"]


def test_moto_and_asl_validator_accept_the_definition(module, tmp_path):
    assert_moto_and_asl_validator_accept(json.dumps({"StartAt": "run extract", "States": _states(module)}), tmp_path)


def test_step_arguments_hold_no_character_an_intrinsic_reserves(emulator):
    """A step's arguments are fixed text, labels (identifiers) and node ids (identifiers): none holds a
    character intrinsic functions reserve (`'`, `{`, `}`, `\\`), however hostile the name it comes from, so
    every engine reads them alike (moto's interpreter keeps escapes that Step Functions removes). Escaping
    follows the Step Functions rules all the same."""
    labels = unique_labels(["it's {x}\\", "naïve pipeline", "a'b"])
    assert not [label for label in labels.values() if set(label) & set("'{}\\")]
    assert intrinsic_literal("a'{}\\") == "'a\\'\\{\\}\\\\'"
    fixed = ["python3.11", "/opt/glacier/spark_exec/glacier_job.py", *sorted(labels.values()), "s3://glacier-x-staging"]
    array = "States.Array(" + ", ".join(map(intrinsic_literal, fixed)) + ", $$.Execution.Name)"
    assert emulator.evaluated({"Args.$": array}, "run-labels")["Args"] == [*fixed, "run-labels"]


def test_the_step_and_the_job_run_their_groups_with_the_built_packages(module, emulator, tmp_path):
    _skip_without_aws_cli()
    run = "run-ok"
    _upload(emulator, module, run, ORDERS)
    _run_lambda(emulator, module, "extract", run, tmp_path)
    folder = tmp_path / "opt" / "spark_exec"
    assert _bootstrap(emulator, module, folder) == ["glacier_installed.py", "glacier_job.py",
                                                    "glacier_runner_executors.py", "package.zip", "requirements.txt"]
    step = subprocess.run(_step_command(emulator, module, run, folder), capture_output=True, text=True,
                          timeout=120, env=_environment(emulator))
    assert step.returncode == 0, step.stdout + step.stderr
    # clean and per_region ran in one step: only per_region's result, which rank needs, is staged
    assert _staged(emulator, run) == ["extract.json", "extract.parquet", "per_region.json", "per_region.parquet"]
    expected = (ORDERS.filter(pl.col("amount") > 0).group_by("region")
                .agg(total=pl.col("amount").sum(), orders=pl.len()).sort("region"))
    assert _read(emulator, "glacier-x-staging", f"{run}/per_region.parquet").equals(expected)
    job = subprocess.run(_job_command(emulator, module, run), capture_output=True, text=True, timeout=120,
                         env=_environment(emulator))
    assert job.returncode == 0, job.stdout + job.stderr
    ranked = expected.with_columns(rank=pl.col("total").rank("ordinal", descending=True)).sort("rank")
    assert _read(emulator, "glacier-x-staging", f"{run}/rank.parquet").equals(ranked)
    _run_lambda(emulator, module, "publish", run, tmp_path)
    assert _read(emulator, "glacier-x-out", "report/report.parquet").equals(ranked)


def test_a_failing_node_fails_the_step_naming_it(module, emulator, tmp_path):
    _skip_without_aws_cli()
    run = "run-bad"
    _upload(emulator, module, run, ORDERS.rename({"amount": "value"}))  # clean filters on amount
    _run_lambda(emulator, module, "extract", run, tmp_path)
    folder = tmp_path / "opt" / "spark_exec"
    _bootstrap(emulator, module, folder)
    step = subprocess.run(_step_command(emulator, module, run, folder), capture_output=True, text=True,
                          timeout=120, env=_environment(emulator))
    # clean is lazy inside the fused step: the failure surfaces where per_region's result is written
    assert step.returncode == 1 and "NodeFailed: node `per_region` failed: ColumnNotFoundError" in step.stderr
    assert "per_region.parquet" not in _staged(emulator, run)


def test_a_job_refuses_a_group_its_executor_does_not_run(module, emulator, tmp_path):
    _upload(emulator, module, "run-refused", ORDERS)
    command = _job_command(emulator, module, "run-refused")
    command[command.index("rank")] = "clean"
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=_environment(emulator))
    assert done.returncode != 0 and "refused: group 'clean' is not run by this executor" in done.stderr


def test_the_module_validates_and_passes_checkov(tmp_path):
    files, _, _ = emit_pipeline(FIXTURE, runner_sources={"executors": "def run_group(nodes, event): pass\n"})
    assert_aws_root_deploys(write_files(files, tmp_path / "out") / "terraform", tmp_path / "home")


def test_glacierc_run_cloud_ties_steps_and_jobs_to_their_groups(module, capsys):
    """The history events of an execution, in the shape GetExecutionHistory returns, with each state's
    parameters as the definition gives them: the step and the job are tied to their groups like invocations."""
    from datetime import datetime, timezone

    from glacierc.cloud_follow import Follower
    from glacierc.driver import compile_project
    from glacierc.ir.fusion import fused_groups

    project = compile_project([str(FIXTURE)]).project
    pipeline = project.pipelines[0]
    follower = Follower(project, pipeline, fused_groups(pipeline), quiet=False)
    at = lambda second: datetime(2026, 1, 31, 6, 0, second, tzinfo=timezone.utc)  # noqa: E731
    states = _states(module)
    events = [{"id": 1, "type": "ExecutionStarted", "timestamp": at(0), "executionStartedEventDetails": {}}]
    for name in ("run extract", "run clean", "run rank", "run publish"):
        parameters = json.loads(json.dumps(states[name]["Parameters"]).replace('"run_id.$"', '"run_id"'))
        first = len(events) + 1
        events += [{"id": first, "type": "TaskScheduled", "timestamp": at(first), "previousEventId": first - 1,
                    "taskScheduledEventDetails": {"parameters": json.dumps(parameters)}},
                   {"id": first + 1, "type": "TaskSucceeded", "timestamp": at(first + 1), "previousEventId": first,
                    "taskSucceededEventDetails": {"output": "{}"}}]
    events.append({"id": len(events) + 1, "type": "ExecutionSucceeded", "timestamp": at(30),
                   "previousEventId": len(events), "executionSucceededEventDetails": {}})
    follower.feed(events)
    follower.finish()
    err = capsys.readouterr().err
    assert "[start] clean, per_region (cluster, spark_exec) ..." in err and "[start] rank (vm, vm_exec) ..." in err
    assert {n["id"]: n["status"] for n in follower.report("r", "0" * 16)["nodes"]} == dict.fromkeys(
        ("extract", "clean", "per_region", "rank", "publish"), "ok")
