"""Old-API executor strings (`executor="lambda"`) and the execution resource each stands for in the current
language: one mapping for GLC103's help (the frontend) and for the rewrite `glacierc migrate` makes."""

from __future__ import annotations

from dataclasses import dataclass


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
