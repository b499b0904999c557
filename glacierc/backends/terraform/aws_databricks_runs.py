"""The Databricks runs of an AWS module's state machines: the generated Lambda function that submits and polls
them, its role and variables, and the job files the databricks module uploads to the workspace.

`glacier_databricks` (python3.12, `glacier_databricks.run`, glacierc/entrypoints/aws_databricks.py with the executors'
tables) reaches the workspace `var.databricks_host` with the token held by the Secrets Manager secret
`var.databricks_token_secret_arn`; its role may read exactly that secret (and write its own logs). Its
environment holds the workspace folder (`/Shared/<name_prefix>`, where the databricks module uploads
`jobs/<executor>/glacier_job.py` and the runners beside it), each pipeline's staging URI and each job
cluster executor's instance profile (the executor's role: its proven grants and its groups' staged results).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from glacier.config import DatabricksConfig
from glacierc.backends.terraform import aws_iam as iam
from glacierc.backends.terraform import aws_job_package as packages
from glacierc.backends.terraform.aws_compute import LAMBDA_SKIPS, Function
from glacierc.backends.terraform.aws_jobs import DATABRICKS, DATABRICKS_FUNCTION, Jobs
from glacierc.backends.terraform.blocks import Block, Call, Expr, Template, Value, block
from glacierc.backends.terraform.common import Skip
from glacierc.backends.terraform.entry_module import entry_module, flat_table
from glacierc.backends.terraform.packaging import package, package_inputs
from glacierc.backends.terraform.target import Target
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor

ZIP = f"lambda/{DATABRICKS_FUNCTION}.zip"
HANDLER = "glacier_databricks"  # the module in the zip (`handler.py` is a serverless executor's)
COMMENT = "source: generated, submits and polls the Databricks runs of this module's state machines"
VARIABLES = (("databricks_host", "URL of the Databricks workspace the state machines submit runs to."),
             ("databricks_token_secret_arn", "ARN of the Secrets Manager secret holding a Databricks token "
                                             "allowed to submit and read job runs."))


def executors_table(jobs: Jobs, executors: Mapping[str, Executor],
                    timeouts: Mapping[str, Mapping[str, int | None]],
                    runner_sources: Mapping[str, str] | None = None,
                    tags: Mapping[str, str] | None = None) -> dict[object, object]:
    """executor label -> its cluster, the groups it runs (with their timeouts), the mapped ones among them
    (whose runs take an object's key and index), the libraries its runs install (the requirements.txt of its
    job files) and the package index they install from (`package-index`, None: PyPI); `timeouts`: pipeline ->
    node -> timeout; `tags`: the module's own tags, which a new job cluster carries (`custom_tags`)."""
    table: dict[object, object] = {}
    for label in sorted(jobs.runs):
        if jobs.kind(label) != DATABRICKS:
            continue
        values = typed_config(executors[label].config, DatabricksConfig)
        pipelines = {}
        for machine, (pipeline, groups) in sorted(jobs.runs[label].items()):
            of = timeouts.get(pipeline, {})
            pipelines[machine] = {g: (sum(of[n] or 0 for n in nodes) if all(of.get(n) for n in nodes) else None)
                                  for g, nodes in sorted(groups.items())}
        mapped = {machine: sorted(g for e, m, g in jobs.mapped if e == label and m == machine)
                  for machine in sorted({m for e, m, _ in jobs.mapped if e == label})}
        table[label] = {"cluster": values.cluster_id, "pipelines": pipelines, "mapped": mapped,
                        "libraries": packages.job_requirements(jobs.runs[label], runner_sources),
                        "index": package_inputs(runner_sources).index_url, "new_cluster": {
            "spark_version": values.spark_version, "node_type_id": values.instance_type,
            "num_workers": values.num_workers, **({"custom_tags": dict(sorted(tags.items()))} if tags else {})}}
    return table


def function_zip(table: dict[object, object], runner_sources: Mapping[str, str] | None) -> bytes:
    if runner_sources is None:
        return b""
    handler = entry_module("aws_databricks", "the Databricks runs of this module",
                           {"EXECUTORS": flat_table(table)})
    return package({f"{HANDLER}.py": handler})


