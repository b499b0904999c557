"""The AWS target: the root module of one provider, built as HCL blocks in Python.

`AwsTarget.emit` returns the files of the module relative to its directory: versions.tf, providers.tf,
variables.tf, storage.tf, iam.tf, compute.tf, outputs.tf, one `lambda/<executor>.zip` per serverless
executor (shared by the Lambda functions of its tasks), one `jobs/<executor>.zip` per EMR or vm executor a
state machine runs steps or Batch jobs on (aws_jobs.py), and for Databricks executors a separate root
module under `databricks/`. The model is `AwsModule` (aws_model.py); the Lambda functions, their packages and
layers are the `LambdaFunctions` half (aws_functions.py). What AWS refuses is judged over the IR by
`AwsRules` (aws_rules.py), which `AwsTarget` inherits: `check` runs the rules alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from glacier.config import AwsConfig, EC2Config
from glacierc.backends.terraform import aws_batch as batch
from glacierc.backends.terraform import aws_compute as compute
from glacierc.backends.terraform import aws_compute_blocks as compute_blocks
from glacierc.backends.terraform import aws_databricks_runs as databricks_runs
from glacierc.backends.terraform import aws_iam as iam
from glacierc.backends.terraform import aws_jobs as jobs_
from glacierc.backends.terraform import aws_keys as keys
from glacierc.backends.terraform import aws_layers
from glacierc.backends.terraform import aws_orchestration as orchestration
from glacierc.backends.terraform.access import Access
from glacierc.backends.terraform.aws_artifacts import ARTIFACTS, artifacts_bucket
from glacierc.backends.terraform.aws_functions import LAMBDA_SERVICES, LambdaFunctions
from glacierc.backends.terraform.aws_model import AwsModule
from glacierc.backends.terraform.aws_rules import AwsRules, emr_release
from glacierc.backends.terraform.aws_storage import bucket_blocks, buckets_of, logs_bucket
from glacierc.backends.terraform.blocks import Block, Call, Comment, Expr, Template, Value, block
from glacierc.backends.terraform.common import source_of, unique_labels
from glacierc.backends.terraform.target import Output, Target
from glacierc.checks.ec2_sizes import job_size
from glacierc.checks.glc407_state_machine import STATES
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Project, Provider, Service

#: How the build output names the service running an executor's nodes.
SERVICE_NAMES = {Service.LAMBDA: "Lambda", Service.LOCAL: "a generated Lambda", Service.EC2: "EC2",
                 Service.EMR: "EMR", Service.DATABRICKS: "Databricks"}
EMR_SERVICE_POLICY = "arn:{partition}:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
LOGS = "glacier_logs"
Role = iam.Role


class AwsTarget(LambdaFunctions, AwsRules, Target):
    """The AWS root module of one provider (its services and what AWS refuses: `AwsRules`)."""

    PROVIDER, PROVIDER_SOURCE, PROVIDER_VERSION = "aws", "hashicorp/aws", ">= 5.70, < 7.0"

    def __init__(self, project: Project, provider: Provider, runner_sources: Mapping[str, str] | None) -> None:
        super().__init__(project, provider, runner_sources)
        values = typed_config(provider.config, AwsConfig)
        self.module = AwsModule(
            region=values.region, profile=values.profile, account_id=values.account_id,
            comment=self.provider_comment(),
            tags=self.tags(project, provider),
            partition=iam.partition(values.region),
        )
        self.init_pipeline_groups(project, provider)
        #: task name -> label of its Lambda function
        self.function_of_task: dict[str, str] = {}
        self.services: dict[str, str] = {}
        #: The EMR and vm executors whose groups run as steps and Batch jobs (filled by _add_compute).
        self.jobs = jobs_.Jobs({})

    # --- the model ----------------------------------------------------------------------------------

    def build(self) -> AwsModule:
        module, project = self.module, self.project
        executors = self.supported_executors(project, self.provider, [])  # reported by `validate`
        labels = unique_labels(e.name for e, _ in executors)
        self.storage = self.own_storage()
        reserved = {LOGS, ARTIFACTS} | {
            f"{labels[e.name]}_emr" for e, kind in executors if kind == Service.EMR}
        bucket_labels = unique_labels({s.bucket for s in self.storage.values()}, reserved)
        module.buckets.extend(buckets_of(tuple(self.storage.values()), bucket_labels))
        self._add_compute(executors, labels)
        self._add_machines()
        self._add_jobs(executors, labels)
        self._add_keys()
        self.grant_all(project, executors, labels, self.storage)
        return module

    def _add_compute(self, executors: list[tuple[Executor, Service]], labels: dict[str, str]) -> None:
        tasks, task_labels, entries = self.task_inputs(executors)
        for executor, kind in executors:
            label, mine = labels[executor.name], tasks.get(executor.name, [])
            self.services[executor.name] = SERVICE_NAMES.get(kind, kind)
            if kind in LAMBDA_SERVICES:
                self.functions(executor, label, mine, task_labels, entries)
            elif kind == Service.EC2:
                self.vms(executor, label)
            elif kind == Service.EMR:
                self.cluster(executor, label)
            elif kind == Service.DATABRICKS:
                self.module.databricks.append((executor, label))
                self.jobs.executors[executor.name] = (jobs_.DATABRICKS, label)

    def package_problems(self) -> list[Diagnostic]:
        """GLC412 and GLC415 of the executors' packages and layers, packing nothing: what `check` runs with a
        wheelhouse (aws_functions.py)."""
        return self.measured_package_problems(self.supported_executors(self.project, self.provider, []))

    def staging_location(self, pipeline_label: str) -> Value:
        return Template("s3://", Expr(f"aws_s3_bucket.{pipeline_label}_staging.bucket"))

    def _add_machines(self) -> None:
        """A state machine and a staging bucket per pipeline of this provider."""
        for pipeline in sorted(self.project.pipelines, key=lambda p: p.name):
            if pipeline.name not in self.pipeline_labels:
                continue
            machine = orchestration.machine(self.project, pipeline, self.pipeline_labels[pipeline.name],
                                            self.function_of_task, self.services, self.fused(pipeline), self.jobs)
            self.module.machines.append(machine)
            self.module.buckets.append(machine.staging)

    def vms(self, executor: Executor, label: str) -> None:
        """The executor's security group; its nodes run as Batch jobs (`_add_jobs`), no instance waits idle."""
        group = compute.vm_security_group(executor, label)
        self.module.security_groups.append(group)
        subnet = typed_config(executor.config, EC2Config).subnet_id
        if group.subnet and subnet:
            self.module.subnets.append((label, subnet, group.comment))
        self.jobs.executors[executor.name] = (jobs_.BATCH, label)
        self.jobs.slots[label] = job_size(typed_config(executor.config, EC2Config).instance_type).slots

    def cluster(self, executor: Executor, label: str) -> None:
        release, _ = emr_release(executor)  # None: refused, by `validate`
        if release is None:
            return
        self.module.clusters.append(compute.emr_cluster(executor, label, release))
        self.module.security_groups.extend(compute.emr_security_groups(executor, label))
        self.jobs.executors[executor.name] = (jobs_.EMR, label)

    def _add_jobs(self, executors: list[tuple[Executor, Service]], labels: dict[str, str]) -> None:
        """The job packages of the executors the machines run steps, jobs and Databricks runs on (aws_jobs.attach,
        aws_databricks_runs.attach)."""
        module, by_label = self.module, {labels[e.name]: e for e, _ in executors}
        module.clusters[:], batches, buckets = jobs_.attach(self.jobs, module.clusters, by_label, module.region,
                                                            self.runner_sources)
        module.batches.extend(batches)
        if buckets or module.layers:  # one artifacts bucket for the job packages and the layers
            module.buckets.append(artifacts_bucket())
        staging = {m.label: (m.pipeline, m.staging.label) for m in module.machines}
        runs = databricks_runs.attach(self.jobs, by_label, self.node_timeouts, staging, self.runner_sources,
                                      module.tags)
        if runs is not None:
            function, role, module.zips[databricks_runs.ZIP] = runs
            module.functions.append(function)
            module.roles.append(role)

    def _add_keys(self) -> None:
        """A KMS key per bucket without a configured key, one for logs, one per EMR cluster."""
        module = self.module
        for bucket in module.buckets:
            if bucket.generated_key:
                module.bucket_keys[bucket.label] = keys.bucket_key(bucket, module.partition)
        if module.functions or module.clusters or module.machines or module.batches:
            module.logs_key = keys.logs_key(LOGS, module.partition, module.region)
        if module.clusters:
            comment = "source: generated for the EMR cluster logs of this module"
            module.buckets.append(logs_bucket(LOGS, Expr(f"aws_kms_key.{LOGS}.arn"), comment))
        for cluster in module.clusters:
            module.cluster_keys[cluster.label] = keys.emr_key(cluster, module.partition)

    # --- identities and grants ------------------------------------------------------------------------

    def has_identity(self, executor: Executor, service: Service, label: str) -> bool:
        return service != Service.EMR or any(c.label == label for c in self.module.clusters)

    def identity(self, executor: Executor, service: Service, label: str, access: Access) -> None:
        module = self.module
        kms = {b.name: b.kms_key for b in module.buckets if b.name}
        statements = iam.s3_statements(access, self.storage, module.partition, kms)
        logs = [Expr(f"aws_cloudwatch_log_group.{f.label}.arn") for f in module.functions if f.role == label]
        statements += orchestration.staging_statements(module.machines, executor.name, self.project)
        if logs:
            statements += (iam.log_statement(logs), iam.tracing_statement())
        cluster = next((c for c in module.clusters if c.label == label), None)
        if cluster is not None:
            statements += iam.cluster_log_statements(cluster.log_prefix, LOGS)
        statements += jobs_.read_statements(self.jobs, label, cluster is not None)
        comment = source_of("executor", executor)
        module.roles.append(Role(
            label=label, name=self.name(label, 64), comment=comment,
            trust=iam.executor_trust(executor, module.partition), statements=statements,
            instance_profile=service in (Service.EMR, Service.DATABRICKS),
        ))
        environment = next((b for b in module.batches if b.label == label), None)
        if environment is not None:
            module.roles.append(batch.instance_role(environment, module.partition))
        if cluster is not None:
            module.roles.append(Role(
                label=f"{label}_emr_service", name=self.name(f"{label}-emr-service", 64), comment=comment,
                trust=iam.trust_statement("Service", ("elasticmapreduce.amazonaws.com",)), statements=(),
                managed_policies=(EMR_SERVICE_POLICY.format(partition=module.partition),),
            ))

    # --- files ----------------------------------------------------------------------------------------

    def files(self, state_backend: str | None = None) -> dict[str, list[Block]]:
        """The blocks of every `.tf` file (a file without blocks is not written)."""
        m = self.module
        compute_tf = [b for layer in sorted(m.layers) for b in aws_layers.layer_blocks(m.layers[layer])]
        compute_tf += [b for f in m.functions for b in compute_blocks.function_blocks(f, LOGS)]
        compute_tf += [compute_blocks.subnet_block(*subnet) for subnet in m.subnets]
        compute_tf += [compute_blocks.security_group_block(sg) for sg in m.security_groups]
        compute_tf += batch.default_subnets_blocks() if any(b.subnet_id is None for b in m.batches) else []
        compute_tf += [b for environment in m.batches for b in batch.batch_blocks(environment)]
        roles = [*m.roles, *(orchestration.machine_role(machine, m.partition, self.jobs, m.region)
                             for machine in m.machines)]
        roles += [orchestration.schedule_role(machine) for machine in m.machines if machine.schedule is not None]
        states_tf = [b for machine in m.machines for b in orchestration.machine_blocks(machine, LOGS, self.jobs)]
        for c in m.clusters:
            compute_tf += [keys.key_block(m.cluster_keys[c.label]), *compute_blocks.cluster_blocks(c, LOGS)]
        storage_tf = [b for bucket in m.buckets for b in bucket_blocks(bucket, m.bucket_keys.get(bucket.label))]
        storage_tf += jobs_.object_blocks(self.jobs)
        storage_tf += [keys.key_block(m.logs_key)] if m.logs_key else []
        return {
            "versions.tf": [self.versions(state_backend)],
            "providers.tf": self.providers(),
            "variables.tf": self.variables(),
            "storage.tf": storage_tf,
            "iam.tf": [b for role in roles for b in iam.role_blocks(role)],
            "compute.tf": compute_tf,
            "orchestration.tf": states_tf,
            "outputs.tf": [*self.outputs(self.output_candidates()), *orchestration.pipelines_output(m.machines)],
        }

    def providers(self) -> list[Block]:
        m = self.module
        tags = block("default_tags", body=[
            Comment("Glacier's own tags win over var.tags on a clash."),
            ("tags", Call("merge", Expr("var.tags"), m.tags)),
        ])
        return [
            block("provider", "aws", comments=[m.comment], body=[
                ("region", m.region),
                ("profile", m.profile) if m.profile else None,
                ("allowed_account_ids", [m.account_id]) if m.account_id else None,
                tags,
            ]),
            block("data", "aws_caller_identity", "current",
                  comments=["source: generated, the account id used in ARNs and key policies"]),
        ]

    def variables(self) -> list[Block]:
        return [self.name_prefix_variable(),
                self.map_variable("tags", "Tags added to every resource (Glacier's managed_by and "
                                          "glacier_pipeline tags win on a clash)."),
                *(databricks_runs.variable_blocks() if self.jobs.runs_databricks() else [])]

    def output_candidates(self) -> tuple[Output, ...]:
        """Map outputs keyed by the names used in the pipeline code."""
        m = self.module
        return (
            Output("buckets", "ARN of every bucket, by bucket name.",
                   tuple((b.name, f"{b.address}.arn") for b in m.buckets if b.name)),
            Output("roles", "ARN of the IAM role of every executor (and EMR service role), by label.",
                   tuple((r.label, f"aws_iam_role.{r.label}.arn") for r in m.roles)),
            Output("instance_profiles", "ARN of every instance profile, by executor label.",
                   tuple((r.label, f"aws_iam_instance_profile.{r.label}.arn") for r in m.roles if r.instance_profile)),
            Output("functions", "Name of the Lambda function of every serverless task, by task label.",
                   tuple((f.label, f"aws_lambda_function.{f.label}.function_name") for f in m.functions)),
            Output("clusters", "Id of the EMR cluster of every Spark executor, by executor label.",
                   tuple((c.label, f"aws_emr_cluster.{c.label}.id") for c in m.clusters)),
            Output("job_queues", "ARN of the AWS Batch job queue of every vm executor, by executor label.",
                   tuple((b.label, f"aws_batch_job_queue.{b.label}.arn") for b in m.batches)),
        )


    def other_files(self, state_backend: str | None) -> list[tuple[str, str | bytes]]:
        """The job packages and Batch container properties, the state machine definitions, and the Databricks root
        module under `databricks/`."""
        module = self.module
        found: list[tuple[str, str | bytes]] = [*self.jobs.files().items(),
                                                *batch.properties_files(module.batches).items(),
                                                *orchestration.state_files(module.machines).items()]
        if module.databricks:
            from glacierc.backends.terraform.databricks import emit_databricks

            job_files = databricks_runs.workspace_job_files(self.jobs, module.databricks, module.region,
                                                            self.runner_sources or {})
            files = emit_databricks(module.databricks, job_files, cloud_module="AWS", state_backend=state_backend)
            found += ((f"databricks/{path}", content) for path, content in files.items())
        return found

    def build_problems(self) -> list[Diagnostic]:
        """GLC412 and GLC415 of the packages and layers the build could not make (aws_functions.py)."""
        return self.module.diagnostics

    def notes(self) -> list[Diagnostic]:
        """What each state machine runs (GLC407)."""
        return [STATES.diagnostic(self.provider.span, **orchestration.note_fields(machine))
                for machine in self.module.machines]


TARGET = AwsTarget
