"""What every cloud target refuses the same way, judged over the IR alone: which executor kind / config runs
on which service of the cloud (an executor it cannot run is the one GLC401), which mapped nodes its
orchestration cannot run, storage of another provider (GLC403); how the declarations of one bucket are
grouped (`bucket_groups`: the first one's settings win), which buckets the module configures
(`configured_buckets`) and which later declarations' settings conflict with the first's (`setting_conflicts`,
GLC404); and the two shapes of the clouds' own diagnostics (`storage_problem`, `executor_problem`).

`TargetRules` is the base of each cloud's rules class (`AwsRules` in aws_rules.py, ...), and of `Target`:
`check` calls `validate` on the rules class without importing the target (its block builders), and the
target's build reports the very same diagnostics through it, so a green `check` means the build works.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import ClassVar

from glacierc.backends.terraform.access import Access, executor_access, foreign_access
from glacierc.backends.terraform.common import provider_pipelines
from glacierc.checks.glc401_unsupported_on_target import MAPPED_NODE
from glacierc.diagnostics.model import Diagnostic, Message
from glacierc.ir.nodes import Executor, ExecutorKind, Project, Provider, Service, Storage


class TargetRules:
    """The cloud's services and the diagnostics judged from them; subclasses set the class attributes."""

    #: The cloud's name in diagnostics and in `AwsConfig`-style help.
    CLOUD = ""
    #: (executor kind, config class or None for the kind's default) -> the service that runs it.
    SERVICES: Mapping[tuple[ExecutorKind, str | None], Service] = {(ExecutorKind.LOCAL, None): Service.LOCAL}
    #: The unsupported-executor diagnostic (glc401), whose help names the configs that do run here.
    UNSUPPORTED_EXECUTOR: ClassVar[Message]
    #: Whether this cloud's orchestration runs a mapped node (a task over a dataset's partitions).
    MAPS = False
    #: GLC401 of a mapped node on an executor `maps_on` refuses (a cloud may say why).
    MAP_REFUSAL = MAPPED_NODE

    def validate(self, project: Project, provider: Provider) -> list[Diagnostic]:
        """Hook: every diagnostic of `provider`'s module judged over the IR (a cloud whose rules are not
        split from its model yet reports them from its build instead, and returns none here)."""
        return []

    def service(self, executor: Executor) -> Service | None:
        """The service running `executor` here, None when this cloud cannot run it."""
        if executor.kind is ExecutorKind.LOCAL:
            return Service.LOCAL
        return self.SERVICES.get((executor.kind, executor.config_type))

    def supported_executors(self, project: Project, provider: Provider, diagnostics: list[Diagnostic]
                            ) -> list[tuple[Executor, Service]]:
        """(executor, service) for every executor of `provider` running a task, sorted by name; the
        others get the one unsupported diagnostic (GLC401) and no infrastructure."""
        used = {t.executor for t in project.tasks}
        result = []
        for executor in sorted(project.executors, key=lambda e: e.name):
            if executor.provider != provider.name or executor.name not in used:
                continue
            service = self.service(executor)
            if service is None:
                diagnostics.append(self.unsupported(executor, provider))
            else:
                result.append((executor, service))
        return result

    def unsupported(self, executor: Executor, provider: Provider) -> Diagnostic:
        return self.UNSUPPORTED_EXECUTOR.diagnostic(executor.span, executor=executor.name, config=executor.config_type,
                                                    cloud=self.CLOUD, provider=provider.name)

    def maps_on(self, executor: Executor) -> bool:
        """Whether this cloud's orchestration runs a mapped node on `executor` (MAPS: on every executor)."""
        return self.MAPS

    def unsupported_maps(self, project: Project, provider: Provider) -> list[Diagnostic]:
        """GLC401 on every mapped node of `provider`'s pipelines that this cloud cannot run where it is, so that
        `check` refuses what would fail at run time (listing the dataset)."""
        mine = set(provider_pipelines(project, provider))
        return [self.MAP_REFUSAL.diagnostic(node.span, node=node.id, pipeline=pipeline.name, task=node.task,
                                             dataset=node.map, cloud=self.CLOUD, executor=node.executor)
                for pipeline in project.pipelines if pipeline.name in mine for node in pipeline.nodes
                if node.map and not self.maps_on(project.executor(node.executor))]

    @staticmethod
    def foreign_storage(project: Project, provider: Provider, executors: Iterable[Executor]) -> list[Diagnostic]:
        """GLC403 for every storage of another provider that one of `executors` reads or writes."""
        access = executor_access(project)
        everything = {s.name: s for s in project.storage}
        storage: dict[str, Storage] = {s.name: s for s in project.storage if s.provider == provider.name}
        return [d for executor in executors
                for d in foreign_access(executor, access.get(executor.name, Access((), ())), storage, everything)]


def bucket_groups(storage: list[Storage] | tuple[Storage, ...]) -> dict[str, list[Storage]]:
    """Bucket name -> the storage declared on it, in source order (the first declaration's settings win)."""
    groups: dict[str, list[Storage]] = {}
    for item in storage:
        groups.setdefault(item.bucket, []).append(item)
    return {name: in_source_order(groups[name]) for name in sorted(groups)}


def in_source_order(storage: list[Storage]) -> list[Storage]:
    """The declarations in source order: the first one's settings win."""
    return sorted(storage, key=lambda s: (s.span.file, s.span.line, s.name))


def configured_buckets(storage: list[Storage]) -> Iterator[tuple[str, list[Storage]]]:
    """(bucket name, its declarations) of every bucket of `storage` that no declaration adopts: an adopted
    bucket (existing=True) is not configured by the module (GLC410 says so)."""
    for name, members in bucket_groups(storage).items():
        if not any(m.existing for m in members):
            yield name, members


def setting_conflicts(message: Message, settings: Sequence[str], members: list[Storage], values: Sequence[object],
                      **fields: object) -> list[Diagnostic]:
    """`message` (GLC404) on every declaration after the first whose `settings` (attributes of its config in
    `values`, one per member) differ from the first declaration's."""
    found = []
    for member, value in zip(members[1:], values[1:]):
        differing = [f for f in settings if getattr(value, f) != getattr(values[0], f)]
        if differing:
            found.append(message.diagnostic(member.span, storage=member.name, first=members[0].name,
                                            fields=", ".join(differing), **fields))
    return found


def storage_problem(member: Storage, message: Message, **fields: object) -> Diagnostic:
    """`message` about the declaration `member` (at its span, `storage=` its name)."""
    return message.diagnostic(member.span, storage=member.name, **fields)


def executor_problem(executor: Executor, message: Message, **fields: object) -> Diagnostic:
    """`message` about `executor` (at its span, `executor=` its name)."""
    return message.diagnostic(executor.span, executor=executor.name, **fields)
