"""The runtime without a runner: glacierc/runtime's modules laid out over a plan the test writes.

`load_runtime(plan)` does what a runner does, minus the compiler: one namespace holding the plan,
the runtime's merged imports and every runtime section, each compiled from its own file (so a
traceback names glacierc/runtime/<module>.py and its real line).
"""

from __future__ import annotations

import types

import pytest

from glacierc.backends.runner.runtime import FIRST_IMPORTS, merged_imports, runner_modules, section


def node_spec(task, *, needs=(), args=None, retries=0, timeout=None, lazy=False, reads=(), writes=()):
    """One NODES entry as the runner's plan writes it."""
    if args is None:
        args = tuple((n, "positional", "node", n) for n in needs)
    return {"task": task, "executor": "local_exec", "kind": "local", "source": "pipeline.py:1",
            "call": "pipeline.py:9", "retries": retries, "timeout": timeout, "lazy": lazy, "args": tuple(args),
            "needs": tuple(needs), "after": (), "reads": tuple(reads), "writes": tuple(writes)}


def storage_spec(bucket, path, file_format="parquet"):
    return {"cloud": "local", "bucket": bucket, "path": path, "format": file_format, "uri": f"{bucket}/{path}"}


def granted(nodes: dict) -> dict:
    """ACCESS as glacierc computes it from NODES alone: per executor, the union of its nodes' reads and writes."""
    access: dict = {}
    for spec in nodes.values():
        entry = access.setdefault(spec["executor"], {"reads": set(), "writes": set()})
        entry["reads"].update(spec["reads"])
        entry["writes"].update(spec["writes"])
    return {name: {verb: tuple(sorted(names)) for verb, names in entry.items()} for name, entry in access.items()}


def load_runtime(**plan) -> types.ModuleType:
    """A module holding the runtime over `plan` (PIPELINE, STORAGE, NODES, LEVELS, TASKS, ...)."""
    module = types.ModuleType("glacier_runtime_under_test")
    module.__file__ = "runner_under_test.py"
    namespace = module.__dict__
    exec(compile(section("plan").body, str(section("plan").path), "exec"), namespace)
    namespace.update({"PIPELINE": "test", "PLAN_ID": "0123456789abcdef", "ACCESS": granted(plan.get("NODES", {})),
                      **plan})
    standard, other = merged_imports(runner_modules())
    exec("\n".join((*FIRST_IMPORTS, *standard, *other)), namespace)
    for name in runner_modules():
        part = section(name)
        padded = "\n" * (part.first_line - 1) + part.body  # keep the module's own line numbers
        exec(compile(padded, str(part.path), "exec"), namespace)
    return module


@pytest.fixture
def runtime():
    return load_runtime
