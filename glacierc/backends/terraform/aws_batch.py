"""AWS Batch on EC2 for one vm executor (`EC2Config`): what runs its nodes when a state machine reaches them.

Per vm executor (label `l`): a launch template `l` (IMDSv2 only, an encrypted gp3 root volume of
`volume_size`, at least the 30 GB of the ECS-optimized image), a managed compute environment `l` of the
configured instance type scaling from 0 vCPUs (no instance runs between jobs: the per-task EC2 instance of
earlier builds is gone), in the executor's subnet or the default VPC's subnets, with the executor's security
group (HTTPS out only); a job queue `l`; a job definition `l` whose container (Python 3.11) installs Polars,
fetches the executor's job package from the artifacts bucket and runs its `glacier_job.py` with the job's
parameters (aws_job_package.py); its container properties are `jobs/l.batch.json`, read with `templatefile`
(the package URI and the role ARN its only variables). The job asks the whole instance
(glacierc/checks/ec2_sizes.py: the type's vCPUs, its memory less headroom for the ECS agent). When the executor runs a mapped node, a job definition
`l_items` runs one object per job (`l` is emitted only when the executor runs other groups): its command takes two more parameters, the object's key and index
(`jobs/l.items.batch.json`). The container runs as the executor's role (`jobRoleArn`, trusted by ECS
tasks): the data grants proven from the data flow. The instances run as `l_batch_instance` (the ECS agent's
managed policy only, no data access).
"""

from __future__ import annotations

from dataclasses import dataclass

from glacier.config import EC2Config
from glacierc.checks.ec2_sizes import JobSize, job_size
from glacierc.backends.terraform.aws_compute_blocks import METADATA_OPTIONS, ROOT_VOLUME
from glacierc.backends.terraform.aws_iam import Role, trust_statement
from glacierc.backends.terraform.aws_job_package import (
    BATCH_COMMAND,
    BATCH_IMAGE,
    LAUNCHER,
    batch_items_properties_path,
    batch_properties_path,
)
from glacierc.backends.terraform.blocks import Block, Call, Expr, Template, block
from glacierc.backends.terraform.common import source_of
from glacierc.backends.terraform.orchestration_common import Ref, template_json
from glacierc.backends.terraform.target import Target
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor

ECS_INSTANCE_POLICY = "arn:{partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
ECS_IMAGE_TYPE = "ECS_AL2023"
ECS_ROOT_MINIMUM = 30  # GB: the root volume of the ECS-optimized Amazon Linux 2023 image
PARAMETERS = ("pipeline", "group", "run_id", "staging")
#: The parameters of the items job definition: one object of a mapped node, its key and its index.
ITEM_PARAMETERS = (*PARAMETERS, "item", "index")


@dataclass(frozen=True, slots=True)
class BatchEnvironment:
    label: str
    name: Template
    comment: str
    instance_type: str
    ami: str | None
    volume_size: int
    subnet_id: str | None
    security_group: str
    role: str  # the executor's role: the job's
    instance_role: str
    package: Template  # s3:// URI of the executor's job package
    size: JobSize  # what a job asks of an instance
    #: which job definitions machines submit to: the groups' `l`, the mapped nodes' objects' `l_items`
    definitions: tuple[bool, bool] = (True, False)

    @property
    def items(self) -> bool:
        return self.definitions[1]


def environment(executor: Executor, label: str, package: Template,
                definitions: tuple[bool, bool] = (True, False)) -> BatchEnvironment:
    values = typed_config(executor.config, EC2Config)
    return BatchEnvironment(
        label=label, name=Target.name(label, 128),
        comment=source_of("executor", executor),
        instance_type=values.instance_type, ami=values.ami,
        volume_size=max(values.volume_size, ECS_ROOT_MINIMUM), subnet_id=values.subnet_id,
        security_group=label, role=label, instance_role=f"{label}_batch_instance", package=package,
        size=job_size(values.instance_type), definitions=definitions)


def instance_role(env: BatchEnvironment, partition: str) -> Role:
    """The role of the compute environment's instances: the ECS agent's managed policy, no data grant."""
    return Role(label=env.instance_role, name=Target.name(f"{env.label}-batch-instance", 64), comment=env.comment,
                trust=trust_statement("Service", ("ec2.amazonaws.com",)), statements=(),
                managed_policies=(ECS_INSTANCE_POLICY.format(partition=partition),), instance_profile=True)


