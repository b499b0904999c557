"""The migration as one LibCST codemod: scan, plan, transform, then fix imports.

One transformer applies every concern (providers, serverless, storage, environments) in a
single pass over the original tree, so every report points at the user's own line and column;
the concern modules hold the actual rewrites.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import Codemod, CodemodContext

from glacierc.migrate.context import RewriteContext
from glacierc.migrate.cst_edit import rebuild_body
from glacierc.migrate.env import name_like, rewrite_decorator
from glacierc.migrate.imports import fix_imports
from glacierc.migrate.plan import Plan, make_plan
from glacierc.migrate.providers import rewrite_provider_call
from glacierc.migrate.resolve import Resolver
from glacierc.migrate.scan import scan
from glacierc.migrate.serverless import rewrite_serverless_call
from glacierc.migrate.storage import rewrite_bucket_call


class MigrateCommand(Codemod):
    """Rewrites old-API Glacier code; `notes` holds (line, column, reason) afterwards."""

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.notes: list[tuple[int, int, str]] = []

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        wrapper = self.context.wrapper
        assert wrapper is not None and wrapper.module is tree
        resolver = Resolver(wrapper)
        facts = scan(resolver)
        plan = make_plan(facts, resolver)
        ctx = RewriteContext(resolver, facts, imports=set(plan.imports))
        new = tree.visit(_Transformer(plan, ctx))
        notes = plan.notes + ctx.notes
        self.notes = sorted({(*resolver.position(node), reason) for node, reason in notes})
        return fix_imports(new, ctx.imports)


class _Transformer(cst.CSTTransformer):
    def __init__(self, plan: Plan, ctx: RewriteContext) -> None:
        super().__init__()
        self.plan = plan
        self.ctx = ctx

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        var = self.plan.gets.get(original_node)
        if var is not None:
            return name_like(updated_node, var)
        for rewrite in (rewrite_provider_call, rewrite_serverless_call, rewrite_bucket_call):
            new = rewrite(original_node, updated_node, self.ctx)
            if new is not updated_node:
                return new
        return updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        var = self.plan.provider_attrs.get(original_node)
        return name_like(updated_node, var) if var is not None else updated_node

    def leave_Decorator(self, original_node: cst.Decorator, updated_node: cst.Decorator) -> cst.Decorator:
        rewrite = self.plan.decorators.get(original_node)
        if rewrite is None:
            return updated_node
        return rewrite_decorator(updated_node, rewrite.target, rewrite.keep)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.plan.statements:
            return updated_node
        body, comments = rebuild_body(original_node.body, updated_node.body, self.plan.statements)
        return updated_node.with_changes(body=body, footer=[*comments, *updated_node.footer])