def function(zip_hash: str, jobs: Jobs, staging: Mapping[str, str]) -> Function:
    """The function; `staging`: machine label -> its staging bucket's label."""
    profiles = {label: Expr(f"aws_iam_instance_profile.{label}.arn")
                for label in sorted(jobs.runs) if jobs.kind(label) == DATABRICKS}
    environment: tuple[tuple[str, Value], ...] = (
        ("DATABRICKS_HOST", Expr("var.databricks_host")),
        ("GLACIER_DATABRICKS_TOKEN_SECRET", Expr("var.databricks_token_secret_arn")),
        ("GLACIER_INSTANCE_PROFILES", Call("jsonencode", profiles)),
        ("GLACIER_STAGING_URIS", Call("jsonencode", {m: Template("s3://", Expr(f"aws_s3_bucket.{b}.bucket"))
                                                     for m, b in sorted(staging.items())})),
        ("GLACIER_WORKSPACE_ROOT", Template("/Shared/", Expr("var.name_prefix"))),
    )
    skips = (*LAMBDA_SKIPS, Skip("CKV_AWS_115", "one call per poll of a run: no concurrency to reserve"),
             Skip("CKV_AWS_173", "the environment holds the workspace URL and ARNs and URIs, no secret (the token "
                                 "stays in Secrets Manager)"))
    return Function(label=DATABRICKS_FUNCTION, name=Target.name(DATABRICKS_FUNCTION, 64), comment=COMMENT,
                    description="glacier: submits and polls Databricks runs", role=DATABRICKS_FUNCTION,
                    runtime="python3.12", handler=f"{HANDLER}.run", memory=256, timeout=60, architecture="x86_64",
                    ephemeral_storage=512, reserved_concurrency=None, log_retention_days=365, zip_file=ZIP,
                    zip_hash=zip_hash, skips=tuple(sorted(skips, key=lambda s: s.check)), log_skips=(),
                    environment=environment, preconditions=tuple(
                        (Expr(f'var.{name} != ""'), f"set {name}: {text}") for name, text in VARIABLES))


def role() -> iam.Role:
    statements = (
        iam.Statement("ReadTheToken", ("secretsmanager:GetSecretValue",), (Expr("var.databricks_token_secret_arn"),)),
        iam.log_statement([Expr(f"aws_cloudwatch_log_group.{DATABRICKS_FUNCTION}.arn")]),
        iam.tracing_statement(),
    )
    return iam.Role(label=DATABRICKS_FUNCTION, name=Target.name("glacier-databricks", 64), comment=COMMENT,
                    trust=iam.trust_statement("Service", ("lambda.amazonaws.com",)), statements=statements)


def variable_blocks() -> list[Block]:
    """Empty by default so the module validates alone; the function's preconditions stop a plan without them."""
    return [block("variable", name, body=[("description", text), ("type", Expr("string")), ("default", "")])
            for name, text in VARIABLES]


def workspace_job_files(jobs: Jobs, databricks: Sequence[tuple[Executor, str]], region: str,
                        runner_sources: Mapping[str, str] | None) -> dict[str, str | bytes]:
    """`jobs/<executor>/glacier_job.py` and its runners for every Databricks executor a machine runs groups on
    (`databricks`: (executor, its label) each)."""
    found: dict[str, str | bytes] = {}
    for executor, label in databricks:
        if label in jobs.runs:
            location = f"{executor.span.file}:{executor.span.line}"
            found.update((f"jobs/{label}/{path}", text) for path, text in packages.job_files(
                executor.name, location, region, jobs.runs[label], runner_sources).items())
    return dict(sorted(found.items()))


def attach(jobs: Jobs, executors: Mapping[str, Executor], timeouts: Mapping[str, Mapping[str, int | None]],
           staging: Mapping[str, tuple[str, str]], runner_sources: Mapping[str, str] | None,
           tags: Mapping[str, str] | None = None) -> tuple[Function, iam.Role, bytes] | None:
    """The function, its role and package when a machine runs Databricks groups; `staging`: machine label ->
    (pipeline name, staging bucket label)."""
    if not jobs.runs_databricks():
        return None
    import base64
    import hashlib

    table = executors_table(jobs, executors, timeouts, runner_sources, tags)
    content = function_zip(table, runner_sources)
    zip_hash = base64.b64encode(hashlib.sha256(content).digest()).decode()
    return function(zip_hash, jobs, {m: bucket for m, (_, bucket) in staging.items()}), role(), content
