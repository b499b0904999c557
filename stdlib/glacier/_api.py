"""The public surface of the `glacier` library as data, for the compiler to check names against.

`glacierc` never imports the library's runtime modules (they import Polars); it reads this table to
report an unknown name imported from `glacier`, an unknown method of a provider, executor or bucket,
and an unknown keyword argument of the language's calls, each with a did-you-mean. A test compares
the table with the real classes' signatures, so it cannot drift from the library.
"""

from __future__ import annotations

from glacier._task_options import OPTION_NAMES

#: Names importable from each public module (`glacier.config` adds its config classes: see `module_names`).
MODULES: dict[str, tuple[str, ...]] = {
    "glacier": ("Bucket", "ExecutionResource", "Pipeline", "Provider", "Task", "__version__", "config",
                "pipeline", "task"),
    "glacier.config": ("CATALOGUE", "Config", "FieldSpec", "canonical", "check_value", "cross_field_problems",
                       "fields_of", "spec"),
}

#: Keyword arguments of the calls that declare things, by what they are called on.
CALLS: dict[str, tuple[str, ...]] = {
    "Provider": ("config",),
    "pipeline": ("name", "schedule"),
    "task": OPTION_NAMES,
}

#: Methods (and their keyword arguments) of the objects a pipeline file declares.
METHODS: dict[str, dict[str, tuple[str, ...]]] = {
    "Provider": {
        "bucket": ("bucket", "path", "format", "config", "schema", "storage_options", "existing"),
        "local": (),
        "serverless": ("config",),
        "vm": ("config",),
        "cluster": ("config",),
        "cloud": (),
        "config": (),
    },
    "ExecutionResource": {"task": OPTION_NAMES, "kind": (), "provider": (), "config": ()},
    "Bucket": {"scan": (), "read": (), "write": ("frame",), "get_uri": (),
               "partitions": ("max_parallel", "tolerated_failures"), "bucket": (), "path": (), "format": (),
               "config": (), "provider": (), "schema": (), "storage_options": ()},
}


def module_names(module: str) -> tuple[str, ...] | None:
    """Every public name of a `glacier` module, or None when `module` is not one of them."""
    if module == "glacier.config":
        from glacier.config import CATALOGUE

        return (*MODULES[module], *sorted(CATALOGUE))
    return MODULES.get(module)
