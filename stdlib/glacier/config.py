"""The catalogue of Glacier config classes: every field, its default, its limits and its cloud.

This module is the single source of truth for configuration. Each class is a frozen dataclass
whose fields are declared with `spec()`; the limits live in the field metadata and one generic
checker (`check_value`) enforces them both at runtime (`Config.__post_init__`) and in the
compiler (GLC301 unknown field, GLC302 value outside limits, GLC303 class of another cloud).

Every class carries two class variables:

- ``CLOUD``: ``"aws"``, ``"gcp"``, ``"azure"``, ``"local"`` or ``"any"`` (any provider);
- ``ROLE``: ``"provider"``, ``"storage"``, ``"serverless"``, ``"vm"``, ``"cluster"`` or ``"rule"``
  (a value nested inside another config, such as a lifecycle rule).

Limits follow the providers' documented service limits; where a limit depends on the plan or
on an account quota, the doc string of the field says which figure is used. The lists of
allowed values (regions, storage classes, runtimes, ...) live in `glacier.limits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from collections.abc import Iterator, Mapping

from glacier._catalogue import (
    CATALOGUE,
    Config,
    FieldSpec,
    canonical,
    check_value,
    cross_field_problems,
    fields_of,
    fold_case,
    fold_case_and_spaces,
    spec,
)
from glacier.limits import (
    AWS_REGIONS,
    AZURE_BLOB_TIERS,
    AZURE_CONSUMPTION_TIMEOUT,
    AZURE_FUNCTION_PLANS,
    AZURE_FUNCTION_PYTHON,
    AZURE_LOCATIONS,
    AZURE_REPLICATION,
    CLOUD_FUNCTION_RUNTIMES,
    GCP_REGIONS,
    GCS_STORAGE_CLASSES,
    LAMBDA_RUNTIMES,
    LIFECYCLE_STORAGE_CLASSES,
    LOG_RETENTION_DAYS,
    S3_ENCRYPTION,
    S3_STORAGE_CLASSES,
)

__all__ = [
    "CATALOGUE",
    "AwsConfig",
    "AzureBlobConfig",
    "AzureConfig",
    "AzureFunctionConfig",
    "AzureVMConfig",
    "CloudFunctionConfig",
    "ComputeEngineConfig",
    "Config",
    "DatabricksConfig",
    "DataprocConfig",
    "EC2Config",
    "FieldSpec",
    "GCSConfig",
    "GcpConfig",
    "LambdaConfig",
    "LifecycleRule",
    "LocalConfig",
    "S3Config",
    "SparkConfig",
    "canonical",
    "check_value",
    "cross_field_problems",
    "fields_of",
    "spec",
]

# --- nested values ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LifecycleRule(Config):
    """One lifecycle rule of a bucket: expire and/or move objects under a prefix."""

    CLOUD: ClassVar[str] = "any"
    ROLE: ClassVar[str] = "rule"

    prefix: str = spec("", doc="Object key prefix the rule applies to ('' = whole bucket).")
    expire_days: int | None = spec(
        None, minimum=1, unit="days", doc="Delete objects this many days after creation.",
    )
    transition_days: int | None = spec(
        None, minimum=0, unit="days", doc="Move objects to storage_class after this many days.",
    )
    storage_class: str | None = spec(
        None, choices=LIFECYCLE_STORAGE_CLASSES, fold=fold_case,
        doc="Target class/tier of the transition (of the bucket's cloud).",
    )


# --- providers --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsConfig(Config):
    """Amazon Web Services account and region."""

    CLOUD: ClassVar[str] = "aws"
    ROLE: ClassVar[str] = "provider"

    region: str = spec(
        "us-east-1", choices=AWS_REGIONS, doc="AWS region all resources are created in.",
    )
    profile: str | None = spec(
        None, doc="Named profile of the AWS shared config; None = default credential chain.",
    )
    account_id: str | None = spec(
        None, doc="12-digit account id, used to pin the Terraform provider.",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class GcpConfig(Config):
    """Google Cloud project and region."""

    CLOUD: ClassVar[str] = "gcp"
    ROLE: ClassVar[str] = "provider"

    project_id: str = spec(doc="Google Cloud project id (required).")
    region: str = spec(
        "us-central1", choices=GCP_REGIONS, fold=fold_case,
        doc="Default region, e.g. 'us-central1' or 'europe-west1'.",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureConfig(Config):
    """Azure subscription, location and resource group."""

    CLOUD: ClassVar[str] = "azure"
    ROLE: ClassVar[str] = "provider"

    subscription_id: str = spec(doc="Azure subscription id (required).")
    location: str = spec(
        "eastus", choices=AZURE_LOCATIONS, fold=fold_case_and_spaces,
        doc="Azure location, e.g. 'eastus' or 'westeurope' (or its display name, 'West Europe').",
    )
    resource_group: str | None = spec(
        None, doc="Resource group to use; None = one named after the pipeline.",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalConfig(Config):
    """The local file system; runs everything in-process."""

    CLOUD: ClassVar[str] = "local"
    ROLE: ClassVar[str] = "provider"

    base_path: str = spec(
        "./data", doc="Directory holding one sub-directory per bucket (relative to the cwd).",
    )


# --- storage ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Config(Config):
    """An S3 bucket. Versioning and KMS encryption are on by default."""

    CLOUD: ClassVar[str] = "aws"
    ROLE: ClassVar[str] = "storage"

    versioning: bool = spec(True, doc="Keep every version of every object.")
    encryption: str = spec(
        "aws:kms", choices=S3_ENCRYPTION, doc="Server-side encryption algorithm.",
    )
    kms_key_id: str | None = spec(
        None, doc="KMS key ARN/id for aws:kms; None = the AWS managed key.",
    )
    storage_class: str = spec(
        "STANDARD", choices=S3_STORAGE_CLASSES, fold=fold_case, doc="Storage class of written objects.",
    )
    lifecycle_rules: tuple[LifecycleRule, ...] = spec((), doc="Expiration/transition rules.")


@dataclass(frozen=True, slots=True, kw_only=True)
class GCSConfig(Config):
    """A Google Cloud Storage bucket. Versioning is on by default."""

    CLOUD: ClassVar[str] = "gcp"
    ROLE: ClassVar[str] = "storage"

    versioning: bool = spec(True, doc="Keep noncurrent object versions.")
    storage_class: str = spec(
        "STANDARD", choices=GCS_STORAGE_CLASSES, fold=fold_case, doc="Default storage class of the bucket.",
    )
    location: str | None = spec(
        None, doc="Bucket location (region or multi-region); None = the provider region.",
    )
    kms_key_name: str | None = spec(
        None, doc="Cloud KMS key for CMEK; None = Google-managed encryption.",
    )
    lifecycle_rules: tuple[LifecycleRule, ...] = spec((), doc="Delete/SetStorageClass rules.")


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureBlobConfig(Config):
    """An Azure Blob Storage container. Versioning and encryption are on by default."""

    CLOUD: ClassVar[str] = "azure"
    ROLE: ClassVar[str] = "storage"

    versioning: bool = spec(True, doc="Enable blob versioning on the storage account.")
    tier: str = spec(
        "Hot", choices=AZURE_BLOB_TIERS, fold=fold_case,
        doc="Access tier of written blobs (Archive: blob level only).",
    )
    encryption: bool = spec(True, doc="Require infrastructure (double) encryption on the account.")
    replication: str = spec(
        "LRS", choices=AZURE_REPLICATION, fold=fold_case, doc="Storage account replication type.",
    )
    lifecycle_rules: tuple[LifecycleRule, ...] = spec((), doc="Management policy rules.")


# --- serverless -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LambdaConfig(Config):
    """An AWS Lambda function."""

    CLOUD: ClassVar[str] = "aws"
    ROLE: ClassVar[str] = "serverless"

    memory: int = spec(
        1024, minimum=128, maximum=10240, unit="MB", doc="Memory (CPU scales with it).",
    )
    timeout: int = spec(
        300, minimum=1, maximum=900, unit="s", doc="Maximum run time of one invocation.",
    )
    runtime: str = spec(
        "python3.11", choices=LAMBDA_RUNTIMES, doc="Lambda Python runtime identifier.",
    )
    ephemeral_storage: int = spec(512, minimum=512, maximum=10240, unit="MB", doc="Size of /tmp.")
    reserved_concurrency: int | None = spec(
        None, minimum=0, maximum=1000,
        doc="Reserved concurrent executions; None = unreserved. 1000 is the default account quota.",
    )
    architecture: str = spec(
        "x86_64", choices=("x86_64", "arm64"), doc="Instruction set architecture.",
    )
    log_retention_days: int = spec(
        30, choices=LOG_RETENTION_DAYS, unit="days", doc="CloudWatch Logs retention.",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudFunctionConfig(Config):
    """A Google Cloud Run function (2nd gen Cloud Function)."""

    CLOUD: ClassVar[str] = "gcp"
    ROLE: ClassVar[str] = "serverless"

    memory: int = spec(
        512, minimum=128, maximum=32768, unit="MB",
        doc="Memory of one instance (2nd gen: up to 32 GiB).",
    )
    timeout: int = spec(
        300, minimum=1, maximum=3600, unit="s",
        doc="Request timeout; 3600 s for HTTP functions (event-driven: 540 s).",
    )
    runtime: str = spec(
        "python311", choices=CLOUD_FUNCTION_RUNTIMES, doc="Cloud Functions Python runtime id.",
    )
    max_instances: int | None = spec(
        None, minimum=1, maximum=1000,
        doc="Upper bound of instances; None = platform default (100).",
    )
    min_instances: int = spec(0, minimum=0, maximum=1000, doc="Instances kept warm.")


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureFunctionConfig(Config):
    """An Azure Functions app (Python, Linux)."""

    CLOUD: ClassVar[str] = "azure"
    ROLE: ClassVar[str] = "serverless"

    plan: str = spec(
        "Y1", choices=AZURE_FUNCTION_PLANS, fold=fold_case,
        doc="Hosting plan SKU: Y1 = Consumption, EP1-EP3 = Elastic Premium.",
    )
    timeout: int = spec(
        300, minimum=1, unit="s",
        doc="functionTimeout; at most 600 s on the Consumption plan (Y1), unbounded on Elastic Premium.",
    )
    runtime_version: str = spec(
        "3.11", choices=AZURE_FUNCTION_PYTHON, doc="Python version of the Functions host.",
    )

    @classmethod
    def field_rules(cls, values: Mapping[str, object]) -> Iterator[tuple[str, str]]:
        timeout, plan = values.get("timeout"), values.get("plan")
        if plan == "Y1" and isinstance(timeout, int) and timeout > AZURE_CONSUMPTION_TIMEOUT:
            yield "timeout", (f"AzureFunctionConfig.timeout = {timeout} is above the Consumption plan (Y1) "
                              f"maximum of {AZURE_CONSUMPTION_TIMEOUT} s; use an Elastic Premium plan (EP1-EP3)")


# --- virtual machines -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class EC2Config(Config):
    """An Amazon EC2 instance."""

    CLOUD: ClassVar[str] = "aws"
    ROLE: ClassVar[str] = "vm"

    instance_type: str = spec("t3.medium", doc="EC2 instance type.")
    ami: str | None = spec(None, doc="AMI id; None = the latest Amazon Linux 2023 image.")
    volume_size: int = spec(
        20, minimum=8, maximum=16384, unit="GB", doc="Root EBS (gp3) volume size.",
    )
    associate_public_ip: bool = spec(False, doc="Give the instance a public IP address.")
    subnet_id: str | None = spec(None, doc="Subnet to launch in; None = the default VPC.")


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputeEngineConfig(Config):
    """A Google Compute Engine instance."""

    CLOUD: ClassVar[str] = "gcp"
    ROLE: ClassVar[str] = "vm"

    machine_type: str = spec("e2-medium", doc="Compute Engine machine type.")
    image: str = spec("debian-cloud/debian-12", doc="Boot image (project/family).")
    disk_size: int = spec(
        20, minimum=10, maximum=65536, unit="GB", doc="Boot persistent disk size.",
    )
    external_ip: bool = spec(False, doc="Attach an ephemeral external IP address.")
    zone: str | None = spec(None, doc="Zone; None = zone 'a' of the provider region.")


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureVMConfig(Config):
    """An Azure Linux virtual machine."""

    CLOUD: ClassVar[str] = "azure"
    ROLE: ClassVar[str] = "vm"

    size: str = spec("Standard_B2s", doc="VM size.")
    image: str = spec(
        "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest",
        doc="publisher:offer:sku:version.",
    )
    disk_size: int = spec(30, minimum=30, maximum=4095, unit="GB", doc="Managed OS disk size.")
    public_ip: bool = spec(False, doc="Attach a public IP address.")
    admin_username: str = spec("glacier", doc="Admin user (SSH key login only).")


# --- clusters ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DatabricksConfig(Config):
    """A Databricks cluster (existing or job cluster) on any cloud."""

    CLOUD: ClassVar[str] = "any"
    ROLE: ClassVar[str] = "cluster"

    cluster_id: str | None = spec(None, doc="Existing cluster to run on; None = a new job cluster.")
    instance_type: str = spec("i3.xlarge", doc="Node type of a new job cluster.")
    num_workers: int = spec(2, minimum=0, maximum=1000, doc="Worker nodes (0 = single node).")
    spark_version: str = spec(
        "15.4.x-scala2.12", doc="Databricks runtime version key (15.0 or newer: Python 3.11).",
    )
    autotermination_minutes: int = spec(
        30, minimum=10, maximum=10000, unit="min", doc="Idle minutes before termination.",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SparkConfig(Config):
    """A managed Spark cluster: EMR on AWS, Dataproc on GCP, HDInsight on Azure."""

    CLOUD: ClassVar[str] = "any"
    ROLE: ClassVar[str] = "cluster"

    instance_type: str = spec(
        "m5.xlarge", doc="Node instance/machine type (of the provider's cloud).",
    )
    num_workers: int = spec(2, minimum=1, maximum=1000, doc="Core/worker nodes.")
    spark_version: str = spec("3.5", doc="Spark version (major.minor).")
    release_label: str | None = spec(
        None, doc="EMR release label, e.g. 'emr-7.2.0'; None = derived from spark_version.",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DataprocConfig(Config):
    """A Google Cloud Dataproc cluster."""

    CLOUD: ClassVar[str] = "gcp"
    ROLE: ClassVar[str] = "cluster"

    machine_type: str = spec("n2-standard-4", doc="Machine type of master and workers.")
    num_workers: int = spec(
        2, minimum=0, maximum=1000,
        doc="Primary workers (0 = single-node cluster, else at least 2).",
    )
    image_version: str = spec("2.2-debian12", doc="Dataproc image version.")

    @classmethod
    def field_rules(cls, values: Mapping[str, object]) -> Iterator[tuple[str, str]]:
        if values.get("num_workers") == 1:
            yield "num_workers", ("DataprocConfig.num_workers = 1: a Dataproc cluster has 0 primary workers "
                                  "(single node) or at least 2")


CATALOGUE.update(
    (cls.__name__, cls)
    for cls in (
        AwsConfig, GcpConfig, AzureConfig, LocalConfig,
        S3Config, GCSConfig, AzureBlobConfig, LifecycleRule,
        LambdaConfig, CloudFunctionConfig, AzureFunctionConfig,
        EC2Config, ComputeEngineConfig, AzureVMConfig,
        DatabricksConfig, SparkConfig, DataprocConfig,
    )
)  # fmt: skip
