"""Glacier: cloud-agnostic Polars pipelines.

    from glacier import Provider, pipeline
    from glacier.config import AwsConfig, LambdaConfig

A `Provider` (its config decides the cloud) creates buckets (where data lives) and execution
resources (where code runs); tasks are bound to execution resources and pipelines call tasks.
`glacierc` compiles the same code to Terraform, graphs and standalone runners.
"""

from glacier.defaults import task
from glacier.execution import ExecutionResource
from glacier.pipelines import Pipeline, pipeline
from glacier.provider import Provider
from glacier.storage import Bucket
from glacier.tasks import Task

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
