"""What each executor may touch, proven from the data flow: the one definition of least privilege.

`executor_access` is the union of the storage its nodes read and write (plus module-level storage its
tasks use, and everything GLC205 grants conservatively). Each cloud's IAM is generated from it
(backends/terraform/access.py) and the runner enforces exactly it (backends/runner/plan.py `ACCESS`), so a
local run denies what the cloud would deny.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacierc.ir.nodes import Project


@dataclass(frozen=True, slots=True)
class Access:
    """Storage names an executor reads and writes."""

    reads: tuple[str, ...]
    writes: tuple[str, ...]


def executor_access(project: Project) -> dict[str, Access]:
    """For every executor: the storage its nodes read/write, plus its tasks' module-level storage."""
    reads: dict[str, set[str]] = {e.name: set() for e in project.executors}
    writes: dict[str, set[str]] = {e.name: set() for e in project.executors}
    for task in project.tasks:
        reads.setdefault(task.executor, set()).update(task.reads)
        writes.setdefault(task.executor, set()).update(task.writes)
    for pipeline in project.pipelines:
        for node in pipeline.nodes:
            reads.setdefault(node.executor, set()).update(node.reads)
            writes.setdefault(node.executor, set()).update(node.writes)
    return {name: Access(tuple(sorted(reads[name])), tuple(sorted(writes[name]))) for name in reads}
