"""Documented service values that config fields accept as `choices` (see glacier.config)."""

from __future__ import annotations

#: Commercial, China and GovCloud regions (botocore endpoints data, 2026).
AWS_REGIONS = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1",
    "ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
    "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
    "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
)  # fmt: skip
#: S3 storage classes for objects and lifecycle transitions (no Outposts / Snow / Express).
S3_STORAGE_CLASSES = (
    "STANDARD", "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "GLACIER",
    "DEEP_ARCHIVE",
)  # fmt: skip
#: x-amz-server-side-encryption values.
S3_ENCRYPTION = ("AES256", "aws:kms", "aws:kms:dsse")
GCS_STORAGE_CLASSES = ("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE")
#: Blob access tiers (Archive can be set per blob, not as an account default).
AZURE_BLOB_TIERS = ("Hot", "Cool", "Cold", "Archive")
#: Storage account replication (SKU redundancy) types.
AZURE_REPLICATION = ("LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS")
#: Values accepted by CloudWatch Logs PutRetentionPolicy.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip
#: Supported Python runtimes of each serverless platform.
LAMBDA_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")
CLOUD_FUNCTION_RUNTIMES = ("python39", "python310", "python311", "python312", "python313")
#: Consumption (Y1) and Elastic Premium (EP1-EP3) plan SKUs.
AZURE_FUNCTION_PLANS = ("Y1", "EP1", "EP2", "EP3")
AZURE_FUNCTION_PYTHON = ("3.9", "3.10", "3.11", "3.12")
#: Transition targets of a lifecycle rule, over all clouds.
LIFECYCLE_STORAGE_CLASSES = tuple(
    dict.fromkeys(S3_STORAGE_CLASSES + GCS_STORAGE_CLASSES + AZURE_BLOB_TIERS)
)
#: Google Cloud regions (Compute Engine region names, 2026).
GCP_REGIONS = (
    "africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2",
    "asia-northeast3", "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2",
    "australia-southeast1", "australia-southeast2", "europe-central2", "europe-north1",
    "europe-north2", "europe-southwest1", "europe-west1", "europe-west10", "europe-west12",
    "europe-west2", "europe-west3", "europe-west4", "europe-west6", "europe-west8", "europe-west9",
    "me-central1", "me-central2", "me-west1", "northamerica-northeast1", "northamerica-northeast2",
    "northamerica-south1", "southamerica-east1", "southamerica-west1", "us-central1", "us-east1",
    "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
)  # fmt: skip
#: Azure locations as the Resource Manager names them (display names such as "West Europe" are
#: accepted too: compared without case and spaces).
AZURE_LOCATIONS = (
    "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast",
    "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia",
    "centralus", "chilecentral", "eastasia", "eastus", "eastus2", "francecentral", "francesouth",
    "germanynorth", "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth",
    "japaneast", "japanwest", "jioindiacentral", "jioindiawest", "koreacentral", "koreasouth",
    "malaysiawest", "mexicocentral", "newzealandnorth", "northcentralus", "northeurope",
    "norwayeast", "norwaywest", "polandcentral", "qatarcentral", "southafricanorth",
    "southafricawest", "southcentralus", "southeastasia", "southindia", "spaincentral",
    "swedencentral", "swedensouth", "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth",
    "uksouth", "ukwest", "westcentralus", "westeurope", "westindia", "westus", "westus2", "westus3",
)  # fmt: skip
#: Longest functionTimeout of the Consumption plan (Y1); Elastic Premium has no fixed maximum.
AZURE_CONSUMPTION_TIMEOUT = 600