def container_properties(size: JobSize, parameters: tuple[str, ...] = PARAMETERS) -> dict[str, object]:
    """The job definition's container: `sh -c BATCH_COMMAND LAUNCHER PACKAGE Ref::pipeline Ref::group
    Ref::run_id Ref::staging` (and `Ref::item Ref::index` for an item: `parameters`; Batch puts each job
    parameter in place of its `Ref::`), as the executor's role, asking `size`. The package URI and the role ARN
    are `templatefile` variables."""
    return {
        "image": BATCH_IMAGE,
        "command": ["sh", "-c", BATCH_COMMAND, LAUNCHER, Ref("package"), *(f"Ref::{p}" for p in parameters)],
        "jobRoleArn": Ref("job_role"),
        "resourceRequirements": [{"type": "VCPU", "value": str(size.vcpus)},
                                 {"type": "MEMORY", "value": str(size.memory_mib)}],
        "privileged": False,
        "readonlyRootFilesystem": False,
    }


def properties_files(envs: list[BatchEnvironment]) -> dict[str, str]:
    files = {batch_properties_path(e.label): template_json(container_properties(e.size)).decode() + "\n"
             for e in envs if e.definitions[0]}
    files.update((batch_items_properties_path(e.label),
                  template_json(container_properties(e.size, ITEM_PARAMETERS)).decode() + "\n")
                 for e in envs if e.items)
    return dict(sorted(files.items()))


def default_subnets_blocks() -> list[Block]:
    """The default VPC's subnets (for vm executors without `subnet_id`)."""
    comment = "source: generated, the default VPC's subnets for EC2Config(subnet_id=None)"
    return [block("data", "aws_vpc", "default", comments=[comment], body=[("default", True)]),
            block("data", "aws_subnets", "default", comments=[comment], body=[
                block("filter", body=[("name", "vpc-id"), ("values", [Expr("data.aws_vpc.default.id")])])])]


def batch_blocks(env: BatchEnvironment) -> list[Block]:
    """Launch template, compute environment, job queue and job definition of one vm executor."""
    label, comments = env.label, [env.comment]
    template = block("resource", "aws_launch_template", label, comments=comments, body=[
        ("name", env.name),
        ("update_default_version", True),
        block("metadata_options", body=METADATA_OPTIONS),
        block("block_device_mappings", body=[("device_name", "/dev/xvda"), block("ebs", body=[
            *ROOT_VOLUME, ("volume_size", env.volume_size)])]),
    ])
    subnets = [env.subnet_id] if env.subnet_id else Expr("data.aws_subnets.default.ids")
    compute = block("resource", "aws_batch_compute_environment", label, comments=comments, body=[
        ("compute_environment_name", env.name),
        ("type", "MANAGED"),
        block("compute_resources", body=[
            ("type", "EC2"),
            ("allocation_strategy", "BEST_FIT_PROGRESSIVE"),
            ("min_vcpus", 0),
            ("max_vcpus", env.size.max_vcpus),
            ("instance_type", [env.instance_type]),
            ("instance_role", Expr(f"aws_iam_instance_profile.{env.instance_role}.arn")),
            ("security_group_ids", [Expr(f"aws_security_group.{env.security_group}.id")]),
            ("subnets", subnets),
            block("ec2_configuration", body=[("image_type", ECS_IMAGE_TYPE),
                                             ("image_id_override", env.ami) if env.ami else None]),
            block("launch_template", body=[("launch_template_id", Expr(f"aws_launch_template.{label}.id")),
                                           ("version", Expr(f"aws_launch_template.{label}.latest_version"))]),
        ]),
        ("depends_on", [Expr(f"aws_iam_role_policy_attachment.{env.instance_role}_1")]),
    ])
    queue = block("resource", "aws_batch_job_queue", label, comments=comments, body=[
        ("name", env.name), ("state", "ENABLED"), ("priority", 1),
        block("compute_environment_order", body=[
            ("order", 1), ("compute_environment", Expr(f"aws_batch_compute_environment.{label}.arn"))]),
    ])
    definitions = [_definition(env, label, env.name, batch_properties_path(label))] if env.definitions[0] else []
    if env.items:
        definitions.append(_definition(env, f"{label}_items", Target.name(f"{label}-items", 128),
                                       batch_items_properties_path(label)))
    return [template, compute, queue, *definitions]


def _definition(env: BatchEnvironment, label: str, name: Template, properties_path: str) -> Block:
    properties = Call("templatefile", Template(Expr("path.module"), "/" + properties_path),
                      {"package": env.package, "job_role": Expr(f"aws_iam_role.{env.role}.arn")})
    return block("resource", "aws_batch_job_definition", label, comments=[env.comment], body=[
        ("name", name),
        ("type", "container"),
        ("platform_capabilities", ["EC2"]),
        ("container_properties", properties),
        block("retry_strategy", body=[("attempts", 1)]),
    ])
