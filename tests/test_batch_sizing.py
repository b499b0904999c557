"""AWS Batch jobs of vm executors are sized from the EC2 instance type (glacierc/checks/ec2_sizes.py): every
vCPU, the memory less headroom for the ECS agent; an unknown type falls back to 1 vCPU / 1,024 MiB (GLC416)."""

from __future__ import annotations

import json

import pytest

from glacierc.backends.terraform.aws_batch import container_properties
from glacierc.checks.ec2_sizes import FALLBACK, JobSize, job_size, nominal
from tests.terraform_tools import REPO, emit_pipeline


@pytest.mark.parametrize(("instance_type", "expected"), [
    ("t3.micro", (2, 1024)), ("t3.medium", (2, 4096)), ("t3a.2xlarge", (8, 32768)), ("t4g.large", (2, 8192)),
    ("m5.large", (2, 8192)), ("m5.xlarge", (4, 16384)), ("m6i.8xlarge", (32, 131072)), ("m7g.medium", (1, 4096)),
    ("c5.large", (2, 4096)), ("c5.9xlarge", (36, 73728)), ("c6g.medium", (1, 2048)),
    ("r5.large", (2, 16384)), ("r6i.24xlarge", (96, 786432)),
])
def test_the_table_gives_the_instance_types_published_size(instance_type, expected):
    assert nominal(instance_type) == expected


@pytest.mark.parametrize("instance_type", ["x2iedn.xlarge", "m5.metal", "m5.medium", "m5.0xlarge", "t3.nano",
                                           "m5", "", "m5.large.x", "p4d.24xlarge"])
def test_an_unknown_type_gets_the_fallback(instance_type):
    assert nominal(instance_type) is None
    assert job_size(instance_type) == JobSize(*FALLBACK, known=False)


@pytest.mark.parametrize(("instance_type", "vcpus", "memory", "max_vcpus", "slots"), [
    ("t3.micro", 2, 512, 16, 8),  # 512 MiB headroom at least
    ("m5.large", 2, 7373, 16, 8),  # a tenth of 8,192 MiB left to the instance
    ("c5.xlarge", 4, 7373, 16, 4),
    ("r6i.4xlarge", 16, 117965, 16, 1),
    ("m5.8xlarge", 32, 117965, 32, 1),  # one instance has more vCPUs than the default maximum
])
def test_a_job_asks_every_vcpu_and_the_memory_less_headroom(instance_type, vcpus, memory, max_vcpus, slots):
    size = job_size(instance_type)
    assert (size.vcpus, size.memory_mib, size.max_vcpus, size.slots) == (vcpus, memory, max_vcpus, slots)


def test_the_job_definition_and_compute_environment_use_the_size(tmp_path):
    source = (REPO / "tests" / "fixtures" / "aws_sfn" / "executors" / "pipeline.py").read_text()
    (tmp_path / "pipeline.py").write_text(source.replace('EC2Config(instance_type="m5.large")',
                                                         'EC2Config(instance_type="m5.8xlarge")'))
    files, _, diagnostics = emit_pipeline(tmp_path / "pipeline.py", runner_sources={"executors": "pass\n"})
    properties = json.loads(files["terraform/jobs/vm_exec.batch.json"])
    assert properties["resourceRequirements"] == [{"type": "VCPU", "value": "32"},
                                                  {"type": "MEMORY", "value": "117965"}]
    assert "max_vcpus           = 32" in files["terraform/compute.tf"]
    assert not [d for d in diagnostics if d.code == "GLC416"]


def test_the_container_properties_of_an_unknown_type_ask_the_fallback():
    properties = container_properties(job_size("x2iedn.xlarge"))
    assert properties["resourceRequirements"] == [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "1024"}]
