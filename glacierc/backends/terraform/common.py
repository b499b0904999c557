"""What every Terraform target shares: labels, cloud names, tags and source comments (configs are read typed
through glacierc/ir/configs.py).

The `.tf` files are built as blocks (blocks.py) by the target classes (target.py and one module per
cloud) and printed by `blocks.print_blocks`; the Python entry modules of the cloud packages are laid out
by entry_module.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from glacierc.backends.escaping import visible
from glacierc.backends.names import identifier
from glacierc.ir.nodes import Project, Provider, Task
from glacierc.source import Span

MANAGED_BY = "glacier"
DEFAULT_NAME_PREFIX = "glacier"
#: Longest `name_prefix` the generated `variables.tf` accepts; cloud names are sized with it.
NAME_PREFIX_MAX = 20

_CLOUD_BAD = re.compile(r"[^a-z0-9-]+")


# --- names ------------------------------------------------------------------------------------


def label(name: str) -> str:
    """A Terraform block label for `name` (see `glacierc.backends.names.identifier`)."""
    return identifier(name)


def unique_labels(names: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """A distinct label for every name; clashes after sanitising (or with `reserved` labels of
    generated resources) get `_2`, `_3`, ... in sorted order. Labels differ even ignoring case,
    so `cloud_name(label)` is distinct too."""
    result: dict[str, str] = {}
    taken: set[str] = {item.lower() for item in reserved}
    for name in sorted(set(names)):
        base = candidate = label(name)
        counter = 1
        while candidate.lower() in taken:  # case-insensitively: cloud names derive from labels
            counter += 1
            candidate = f"{base}_{counter}"
        taken.add(candidate.lower())
        result[name] = candidate
    return result


def cloud_name(name: str, max_length: int) -> str:
    """A lower-case, hyphenated cloud resource name part of at most `max_length` characters.

    Too long names keep their start and get a short stable hash, so two long names stay distinct.
    """
    cleaned = _CLOUD_BAD.sub("-", name.lower().replace("_", "-")).strip("-") or "unnamed"
    if len(cleaned) <= max_length:
        return cleaned
    import hashlib

    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{cleaned[: max_length - 7].rstrip('-')}-{digest}"



# --- tags, comments -----------------------------------------------------------------------------


def default_tags(pipelines: Iterable[str], *, separator: str = " ", allowed: str = r"[^\w .:/=+@-]",
                 max_length: int = 256) -> dict[str, str]:
    """Tags/labels every generated resource carries (merged with the user's `var.tags`).

    `glacier_pipeline` lists the pipelines; characters outside `allowed` (a regex of what to
    replace, per cloud) become `_`, and a too long value is cut with `cloud_name`'s hash rule.
    """
    names = [re.sub(allowed, "_", name) for name in sorted(set(pipelines))]
    value = separator.join(names)
    if len(value) > max_length:
        import hashlib

        value = value[: max_length - 7] + "-" + hashlib.sha256(value.encode()).hexdigest()[:6]
    return {"glacier_pipeline": value, "managed_by": MANAGED_BY}


def provider_pipelines(project: Project, provider: Provider) -> tuple[str, ...]:
    """Pipelines with at least one node on an executor of `provider`, sorted."""
    executors = {e.name for e in project.executors if e.provider == provider.name}
    names = {p.name for p in project.pipelines if any(n.executor in executors for n in p.nodes)}
    return tuple(sorted(names))


def tasks_by_executor(project: Project) -> dict[str, list[Task]]:
    """Executor name -> its tasks, sorted by name."""
    result: dict[str, list[Task]] = {}
    for task in sorted(project.tasks, key=lambda t: t.name):
        result.setdefault(task.executor, []).append(task)
    return result



def source_text(items: Iterable[tuple[Span, str]]) -> str:
    """`source: pipeline.py:12 (task clean), ...`: the text of a `source_comment` (for `Block.comments`)."""
    parts = sorted({(span.file, span.line, what) for span, what in items})
    return "source: " + ", ".join(f"{visible(file)}:{line} ({visible(what)})" for file, line, what in parts)


class Declared(Protocol):
    """An IR node declared at a place in the source: an executor, a task, a pipeline, a provider."""

    @property
    def name(self) -> str: ...

    @property
    def span(self) -> Span: ...


def source_of(kind: str, item: Declared) -> str:
    """`source: pipeline.py:12 (executor fn)`: the `source_text` of where the `kind` `item` is declared."""
    return source_text([(item.span, f"{kind} {item.name}")])


@dataclass(frozen=True, slots=True)
class Skip:
    """A checkov check deliberately not met, with the reason shown to the user."""

    check: str
    reason: str

    @property
    def text(self) -> str:
        """The comment's text (for a `blocks.Comment` inside the skipped resource)."""
        return f"checkov:skip={visible(self.check)}:{visible(self.reason)}"
