"""Orchestration of one AWS provider's pipelines: a Step Functions state machine per pipeline, the
staging bucket its nodes exchange results through, the machine's role and log group.

Per pipeline `p` (label `l`): `aws_sfn_state_machine.l` (STANDARD, `${var.name_prefix}-<p>`, logging to
`aws_cloudwatch_log_group.l_states`, X-Ray tracing) whose definition is `aws_states.definition`, written
to `states/l.asl.json` and read with `templatefile` (function ARNs, cluster ids, job queue and definition
ARNs and staging bucket names are its only variables); `aws_iam_role.l_states`, trusted by Step Functions
and allowed to invoke exactly the functions its states name, add steps to exactly its clusters and submit
jobs to exactly its queues and definitions (aws_jobs.py); the staging bucket `l_staging` (see `aws_storage.staging_bucket`).
A pipeline with `schedule=` gets `aws_scheduler_schedule.l` (EventBridge Scheduler, the expression as
written, checked by GLC217) whose role `l_schedule` may only `states:StartExecution` that machine.
`staging_statements` gives each executor's role read access to the staged results of its groups' inputs
and write access to its groups' own, prefix-scoped per node (`<bucket>/<execution>/<node>.*`; a mapped node's
items `<bucket>/<execution>/<node>/*`, listed by the node that reads them). A machine with Distributed Map
states may start its own child executions and list each mapped dataset below its prefix (`map_statements`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from glacierc.backends.terraform import aws_iam as iam
from glacierc.backends.terraform import aws_states as states
from glacierc.backends.terraform.aws_jobs import DATABRICKS_FUNCTION, Jobs, machine_statements, template_variables
from glacierc.backends.terraform.aws_runs import DatabricksRun
from glacierc.backends.terraform.aws_map_state import dataset_location
from glacierc.backends.terraform.aws_storage import Bucket, staging_bucket
from glacierc.backends.terraform.blocks import Block, Call, Comment, Expr, Template, block
from glacierc.backends.terraform.common import Skip, source_of
from glacierc.backends.terraform.orchestration_common import count as _count
from glacierc.backends.terraform.orchestration_common import group_inputs
from glacierc.backends.terraform.target import Target
from glacierc.ir.fusion import Group, fused_groups
from glacierc.ir.nodes import Pipeline, Project
from glacierc.runtime.node import staged_stem

STATES_LOG_RETENTION_DAYS = 365
SCHEDULE_KEY_SKIP = Skip("CKV_AWS_297", "the schedule passes no input to the execution: there is nothing for a key of "
                                        "your own to encrypt")


@dataclass(frozen=True, slots=True)
class Machine:
    pipeline: str
    label: str
    name: Template
    comment: str
    definition: dict
    functions: tuple[str, ...]  # labels of the aws_lambda_function resources its states invoke
    staging: Bucket
    groups: tuple[Group, ...]  # the groups its states run (Lambda invocations, EMR steps, Batch jobs)
    states: int
    schedule: str | None = None
    #: Groups the machine does not run: on an executor it does not run yet (with its service), or after one.
    stopped: tuple[tuple[Group, str], ...] = ()
    #: (bucket, prefix) each of its Distributed Map states lists (mapped nodes), sorted.
    maps: tuple[tuple[str, str], ...] = ()


def machine(project: Project, pipeline: Pipeline, label: str, function_of_task: Mapping[str, str],
            service_of: Mapping[str, str], groups: tuple[Group, ...] | None = None, jobs: Jobs | None = None
            ) -> Machine:
    """The state machine of `pipeline`; `function_of_task` maps each task run in a Lambda to its function label,
    `jobs` answers for the groups of EMR and vm executors (a step, a Batch job)."""
    groups = fused_groups(pipeline) if groups is None else groups
    task_of = {n.id: n.task for n in pipeline.nodes}
    mapped_of = {n.id: n.map is not None for n in pipeline.nodes}
    invoked: set[str] = set()
    run: set[Group] = set()
    cannot: set[Group] = set()

    def function_of(group: Group):
        function = function_of_task.get(task_of[group.id])
        if function is None:
            job = jobs.run_of(group, mapped_of[group.id], pipeline.name, label) if jobs is not None else None
            (run if job is not None else cannot).add(group)
            if isinstance(job, DatabricksRun):
                invoked.add(DATABRICKS_FUNCTION)
            return job
        invoked.add(function)
        run.add(group)
        return states.Ref(f"function_{function}")

    definition = states.definition(project, pipeline, function_of, service_of, groups)
    comment = source_of("pipeline", pipeline)
    staging = staging_bucket(f"{label}_staging", pipeline.name,
                             Template(Expr("var.name_prefix"), "-" + _bucket_part(label) + "-staging-"), comment)
    mapped = [n for n in pipeline.nodes if n.map is not None and any(g.id == n.id for g in run)]
    return Machine(pipeline.name, label, Target.name(label, 80), comment, definition,
                   tuple(sorted(invoked)), staging, tuple(g for g in groups if g in run), count_states(definition),
                   pipeline.schedule,
                   tuple((g, service_of.get(g.executor, f"executor `{g.executor}` of another provider")
                          if g in cannot else "left out after it")
                         for g in groups if g not in run),
                   tuple(sorted({dataset_location(project, n) for n in mapped})))


def _bucket_part(label: str) -> str:
    """A bucket-name-safe form of a label (lower-case letters, digits, hyphens), short enough for the prefix."""
    return "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")[:20] or "pipeline"


def count_states(definition: Mapping) -> int:
    found = 0
    for state in definition.get("States", {}).values():
        found += 1 + sum(count_states(branch) for branch in state.get("Branches", ()))
    return found


def staging_uri(machine: Machine) -> Template:
    return Template("s3://", Expr(f"aws_s3_bucket.{machine.staging.label}.bucket"))


def staging_statements(machines: list[Machine], executor: str, project: Project) -> tuple[iam.Statement, ...]:
    """Read the staged results a group of `executor` needs, write the ones it gives (per node prefix)."""
    reads, writes, keys, listed = [], [], [], []
    pipelines = {p.name: p for p in project.pipelines}
    for m in machines:
        arn = Expr(f"aws_s3_bucket.{m.staging.label}.arn")
        mine = [g for g in m.groups if g.executor == executor]
        if not mine:
            continue
        inputs = group_inputs(pipelines[m.pipeline], mine)
        mapped = {n.id for n in pipelines[m.pipeline].nodes if n.map is not None}
        for group in mine:
            needs = inputs[group.id]
            reads += [Template(arn, pattern) for node in needs for pattern in staged_keys(node, mapped)]
            writes += [Template(arn, pattern) for node in group.staged for pattern in staged_keys(node, mapped)]
            listed += [(m.label, m.staging.label, node) for node in needs if node in mapped]
            if needs or group.staged:
                keys.append(Expr(f"aws_kms_key.{m.staging.label}.arn"))
    reads, writes = list(dict.fromkeys(reads)), list(dict.fromkeys(writes))
    found = []
    if reads:
        found.append(iam.Statement("ReadStagedInputs", ("s3:GetObject",), tuple(reads)))
    for label, staging, node in dict.fromkeys(listed):  # the staged items of a mapped node are found by listing
        found.append(iam.Statement(f"ListStaged{iam.sid_part(label)}{iam.sid_part(node)}", ("s3:ListBucket",),
                                   (Expr(f"aws_s3_bucket.{staging}.arn"),),
                                   conditions=(iam.Condition("StringLike", "s3:prefix", (f"*/{staged_stem(node)}/*",)),)))
    if writes:
        found.append(iam.Statement("WriteStagedResults", ("s3:AbortMultipartUpload", "s3:PutObject"), tuple(writes)))
    if keys:
        unique = sorted(set(keys), key=lambda e: e.text)
        found.append(iam.Statement("UseStagingKeys", ("kms:Decrypt", "kms:GenerateDataKey"), tuple(unique)))
    return tuple(found)


def staged_keys(node: str, mapped: set[str]) -> tuple[str, ...]:
    """The staging keys of a node's result: `<execution>/<stem>.*`; a mapped node's items `<execution>/<stem>/*`
    (the stem is the node id escaped, runtime.node.staged_stem: no node's keys match another's)."""
    stem = staged_stem(node)
    return (f"/*/{stem}/*",) if node in mapped else (f"/*/{stem}.*",)


def map_statements(machine: Machine, partition: str) -> list[iam.Statement]:
    """What a machine with Distributed Map states needs: start its own child executions (and follow and stop
    them), and list each mapped dataset's bucket below the dataset's prefix only."""
    if not machine.maps:
        return []
    account = Expr("data.aws_caller_identity.current.account_id")
    arn = (f"arn:{partition}:states:*:", account)
    found = [iam.Statement("StartItsChildExecutions", ("states:StartExecution",),
                           (Template(*arn, ":stateMachine:", *machine.name.parts),)),
             iam.Statement("FollowItsChildExecutions", ("states:DescribeExecution", "states:StopExecution"),
                           (Template(*arn, ":execution:", *machine.name.parts, "/*"),))]
    by_bucket: dict[str, list[str]] = {}
    for bucket, start in machine.maps:
        by_bucket.setdefault(bucket, []).append(start + "*")
    found += [iam.Statement(f"ListMapped{iam.sid_part(bucket)}", ("s3:ListBucket",), (f"arn:{partition}:s3:::{bucket}",),
                            conditions=(iam.Condition("StringLike", "s3:prefix", tuple(sorted(prefixes))),))
              for bucket, prefixes in sorted(by_bucket.items())]
    return found


def machine_role(machine: Machine, partition: str, jobs: Jobs | None = None, region: str = "*") -> iam.Role:
    functions = tuple(Expr(f"aws_lambda_function.{f}.arn") for f in machine.functions)
    statements = [iam.Statement("InvokeItsFunctions", ("lambda:InvokeFunction",), functions)] if functions else []
    statements += machine_statements(jobs, machine.label, partition, region) if jobs is not None else []
    statements += map_statements(machine, partition)
    statements += [
        # Log delivery and X-Ray of Step Functions support no resource-level scoping.
        iam.Statement("DeliverLogs", ("logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                                      "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
                                      "logs:PutResourcePolicy", "logs:UpdateLogDelivery"), ("*",)),
        iam.tracing_statement(),
    ]
    return iam.Role(label=f"{machine.label}_states", name=Target.name(f"{machine.label}-states", 64),
                    comment=machine.comment,
                    trust=iam.trust_statement("Service", ("states.amazonaws.com",)), statements=tuple(statements))


def schedule_role(machine: Machine) -> iam.Role:
    """The role EventBridge Scheduler assumes to start exactly this machine."""
    start = iam.Statement("StartItsStateMachine", ("states:StartExecution",),
                          (Expr(f"aws_sfn_state_machine.{machine.label}.arn"),))
    return iam.Role(label=f"{machine.label}_schedule", name=Target.name(f"{machine.label}-schedule", 64),
                    comment=machine.comment, trust=iam.trust_statement("Service", ("scheduler.amazonaws.com",)),
                    statements=(start,))


def schedule_block(machine: Machine) -> Block:
    return block("resource", "aws_scheduler_schedule", machine.label, comments=[machine.comment], body=[
        Comment(SCHEDULE_KEY_SKIP.text),
        ("name", Target.name(machine.label, 64)),
        ("description", f"starts glacier pipeline {machine.pipeline}"[:512]),
        ("schedule_expression", machine.schedule),
        block("flexible_time_window", body=[("mode", "OFF")]),
        block("target", body=[
            ("arn", Expr(f"aws_sfn_state_machine.{machine.label}.arn")),
            ("role_arn", Expr(f"aws_iam_role.{machine.label}_schedule.arn")),
        ]),
        ("depends_on", [Expr(f"aws_iam_role_policy.{machine.label}_schedule")]),
    ])


def machine_blocks(machine: Machine, logs_key: str | None, jobs: Jobs | None = None) -> list[Block]:
    log_group = block("resource", "aws_cloudwatch_log_group", f"{machine.label}_states", comments=[machine.comment],
                      body=[("name", Template("/aws/vendedlogs/states/", *machine.name.parts)),
                            ("retention_in_days", STATES_LOG_RETENTION_DAYS),
                            ("kms_key_id", Expr(f"aws_kms_key.{logs_key}.arn")) if logs_key else None])
    state_machine = block("resource", "aws_sfn_state_machine", machine.label, comments=[machine.comment], body=[
        ("name", machine.name),
        ("type", "STANDARD"),
        ("role_arn", Expr(f"aws_iam_role.{machine.label}_states.arn")),
        ("definition", Call("templatefile", Template(Expr("path.module"), "/" + definition_path(machine)), {
            **{f"function_{f}": Expr(f"aws_lambda_function.{f}.arn") for f in machine.functions},
            **(template_variables(jobs, machine.label, machine.staging.label) if jobs is not None else {})})),
        block("logging_configuration", body=[
            ("log_destination", Template(Expr(f"aws_cloudwatch_log_group.{machine.label}_states.arn"), ":*")),
            ("include_execution_data", True),
            ("level", "ALL"),
        ]),
        block("tracing_configuration", body=[("enabled", True)]),
        ("depends_on", [Expr(f"aws_iam_role_policy.{machine.label}_states")]),
    ])
    return [log_group, state_machine, *([schedule_block(machine)] if machine.schedule is not None else [])]


def definition_path(machine: Machine) -> str:
    return f"states/{machine.label}.asl.json"


def state_files(machines: list[Machine]) -> dict[str, str]:
    """The definition template of every machine and `states/pipelines.json`, the `pipelines` output's
    template (keyed by pipeline names, which are user text: kept out of HCL, escaped for the template)."""
    files = {definition_path(m): states.template_json(m.definition).decode() + "\n" for m in machines}
    if machines:
        outputs = {m.pipeline: {"state_machine_arn": states.Ref(f"machine_{m.label}"),
                                "staging_bucket": states.Ref(f"staging_{m.label}")} for m in machines}
        files[PIPELINES_TEMPLATE] = states.template_json(outputs).decode() + "\n"
    return files


def pipelines_output(machines: list[Machine]) -> list[Block]:
    """`pipelines`: each pipeline's state machine ARN and staging bucket, by pipeline name."""
    if not machines:
        return []
    variables = {}
    for m in machines:
        variables[f"machine_{m.label}"] = Expr(f"aws_sfn_state_machine.{m.label}.arn")
        variables[f"staging_{m.label}"] = Expr(f"aws_s3_bucket.{m.staging.label}.bucket")
    return [block("output", "pipelines", body=[
        ("description", "The state machine ARN and staging bucket of every pipeline, by pipeline name."),
        ("value", Call("jsondecode", Call("templatefile", Template(Expr("path.module"), "/" + PIPELINES_TEMPLATE),
                                          variables))),
    ])]


PIPELINES_TEMPLATE = "states/pipelines.json"


def note_fields(machine: Machine) -> dict[str, str]:
    """The fields of the build output's GLC407 line (glc407 `STATES`): states, which nodes share one invocation."""
    fused = [" + ".join(g.nodes) for g in machine.groups if len(g.nodes) > 1]
    shared = f"; one invocation each for {', '.join(fused)}" if fused else "; no nodes fused"
    stopped = ", ".join(f"{' + '.join(g.nodes)} ({service})" for g, service in machine.stopped)
    stops = f"; not orchestrated yet, the machine fails at: {stopped}" if stopped else ""
    return {"pipeline": machine.pipeline, "states": _count(machine.states, "state"),
            "groups": _count(len(machine.groups), "group"), "fused": shared, "stops": stops}
