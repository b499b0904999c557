"""Name resolution over one parsed module: what a name means, where it is bound, where a node is.

Built on LibCST's scope analysis, so `import glacier.providers as gp; gp.AWSProvider` and
`from glacier import GlacierEnv as Env` resolve like the plain spellings, and a local variable
that happens to be called `env` is never mistaken for a module-level environment.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    CodeRange,
    GlobalScope,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameSource,
    Scope,
    ScopeProvider,
)
from libcst.metadata.scope_provider import ImportAssignment

from glacierc.migrate.catalogue import GLACIER_NAMES


class Resolver:
    """Scope, parent and position metadata of one module (the wrapper's copy of it)."""

    def __init__(self, wrapper: MetadataWrapper) -> None:
        self.module = wrapper.module
        wrapper.resolve_many([ScopeProvider, ParentNodeProvider, PositionProvider])  # one pass; resolve() reads it
        self._scopes: Mapping[cst.CSTNode, Scope | None] = wrapper.resolve(ScopeProvider)
        self._parents: Mapping[cst.CSTNode, cst.CSTNode] = wrapper.resolve(ParentNodeProvider)
        self._positions: Mapping[cst.CSTNode, CodeRange] = wrapper.resolve(PositionProvider)
        scope = self._scopes[self.module]
        assert isinstance(scope, GlobalScope)
        self.global_scope: GlobalScope = scope
        self._lines: list[str] | None = None

    # --- where -----------------------------------------------------------------------------

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """1-based line and column of the start of `node`."""
        start = self._positions[node].start
        return start.line, start.column + 1

    def line_indent(self, node: cst.CSTNode) -> int:
        """Leading spaces of the source line on which `node` starts."""
        if self._lines is None:
            self._lines = self.module.code.split("\n")
        line = self._lines[self.position(node)[0] - 1]
        return len(line) - len(line.lstrip(" "))

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def is_module_level(self, statement: cst.CSTNode | None) -> bool:
        return statement is not None and self.parent(statement) is self.module

    # --- what a name means -----------------------------------------------------------------

    def glacier_name(self, node: cst.BaseExpression) -> str | None:
        """'glacier.providers.AWSProvider' if `node` names something imported from glacier."""
        scope = self._scopes.get(node)
        if scope is None or not isinstance(node, cst.Name | cst.Attribute):
            return None
        for qualified in sorted(scope.get_qualified_names_for(node), key=lambda q: q.name):
            if qualified.source is QualifiedNameSource.IMPORT and (
                qualified.name == "glacier" or qualified.name.startswith("glacier.")
            ):
                return qualified.name
        return None

    def glacier_object(self, node: cst.BaseExpression) -> str | None:
        """The last component of `glacier_name`: 'AWSProvider', 'GlacierEnv', 'task', ...

        A glacier name used without any import (`LambdaConfig(...)` with nothing binding it) can
        only mean glacier's: it counts too, so that adding the import changes no decision.
        """
        name = self.glacier_name(node)
        if name is not None and "." in name:
            return name.rsplit(".", 1)[-1]
        if isinstance(node, cst.Name) and node.value in GLACIER_NAMES and self.is_unbound(node):
            return node.value
        return None

    def refers_to_global(self, node: cst.Name) -> bool:
        """`node` reads a module-level binding (not a local, parameter or class attribute)."""
        scope = self._scopes.get(node)
        if scope is None:
            return False
        assignments = scope[node.value]
        return bool(assignments) and all(a.scope is self.global_scope for a in assignments)

    def is_unbound(self, node: cst.Name) -> bool:
        """Nothing in scope binds `node` (a builtin at best, or a NameError)."""
        scope = self._scopes.get(node)
        return scope is not None and not scope[node.value]

    def free_at(self, node: cst.CSTNode, name: str) -> bool:
        """Writing `name` at `node` would reach module level (nothing local shadows it)."""
        scope = self._scopes.get(node)
        if scope is None:
            return True
        return all(a.scope is self.global_scope for a in scope[name])

    # --- module-level bindings -------------------------------------------------------------

    def global_names(self) -> frozenset[str]:
        return frozenset(a.name for a in self.global_scope.assignments)

    def all_names(self) -> frozenset[str]:
        """Every identifier written anywhere in the module, bound or not."""
        names: set[str] = set()

        class _Names(cst.CSTVisitor):
            def visit_Name(self, node: cst.Name) -> None:
                names.add(node.value)

            def visit_Arg(self, node: cst.Arg) -> bool:  # `f(key=...)`: `key` is no variable
                node.value.visit(self)
                return False

            def visit_Attribute(self, node: cst.Attribute) -> bool:  # `a.b`: only `a` is
                node.value.visit(self)
                return False

        self.module.visit(_Names())
        return frozenset(names)

    def global_bindings(self, name: str) -> int:
        return len(self.global_scope[name])

    def importable(self, name: str, module: str) -> bool:
        """`from module import name` can be added: unbound, or only bound by that very import."""
        for assignment in self.global_scope[name]:
            if not isinstance(assignment, ImportAssignment):
                return False
            statement = assignment.node
            if not isinstance(statement, cst.ImportFrom) or statement.module is None:
                return False
            if get_full_name_for_node(statement.module) != module:
                return False
        return True

    def accesses(self, name: str) -> list[cst.Name]:
        """Every read of the module-level `name`, in source order."""
        nodes = [access.node for a in self.global_scope.assignments[name] for access in a.references]
        names = [node for node in nodes if isinstance(node, cst.Name)]
        return sorted(names, key=self.position)
