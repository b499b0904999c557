"""What each execution identity may touch, proven from the data flow; shared by every cloud's IAM.

`executor_access` (glacierc/ir/access.py, which the runner enforces too) is the single source of least
privilege: the union of the storage its nodes read and write (plus module-level storage its tasks use).
Each cloud turns it into its own grants.
"""

from __future__ import annotations

from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.access import Access, executor_access  # noqa: F401 (re-exported)
from glacierc.ir.nodes import Executor, Storage
from glacierc.checks.glc403_cross_provider_access import FOREIGN_STORAGE

_GLOB = "*?["


def key_patterns(path: str) -> tuple[str, ...]:
    """The object keys a storage path covers, as IAM resource patterns.

    A file is its key; a directory (trailing `/` or a last segment without a suffix, such as a
    partitioned dataset) is `dir/*` (and the key itself); a glob is the prefix before its `*`, then `*`.
    `check` (GLC307) has already refused every path with another wildcard, a `..` or a leading `/`, so a
    pattern never reaches past the storage the data flow proved.
    """
    if any(char in path for char in _GLOB):
        return (path[: min(path.index(c) for c in _GLOB if c in path)] + "*",)
    if not path or path.endswith("/"):
        return (path + "*",)
    if "." not in path.rsplit("/", 1)[-1]:
        return (path, path + "/*")
    return (path,)


def foreign_access(executor: Executor, access: Access, storage: dict[str, Storage],
                   everything: dict[str, Storage]) -> list[Diagnostic]:
    """GLC403 for storage of another provider: no grant can be generated for it in this module."""
    found = []
    for verb, names in (("reads", access.reads), ("writes", access.writes)):
        for name in names:
            other = everything.get(name)
            if name in storage or other is None:
                continue
            found.append(FOREIGN_STORAGE.diagnostic(executor.span, executor=executor.name, verb=verb, storage=name,
                                                    uri=other.uri, provider=other.provider))
    return found
