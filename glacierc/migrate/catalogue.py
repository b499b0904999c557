"""The old API, name by name, and what each piece becomes in the current language.

Config knowledge (fields, clouds, limits) comes from `glacier.config`, the one catalogue; this
module only adds the old spellings: provider classes, executor strings, decorator arguments.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from glacier.config import CATALOGUE, check_value, fields_of

#: Old provider class -> the config class that now decides the cloud.
OLD_PROVIDERS: dict[str, str] = {
    "AWSProvider": "AwsConfig",
    "GCPProvider": "GcpConfig",
    "AzureProvider": "AzureConfig",
    "LocalProvider": "LocalConfig",
}
ENV_CLASS = "GlacierEnv"
#: Names that only the old API exported; their imports go once nothing uses them.
OLD_NAMES = frozenset({*OLD_PROVIDERS, ENV_CLASS})

#: Names glacier exports, old and new: an unbound use of one of them can only mean glacier's.
GLACIER_NAMES = frozenset({*OLD_NAMES, "Provider", "task", "pipeline", *CATALOGUE})

#: Arguments the current decorators accept (the rest of the old ones are dropped and reported).
TASK_ARGS = frozenset({"name", "depends_on", "retries", "timeout"})
PIPELINE_ARGS = frozenset({"name"})
#: Old `provider.serverless(...)` arguments that name the function rather than configure it.
SERVERLESS_IDENTITY_ARGS = ("function_name", "name", "handler")

SERVERLESS_CONFIG = {"aws": "LambdaConfig", "gcp": "CloudFunctionConfig", "azure": "AzureFunctionConfig"}


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """The execution resource an old executor string stands for."""

    var: str  # conventional variable name, e.g. "lambda_exec"
    method: str  # provider method: local | serverless | vm | cluster
    config: str | None  # config class, None for local
    cloud: str  # cloud the service exists on, or "any"

    def declaration(self, var: str, provider: str) -> str:
        config = "" if self.config is None else f"config={self.config}()"
        return f"{var} = {provider}.{self.method}({config})\n"


LOCAL = ExecutorSpec("local_exec", "local", None, "any")
_LAMBDA = ExecutorSpec("lambda_exec", "serverless", "LambdaConfig", "aws")
_CLOUD_FUNCTION = ExecutorSpec("function_exec", "serverless", "CloudFunctionConfig", "gcp")
_AZURE_FUNCTION = ExecutorSpec("function_exec", "serverless", "AzureFunctionConfig", "azure")
_EC2 = ExecutorSpec("vm_exec", "vm", "EC2Config", "aws")
_COMPUTE_ENGINE = ExecutorSpec("vm_exec", "vm", "ComputeEngineConfig", "gcp")
_AZURE_VM = ExecutorSpec("vm_exec", "vm", "AzureVMConfig", "azure")
_DATABRICKS = ExecutorSpec("databricks_exec", "cluster", "DatabricksConfig", "any")
_SPARK = ExecutorSpec("spark_exec", "cluster", "SparkConfig", "any")
_DATAPROC = ExecutorSpec("dataproc_exec", "cluster", "DataprocConfig", "gcp")

_BY_LABEL: dict[str, ExecutorSpec] = {
    "local": LOCAL,
    "lambda": _LAMBDA, "aws_lambda": _LAMBDA,
    "cloud_function": _CLOUD_FUNCTION, "cloud_functions": _CLOUD_FUNCTION, "gcf": _CLOUD_FUNCTION,
    "azure_function": _AZURE_FUNCTION, "azure_functions": _AZURE_FUNCTION,
    "ec2": _EC2,
    "compute_engine": _COMPUTE_ENGINE, "gce": _COMPUTE_ENGINE,
    "azure_vm": _AZURE_VM,
    "databricks": _DATABRICKS,
    "spark": _SPARK, "cluster": _SPARK,
    "emr": ExecutorSpec("spark_exec", "cluster", "SparkConfig", "aws"),
    "hdinsight": ExecutorSpec("spark_exec", "cluster", "SparkConfig", "azure"),
    "dataproc": _DATAPROC,
}  # fmt: skip
#: Labels whose service depends on the provider's cloud.
_BY_CLOUD: dict[str, dict[str, ExecutorSpec]] = {
    "serverless": {"aws": _LAMBDA, "gcp": _CLOUD_FUNCTION, "azure": _AZURE_FUNCTION},
    "function": {"aws": _LAMBDA, "gcp": _CLOUD_FUNCTION, "azure": _AZURE_FUNCTION},
    "vm": {"aws": _EC2, "gcp": _COMPUTE_ENGINE, "azure": _AZURE_VM},
}


def executor_spec(label: str, cloud: str | None) -> ExecutorSpec | str:
    """The resource for `executor="label"` on a provider of `cloud`, or why there is none."""
    key = label.strip().lower().replace("-", "_").replace(" ", "_")
    if key in _BY_CLOUD:
        spec = _BY_CLOUD[key].get(cloud or "")
        if spec is None:
            where = "a local provider" if cloud == "local" else "a provider whose cloud is not known"
            return f"executor {label!r} names a different service on each cloud and {where} has none"
        return spec
    spec = _BY_LABEL.get(key)
    if spec is None:
        return (
            f"executor {label!r} has no execution resource in the language "
            "(local, serverless, vm or cluster); bind the task to one by hand"
        )
    if cloud not in (None, "local") and spec.cloud not in ("any", cloud):
        return f"executor {label!r} runs on {spec.cloud} but the task's provider is {cloud}"
    return spec


def config_role(name: str) -> str | None:
    cls = CATALOGUE.get(name)
    return cls.ROLE if cls is not None else None


def config_cloud(name: str) -> str | None:
    cls = CATALOGUE.get(name)
    return cls.CLOUD if cls is not None else None


def field_names(config: str) -> tuple[str, ...]:
    return tuple(spec.name for spec in fields_of(config))


def required_fields(config: str) -> tuple[str, ...]:
    return tuple(spec.name for spec in fields_of(config) if spec.required)


def literal_problem(config: str, field: str, source: str) -> str | None:
    """Why the literal `source` cannot be `config.field`; None if it can or is not a literal."""
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return check_value(config, field, value)
