"""The executors of an AWS module that run a state machine's groups as jobs: EMR clusters (steps) and vm
executors (AWS Batch); their job packages in the artifacts bucket and every grant the jobs need.

`Jobs` is filled while the machines are built (`run_of` answers, for a group, the `StepRun` / `BatchRun`
that runs it and records it), then gives: the package of each executor (`jobs/<label>.zip`, uploaded as
`jobs/<label>-<content hash>.zip`) and the EMR bootstrap action (`jobs/emr-bootstrap-<hash>.sh`); the
artifacts bucket `glacier_artifacts` holding them (its own KMS key, private, versioned off: objects are
written once under a content name); read grants of exactly its own objects for each executor role (a
cluster's instance profile: its package and the bootstrap action; a Batch job: its package); and what a
state machine's role needs to run its steps and jobs (`machine_statements`). A mapped node on an EMR or vm
executor runs a step or job per object (aws_map_state.py); on a vm executor with its items job definition.
A mapped node on a Databricks executor is not run yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from glacierc.backends.terraform import aws_batch as batch
from glacierc.backends.terraform import aws_iam as iam
from glacierc.backends.terraform import aws_job_package as packages
from glacierc.backends.terraform.aws_batch import BatchEnvironment
from glacierc.backends.terraform.aws_compute import EMR_STEP_CONCURRENCY, Cluster
from glacierc.backends.terraform.aws_runs import BatchRun, DatabricksRun, Run, StepRun
from glacierc.backends.terraform.aws_artifacts import ARTIFACTS, artifacts_bucket
from glacierc.backends.terraform.aws_storage import Bucket
from glacierc.backends.terraform.blocks import Block, Expr, Template, Value, block
from glacierc.backends.terraform.orchestration_common import Ref
from glacierc.backends.terraform.packaging import content_name
from glacierc.ir.fusion import Group
from glacierc.ir.nodes import Executor

EMR, BATCH, DATABRICKS = "emr", "batch", "databricks"
#: The generated Lambda function that submits and polls the Databricks runs of this module's machines.
DATABRICKS_FUNCTION = "glacier_databricks"
#: The EventBridge rules Step Functions manages to learn that a step or job ended (`.sync`).
SYNC_RULES = {EMR: "StepFunctionsGetEventForEMRAddJobFlowStepsRule", BATCH: "StepFunctionsGetEventsForBatchJobsRule"}


@dataclass
class Jobs:
    """Executor name -> (EMR or BATCH, its label) for the executors that run jobs; what machines run there."""

    executors: dict[str, tuple[str, str]]
    #: executor label -> pipeline label -> (pipeline name, {group it runs: the group's nodes})
    runs: dict[str, dict[str, tuple[str, dict[str, tuple[str, ...]]]]] = field(default_factory=dict)
    #: machine label -> {(EMR or BATCH, executor label)} it submits to
    used: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    #: (executor label, pipeline label, group) of every mapped node run on Databricks: one run per object
    mapped: set[tuple[str, str, str]] = field(default_factory=set)
    #: package path in the module -> (its object key, its content: a zip, or the bootstrap script's text)
    packages: dict[str, tuple[str, str | bytes]] = field(default_factory=dict)
    #: vm executor label -> the jobs its compute environment runs at once (ec2_sizes.JobSize.slots)
    slots: dict[str, int] = field(default_factory=dict)
    #: machine label -> the Batch job definitions it submits to: `<label>` (groups), `<label>_items` (mapped nodes)
    definitions: dict[str, set[str]] = field(default_factory=dict)

    def run_of(self, group: Group, mapped: bool, pipeline: str, machine: str) -> Run | None:
        """How `group` of pipeline `pipeline` (machine label `machine`) runs, or None (not a job's); a mapped
        node's group runs a step or job per object."""
        found = self.executors.get(group.executor)
        if found is None:  # a map's items on Lambda are invocations (aws_map_state.py); jobs and runs here
            return None
        kind, label = found
        self.runs.setdefault(label, {}).setdefault(machine, (pipeline, {}))[1][group.id] = group.nodes
        if mapped:
            self.mapped.add((label, machine, group.id))
        self.used.setdefault(machine, set()).add(found)
        if kind == EMR:
            return StepRun(label, machine, Ref(f"cluster_{label}"), Ref(f"staging_{machine}"), EMR_STEP_CONCURRENCY)
        if kind == DATABRICKS:
            return DatabricksRun(label, machine, Ref(f"function_{DATABRICKS_FUNCTION}"))
        definition = f"{label}_items" if mapped else label
        self.definitions.setdefault(machine, set()).add(definition)
        return BatchRun(label, machine, Ref(f"queue_{label}"), Ref(f"job_definition_{definition}"),
                        Ref(f"staging_uri_{machine}"), self.slots.get(label, 1))

    def submitted(self, definition: str) -> bool:
        """Whether a machine submits jobs to Batch job definition `definition` (a label)."""
        return any(definition in found for found in self.definitions.values())

    def build_packages(self, names: Mapping[str, str], locations: Mapping[str, str], region: str,
                       runner_sources: Mapping[str, str] | None) -> None:
        """The package of every executor running jobs (`names`, `locations`: by label), and the bootstrap."""
        for label in sorted(self.runs):
            if self.kind(label) == DATABRICKS:  # its job files go to the workspace (the databricks module)
                continue
            content = packages.job_zip(names[label], locations[label], region, self.runs[label], runner_sources)
            key = "jobs/" + content_name(label, content)
            self.packages[packages.job_zip_path(label)] = (key, content)
        if any(kind == EMR for kind, label in self.executors.values() if label in self.runs):
            script = packages.BOOTSTRAP_SCRIPT
            key = "jobs/" + content_name("emr-bootstrap", script.encode()).removesuffix(".zip") + ".sh"
            self.packages[packages.BOOTSTRAP] = (key, script)

    def kind(self, label: str) -> str | None:
        return next((kind for kind, found in self.executors.values() if found == label), None)

    def runs_databricks(self) -> bool:
        return any(self.kind(label) == DATABRICKS for label in self.runs)

    def runs_jobs(self, label: str) -> bool:
        return label in self.runs

    def package_uri(self, label: str) -> Template:
        return Template("s3://", Expr(f"aws_s3_bucket.{ARTIFACTS}.id"), "/",
                        Expr(f"aws_s3_object.{_object_label(packages.job_zip_path(label))}.key"))

    def bootstrap_uri(self) -> Template:
        return Template("s3://", Expr(f"aws_s3_bucket.{ARTIFACTS}.id"), "/",
                        Expr(f"aws_s3_object.{_object_label(packages.BOOTSTRAP)}.key"))

    def files(self) -> dict[str, str | bytes]:
        return {path: content for path, (_, content) in sorted(self.packages.items())}


def attach(jobs: Jobs, clusters: list[Cluster], executors: Mapping[str, Executor], region: str,
           runner_sources: Mapping[str, str] | None
           ) -> tuple[list[Cluster], list[BatchEnvironment], list[Bucket]]:
    """After the machines are built: the packages (and the artifacts bucket holding them), each cluster with its
    bootstrap action (a release too old to run it is GLC411, by aws_rules.py), each vm executor's Batch
    environment; `executors` by label."""
    jobs.build_packages({label: e.name for label, e in executors.items()},
                        {label: f"{e.span.file}:{e.span.line}" for label, e in executors.items()}, region,
                        runner_sources)
    clusters = [replace(c, bootstrap=(jobs.bootstrap_uri(), jobs.package_uri(c.label), packages.emr_folder(c.label)))
                if jobs.runs_jobs(c.label) else c for c in clusters]
    batches = [batch.environment(executors[label], label, jobs.package_uri(label),
                                 (jobs.submitted(label), jobs.submitted(f"{label}_items")))
               for kind, label in sorted(jobs.executors.values()) if kind == BATCH and jobs.runs_jobs(label)]
    return clusters, batches, [artifacts_bucket()] if jobs.packages else []


def _object_label(path: str) -> str:
    return "artifact_" + path.removeprefix("jobs/").rsplit(".", 1)[0].replace("-", "_")




def object_blocks(jobs: Jobs) -> list[Block]:
    comment = "source: generated, a job package of this module (glacierc build)"
    return [block("resource", "aws_s3_object", _object_label(path), comments=[comment], body=[
        ("bucket", Expr(f"aws_s3_bucket.{ARTIFACTS}.id")),
        ("key", key),
        ("source", Template(Expr("path.module"), "/" + path)),
        ("source_hash", Expr(f'filemd5("${{path.module}}/{path}")')),
        ("kms_key_id", Expr(f"aws_kms_key.{ARTIFACTS}.arn")),
    ]) for path, (key, _) in sorted(jobs.packages.items())]


def read_statements(jobs: Jobs, label: str, cluster: bool) -> tuple[iam.Statement, ...]:
    """An executor's role reads its own package (a cluster's also the bootstrap action), nothing else."""
    if not jobs.runs_jobs(label) or jobs.kind(label) == DATABRICKS:  # a Databricks job reads the workspace
        return ()
    arn = Expr(f"aws_s3_bucket.{ARTIFACTS}.arn")
    paths = [packages.job_zip_path(label), *([packages.BOOTSTRAP] if cluster else [])]
    objects = tuple(Template(arn, "/" + jobs.packages[path][0]) for path in paths)
    return (iam.Statement("ReadJobPackage", ("s3:GetObject",), objects),
            iam.Statement("DecryptJobPackage", ("kms:Decrypt",), (Expr(f"aws_kms_key.{ARTIFACTS}.arn"),)))


def machine_statements(jobs: Jobs, machine: str, partition: str, region: str) -> list[iam.Statement]:
    """Run steps on exactly its clusters, jobs on exactly its queues and definitions; follow and stop them."""
    used = sorted(jobs.used.get(machine, ()))
    account = Expr("data.aws_caller_identity.current.account_id")
    found: list[iam.Statement] = []
    clusters = tuple(Expr(f"aws_emr_cluster.{label}.arn") for kind, label in used if kind == EMR)
    if clusters:
        found.append(iam.Statement("RunItsSteps", ("elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:CancelSteps",
                                                   "elasticmapreduce:DescribeStep"), clusters))
    batches = [label for kind, label in used if kind == BATCH]
    if batches:
        targets: list[Value] = [Expr(f"aws_batch_job_queue.{b}.arn") for b in batches]
        targets += [Expr(f"aws_batch_job_definition.{d}.arn") for d in sorted(jobs.definitions.get(machine, ()))]
        found += [iam.Statement("SubmitItsJobs", ("batch:SubmitJob",), tuple(targets)),  # type: ignore[arg-type]
                  iam.Statement("StopItsJobs", ("batch:TerminateJob",),
                                (Template(f"arn:{partition}:batch:{region}:", account, ":job/*"),)),
                  # DescribeJobs supports no resource-level scoping.
                  iam.Statement("FollowJobs", ("batch:DescribeJobs",), ("*",))]
    rules = tuple(Template(f"arn:{partition}:events:{region}:", account, f":rule/{SYNC_RULES[kind]}")
                  for kind in sorted({kind for kind, _ in used if kind in SYNC_RULES}))
    if rules:
        found.append(iam.Statement("ManageSyncRules", ("events:DescribeRule", "events:PutRule", "events:PutTargets"),
                                   rules))
    return found


def template_variables(jobs: Jobs, machine: str, staging: str) -> dict[str, Value]:
    """The `templatefile` variables of a machine's steps and jobs."""
    found: dict[str, Value] = {}
    for kind, label in sorted(jobs.used.get(machine, ())):
        if kind == DATABRICKS:
            continue  # its function is one of the machine's (`function_<label>`)
        if kind == EMR:
            found[f"cluster_{label}"] = Expr(f"aws_emr_cluster.{label}.id")
            found[f"staging_{machine}"] = Expr(f"aws_s3_bucket.{staging}.bucket")
        else:
            found[f"queue_{label}"] = Expr(f"aws_batch_job_queue.{label}.arn")
            for definition in sorted(jobs.definitions.get(machine, set()) & {label, f"{label}_items"}):
                found[f"job_definition_{definition}"] = Expr(f"aws_batch_job_definition.{definition}.arn")
            found[f"staging_uri_{machine}"] = Template("s3://", Expr(f"aws_s3_bucket.{staging}.bucket"))
    return found
