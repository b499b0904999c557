"""The artifacts bucket of an AWS root module: what the build uploads besides the Lambda zips — the job
packages of EMR and Batch executors (aws_jobs.py) and the Lambda layers of the functions' requirements
(aws_layers.py). One bucket whoever needs it (its own KMS key, private); every object in it is written once
under a key derived from its content, so versioning is off."""

from __future__ import annotations

from glacierc.backends.terraform.aws_storage import Bucket, _bucket_skips
from glacierc.backends.terraform.blocks import Expr, Template
from glacierc.backends.terraform.common import Skip

ARTIFACTS = "glacier_artifacts"


def artifacts_bucket() -> Bucket:
    skips = (*_bucket_skips(True, "aws:kms"),
             Skip("CKV_AWS_21", "job packages and layers are written once under a name derived from their content"))
    return Bucket(name="", label=ARTIFACTS, comment="source: generated, the job packages and Lambda layers of this "
                  "module", versioning=False, sse_algorithm="aws:kms", kms_key=Expr(f"aws_kms_key.{ARTIFACTS}.arn"),
                  generated_key=True, configured_key=None, rules=(), skips=tuple(sorted(skips, key=lambda s: s.check)),
                  bucket_prefix=Template(Expr("var.name_prefix"), "-artifacts-"))
