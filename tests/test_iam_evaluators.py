"""The IAM evaluators of tests/ (iam_eval_aws.py, iam_eval_gcp.py, iam_terraform.py) against the documented
semantics they implement, and their refusal of anything outside the emitted languages."""

from __future__ import annotations

import iam_eval_aws as aws
import iam_eval_gcp as gcp
import pytest
from iam_terraform import Module

# --- AWS ----------------------------------------------------------------------------------------------

READ = aws.Statement("Allow", ("s3:GetObject",), ("arn:aws:s3:::b/*/clean.*", "arn:aws:s3:::b/day/?.csv"))


@pytest.mark.parametrize(("key", "allowed"), [
    ("e/clean.parquet", True),
    ("e/f/g/clean.parquet", True),  # `*` matches `/` too
    ("e/clean", False),
    ("e/xclean.parquet", False),
    ("day/1.csv", True),
    ("day/10.csv", False),  # `?` is one character
    ("day//.csv", True),
    ("E/Clean.parquet", False),  # resources are case-sensitive
])
def test_resource_wildcards_match_over_the_whole_arn(key, allowed):
    assert aws.allowed([READ], aws.Request("s3:GetObject", aws.s3_object("b", key))) is allowed


def test_actions_match_case_insensitively_with_wildcards():
    statement = aws.Statement("Allow", ("s3:Get*",), ("*",))
    assert aws.allowed([statement], aws.Request("S3:GETOBJECT", "arn:aws:s3:::b/k"))
    assert not aws.allowed([statement], aws.Request("s3:PutObject", "arn:aws:s3:::b/k"))


def test_an_explicit_deny_wins_and_nothing_allowed_is_denied():
    allow = aws.Statement("Allow", ("s3:*",), ("*",))
    deny = aws.Statement("Deny", ("s3:*",), ("*",), {"*": ("*",)}, (("Bool", "aws:SecureTransport", ("false",)),))
    request = aws.Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "false"})
    assert aws.decide([allow, deny], request) == "Deny"
    assert aws.decide([allow, deny], aws.Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
                      ) == "Allow"
    assert aws.decide([deny], aws.Request("s3:GetObject", "arn:aws:s3:::b/k")) == "ImplicitDeny"


def test_string_like_values_are_alternatives_and_an_absent_key_fails_the_condition():
    listing = aws.Statement("Allow", ("s3:ListBucket",), ("arn:aws:s3:::b",),
                            conditions=(("StringLike", "s3:prefix", ("events/2026/*", "top.csv")),))
    ask = lambda prefix: aws.Request("s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": prefix})  # noqa: E731
    assert aws.allowed([listing], ask("events/2026/")) and aws.allowed([listing], ask("top.csv"))
    assert not aws.allowed([listing], ask("events/2026")) and not aws.allowed([listing], ask("events/20260/"))
    assert not aws.allowed([listing], aws.Request("s3:ListBucket", "arn:aws:s3:::b"))


