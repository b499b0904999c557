"""Glacier: cloud-agnostic Polars pipelines.

    from glacier import Provider, pipeline
    from glacier.config import AwsConfig, LambdaConfig

A `Provider` (its config decides the cloud) creates buckets (where data lives) and execution
resources (where code runs); tasks are bound to execution resources and pipelines call tasks.
`glacierc` compiles the same code to Terraform, graphs and standalone runners.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from glacier.defaults import task
    from glacier.execution import ExecutionResource
    from glacier.pipelines import Pipeline, pipeline
    from glacier.provider import Provider
    from glacier.storage import Bucket
    from glacier.tasks import Task

# Public names are loaded on first use, so `import glacier.config` (what the compiler reads) stays
# free of Polars.
_LAZY = {
    "task": "glacier.defaults",
    "ExecutionResource": "glacier.execution",
    "Pipeline": "glacier.pipelines",
    "pipeline": "glacier.pipelines",
    "Provider": "glacier.provider",
    "Bucket": "glacier.storage",
    "Task": "glacier.tasks",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glacier' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "Bucket",
    "ExecutionResource",
    "Pipeline",
    "Provider",
    "Task",
    "__version__",
    "pipeline",
    "task",
]
