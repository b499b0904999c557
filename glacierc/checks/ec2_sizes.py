"""What an AWS Batch job of a vm executor asks of its instance: derived from the EC2 instance type.

Shared by the AWS backend (the job definition, the compute environment, a map's bound) and GLC416 (a type
this table does not know); it imports nothing.

A job runs one fused group (its nodes one after another, Polars using every core), so it asks the whole
instance: all of its vCPUs and its memory less `headroom` for what the instance runs beside the container (the
ECS agent, Docker, the operating system: ECS registers less memory than the type's nominal size, and a job
asking more than the registered memory never leaves RUNNABLE). The table knows the instance families below by
their naming scheme (`<family>.<size>`: `large` 2 vCPUs, `xlarge` 4, `<n>xlarge` 4n); memory per vCPU is the
family's. A type it does not know (another family, `metal`) gets `FALLBACK`, 1 vCPU and 1,024 MiB, which any
instance type can place; GLC416 says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: GiB of memory per vCPU of each family whose sizes follow the `large` = 2 vCPUs scheme.
FAMILIES = {
    **dict.fromkeys(("m5", "m5a", "m5n", "m6i", "m6a", "m6g", "m7i", "m7a", "m7g"), 4),
    **dict.fromkeys(("c5", "c5a", "c5n", "c6i", "c6a", "c6g", "c7i", "c7a", "c7g"), 2),
    **dict.fromkeys(("r5", "r5a", "r5n", "r6i", "r6a", "r6g", "r7i", "r7a", "r7g"), 8),
}
#: Graviton families also come in `medium`: 1 vCPU.
MEDIUM = frozenset(f for f in FAMILIES if f.endswith("g"))
#: The burstable families: (vCPUs, MiB) by size.
BURSTABLE_SIZES = {"micro": (2, 1024), "small": (2, 2048), "medium": (2, 4096), "large": (2, 8192),
                   "xlarge": (4, 16384), "2xlarge": (8, 32768)}
BURSTABLE = frozenset(("t3", "t3a", "t4g"))
#: Memory left to the instance: a tenth of it, at least 512 MiB.
HEADROOM_SHARE, HEADROOM_MINIMUM_MIB = 10, 512
#: What a job asks on an instance type the table does not know.
FALLBACK = (1, 1024)
#: The compute environment's maximum vCPUs, unless one instance has more.
MAX_VCPUS = 16
_SIZE = re.compile(r"(\d*)xlarge")


@dataclass(frozen=True, slots=True)
class JobSize:
    vcpus: int
    memory_mib: int  # what the job asks: the instance's memory less the headroom
    known: bool  # False: the instance type is not in the table (FALLBACK)

    @property
    def max_vcpus(self) -> int:
        """The compute environment's maximum: MAX_VCPUS, or one instance's vCPUs when it has more."""
        return max(MAX_VCPUS, self.vcpus)

    @property
    def slots(self) -> int:
        """Jobs the compute environment runs at once."""
        return max(1, self.max_vcpus // self.vcpus)


def nominal(instance_type: str) -> tuple[int, int] | None:
    """(vCPUs, MiB) of `instance_type` (`m5.large` -> (2, 8192)), or None when the table does not know it."""
    family, _, size = instance_type.partition(".")
    if family in BURSTABLE:
        return BURSTABLE_SIZES.get(size)
    if family not in FAMILIES:
        return None
    if size == "large" or (size == "medium" and family in MEDIUM):
        vcpus = 2 if size == "large" else 1
    else:
        found = _SIZE.fullmatch(size)
        if found is None or found.group(1).startswith("0"):
            return None
        vcpus = 4 * int(found.group(1) or 1)
    return vcpus, vcpus * FAMILIES[family] * 1024


def headroom(memory_mib: int) -> int:
    return max(HEADROOM_MINIMUM_MIB, memory_mib // HEADROOM_SHARE)


def job_size(instance_type: str) -> JobSize:
    """What a job asks of an instance of `instance_type`."""
    found = nominal(instance_type)
    if found is None:
        return JobSize(*FALLBACK, known=False)
    vcpus, memory = found
    return JobSize(vcpus, memory - headroom(memory), known=True)