def test_string_equals_is_exact():
    statement = aws.Statement("Allow", ("s3:ListBucket",), ("*",), conditions=(("StringEquals", "s3:prefix", ("a*",)),))
    assert aws.allowed([statement], aws.Request("s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "a*"}))
    assert not aws.allowed([statement], aws.Request("s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "ab"}))


def test_a_resource_policy_applies_to_the_principals_it_names():
    statement = aws.Statement("Allow", ("s3:GetObject",), ("*",), {"AWS": ("arn:aws:iam::1:role/r",)})
    assert aws.allowed([statement], aws.Request("s3:GetObject", "arn:aws:s3:::b/k",
                                                principal=("AWS", "arn:aws:iam::1:role/r")))
    assert not aws.allowed([statement], aws.Request("s3:GetObject", "arn:aws:s3:::b/k",
                                                    principal=("AWS", "arn:aws:iam::1:role/other")))


@pytest.mark.parametrize("document", [
    {"Effect": "Allow", "NotAction": ["s3:GetObject"], "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "1"}}},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLikeIfExists": {"k": "v"}}},
    {"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "arn:aws:iam::1:root"},
])
def test_the_aws_evaluator_refuses_what_the_generator_does_not_write(document):
    with pytest.raises(aws.Unsupported):
        aws.statement_from_json(document)


def test_a_json_statement_reads_as_its_hcl_twin():
    statement = aws.statement_from_json({"Sid": "L", "Effect": "Allow", "Action": "s3:ListBucket",
                                         "Resource": "arn:aws:s3:::b", "Principal": "*",
                                         "Condition": {"StringLike": {"s3:prefix": ["p/*"]}}})
    assert statement == aws.Statement("Allow", ("s3:ListBucket",), ("arn:aws:s3:::b",), {"*": ("*",)},
                                      (("StringLike", "s3:prefix", ("p/*",)),), "L")


# --- GCP ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "template", "value"), [
    ("a/b/c", "a/{x}/c", "b"),
    ("a/b/x/c", "a/{x}/c", "b/x"),  # the variable stands for any text, `/` included
    ("z/a/b/c/d/c", "a/{x}/c", "b"),  # from the first occurrence of the text before, to the first after
    ("a/b", "a/{x}/c", ""),
    ("b/c", "a/{x}/c", ""),
    ("projects/p/secrets/s/versions/1", "/secrets/{name}", "s/versions/1"),
    ("projects/_/buckets/b/objects/e1/clean.parquet", "/objects/{execution}/clean.", "e1"),
    ("projects/_/buckets/b/objects/clean.parquet", "/objects/{execution}/clean.", ""),
])
def test_extract_returns_what_the_variable_of_its_template_stands_for(name, template, value):
    assert gcp.extract(name, template) == value
    assert gcp.evaluate(f"resource.name.extract({gcp_literal(template)}) == {gcp_literal(value)}",
                        gcp.Request(name, gcp.OBJECT_TYPE))


def gcp_literal(value: str) -> str:
    import json
    return json.dumps(value, ensure_ascii=False)


def test_and_binds_tighter_than_or_and_parentheses_group():
    request = gcp.Request("n", gcp.OBJECT_TYPE)
    assert gcp.evaluate('"a" == "a" || "a" == "b" && "a" == "c"', request)
    assert not gcp.evaluate('("a" == "a" || "a" == "b") && "a" == "c"', request)
    assert gcp.evaluate('resource.type != "storage.googleapis.com/Bucket"', request)


def test_get_attribute_gives_the_request_attribute_or_the_default():
    listing = gcp.list_request("b", "events/")
    text = 'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("events/")'
    assert gcp.evaluate(text, listing)
    assert not gcp.evaluate(text, gcp.object_request("b", "events/x"))
    assert gcp.evaluate('api.getAttribute("other", "d") == "d"', listing)


def test_cel_string_escapes_read_as_their_characters():
    request = gcp.Request('a"b\\c\u00e9\U0001F600\n', gcp.OBJECT_TYPE)
    assert gcp.evaluate(r'resource.name == "a\"b\\c\u00e9\U0001F600\n"', request)
    assert gcp.evaluate('resource.name.endsWith("\U0001F600\\n")', request)


@pytest.mark.parametrize("expression", [
    "resource.name.matches(\"a.*\")",
    "!(resource.name == \"a\")",
    "resource.service == \"storage.googleapis.com\"",
    "resource.name == 'a'",
    r'resource.name == "a\/b"',
    r'resource.name == "\ud800"',
    'resource.name.startsWith(resource.type)',
    'resource.name.extract("a/{x}/{y}") == ""',
    'resource.name',
    'resource.name == "a" &&',
    'request.time < timestamp("2030-01-01T00:00:00Z")',
    '"a" in ["a"]',
])
def test_the_gcp_evaluator_refuses_what_the_generator_does_not_write(expression):
    with pytest.raises(gcp.Unsupported):
        gcp.evaluate(expression, gcp.Request("a", gcp.OBJECT_TYPE))


def test_a_binding_grants_its_role_on_its_bucket_when_its_condition_holds():
    bindings = [gcp.Binding("sa", "roles/storage.objectViewer", "b", 'resource.name.endsWith(".csv")'),
                gcp.Binding("sa", "roles/logging.logWriter", None)]
    assert gcp.allowed(bindings, "sa", "storage.objects.get", gcp.object_request("b", "x.csv"))
    assert not gcp.allowed(bindings, "sa", "storage.objects.get", gcp.object_request("b", "x.json"))
    assert not gcp.allowed(bindings, "sa", "storage.objects.create", gcp.object_request("b", "x.csv"))
    assert not gcp.allowed(bindings, "sa", "storage.objects.get", gcp.object_request("c", "x.csv"))
    assert not gcp.allowed(bindings, "other", "storage.objects.get", gcp.object_request("b", "x.csv"))
    with pytest.raises(gcp.Unsupported):
        gcp.allowed([gcp.Binding("sa", "roles/storage.admin", "b")], "sa", "storage.objects.get",
                    gcp.object_request("b", "k"))


# --- reading HCL back ---------------------------------------------------------------------------------


def test_hcl_strings_read_as_terraform_reads_them():
    module = Module.read(['resource "aws_s3_bucket" "raw" {\n  bucket = "raw-data"\n}\n'
                          'resource "x" "y" {\n'
                          '  a = "q\\"\\\\ $${lit} %%{lit} \\u00e9 ${aws_s3_bucket.raw.arn}/k"\n'
                          '  b = aws_s3_bucket.raw.bucket\n'
                          '}\n'])
    body = module.resources[("x", "y")]
    assert module.decode(body["a"]) == 'q"\\ ${lit} %{lit} é arn:aws:s3:::raw-data/k'
    assert module.decode(body["b"]) == "raw-data"
    with pytest.raises(aws.Unsupported):
        module.decode('"%{ if true }x%{ endif }"')
