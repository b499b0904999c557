"""What the expression rewrites share while one module is transformed."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from glacierc.migrate.resolve import Resolver
from glacierc.migrate.scan import ModuleFacts


@dataclass(slots=True)
class RewriteContext:
    resolver: Resolver
    facts: ModuleFacts
    notes: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    imports: set[tuple[str, str]] = field(default_factory=set)

    def note(self, node: cst.CSTNode, reason: str) -> None:
        """Report at an original node (its position is the one in the user's file)."""
        self.notes.append((node, reason))

    def importable(self, *names: tuple[str, str]) -> str | None:
        """None if every `(module, name)` can be imported here, else why not."""
        for module, name in names:
            if not self.resolver.importable(name, module):
                return f"the name {name} is already used for something else in this module"
        return None
