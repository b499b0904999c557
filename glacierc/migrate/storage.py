"""Storage spellings of older documents: `provider.bucket_source(...)` and `bucket(..., name=...)`.

Storage is named by the variable it is bound to, so `name=` has no counterpart and is dropped
(reported); `bucket_source` was renamed `bucket`.
"""

from __future__ import annotations

import libcst as cst

from glacierc.migrate.context import RewriteContext
from glacierc.migrate.cst_edit import call_without_args, keyword


def rewrite_bucket_call(original: cst.Call, updated: cst.Call, ctx: RewriteContext) -> cst.Call:
    func = original.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in ("bucket", "bucket_source"):
        return updated
    if ctx.facts.provider_of(func.value, ctx.resolver) is None:
        return updated
    new = updated
    if func.attr.value == "bucket_source":
        assert isinstance(updated.func, cst.Attribute)
        new = new.with_changes(func=updated.func.with_changes(attr=cst.Name("bucket")))
    for arg in original.args:
        if keyword(arg) == "name":
            ctx.note(arg, "dropped name= of provider.bucket(...): storage is named by its variable")
    if any(keyword(arg) == "name" for arg in original.args):
        new = call_without_args(new, lambda arg: keyword(arg) == "name")
    return new
