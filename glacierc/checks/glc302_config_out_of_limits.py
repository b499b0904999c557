"""GLC302 config-out-of-limits: config value outside the target's limits.

Judged by `glacierc/checks/config.py` (`config_problems`) on every config object the frontend lowers
(`glacierc/frontend/declarations.py`); also reported by `glacierc/backends/terraform/aws_storage.py`,
`glacierc/backends/terraform/azure_storage.py`, `glacierc/backends/terraform/gcp_compute.py`,
`glacierc/backends/terraform/gcp_storage.py`, `glacierc/frontend/tasks.py`; this module holds its code,
documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC302"
NAME = "config-out-of-limits"
SEVERITY = Severity.ERROR
TITLE = "config value outside the target's limits"
WHAT = ("Reports a config value outside what the target service allows (e.g. Lambda memory 128-10240 MB, "
        "timeout 1-900 s), or not one of the allowed choices.")
WHY = "The deployment would fail, late; the limits are known at compile time."

#: Its messages (templates: the reporting site fills in the fields).
TASK_OPTION_LIMIT = Message(CODE, SEVERITY, "{problem}",
    "`{name}`: {doc}")
#: Lifecycle rules of storage that the bucket's cloud cannot take (terraform/aws_storage.py, gcp_storage.py,
#: azure_storage.py).
RULE_WITHOUT_CLASS = Message(CODE, SEVERITY, "storage `{storage}`: a lifecycle rule with transition_days needs a "
                             "storage_class")
EXPIRE_AFTER_TRANSITION = Message(CODE, SEVERITY, "storage `{storage}`: a lifecycle rule must expire objects after "
                                  "it transitions them")
NOT_AN_S3_CLASS = Message(CODE, SEVERITY, "storage `{storage}`: `{storage_class}` is not an S3 storage class; use one "
                          "of {choices}")
S3_THIRTY_DAYS = Message(CODE, SEVERITY, "storage `{storage}`: S3 moves objects to {storage_class} after 30 days at "
                         "the earliest")
NOT_A_GCS_CLASS = Message(CODE, SEVERITY, "storage `{storage}`: `{storage_class}` is not a Cloud Storage class; use "
                          "one of {choices}")
GCS_COLDER_CLASS = Message(CODE, SEVERITY, "storage `{storage}`: Cloud Storage lifecycle rules only move objects to "
                           "a colder class than STANDARD")
NOT_A_BLOB_TIER = Message(CODE, SEVERITY, "storage `{storage}`: `{storage_class}` is not an Azure blob tier; use one "
                          "of Cool, Cold, Archive")
BLOB_COOLER_TIER = Message(CODE, SEVERITY, "storage `{storage}`: lifecycle rules move blobs to a cooler tier than Hot "
                           "(Cool, Cold, Archive)")
DELETE_AFTER_TIER = Message(CODE, SEVERITY, "storage `{storage}`: a lifecycle rule must delete blobs after it moves "
                            "them to another tier")
#: Encryption keys written in a form the cloud does not take (terraform/aws_storage.py, gcp_storage.py).
KMS_KEY_ID = Message(CODE, SEVERITY, "storage `{storage}`: kms_key_id {key!r} is not a KMS key id, key ARN, alias name "
                     "(alias/...) or alias ARN")
KMS_KEY_NAME = Message(CODE, SEVERITY, "storage `{storage}`: kms_key_name {key!r} is not a Cloud KMS key name "
                       "(projects/P/locations/L/keyRings/R/cryptoKeys/K)")
#: A Dataproc cluster's workers (terraform/gcp_compute.py).
DATAPROC_WORKERS = Message(CODE, SEVERITY, "executor `{executor}`: a Dataproc cluster has 0 (single node) or at least "
                           "2 workers", "set num_workers=0 or num_workers>=2")

INVALID = (
    invalid(HEAD + """\
fn = provider.serverless(config=LambdaConfig(timeout=1200))
""",
          (9, 54, 9, 58, "LambdaConfig.timeout = 1200 is outside 1..900 s")),
)
VALID = (
    valid(HEAD + """\
fn = provider.serverless(config=LambdaConfig(timeout=900))
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
