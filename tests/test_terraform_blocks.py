"""The HCL block model and its printer: output is what `terraform fmt` makes of it, user text never
becomes syntax, and the AWS target's security settings, names and pins are computed in Python."""

from __future__ import annotations

import os
import subprocess
import tempfile

import hcl2
import pytest
from hcl2 import SerializationOptions
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from terraform_tools import terraform_missing

from glacierc.backends.terraform.aws import AwsTarget
from glacierc.backends.terraform.azure import AzureTarget
from glacierc.backends.terraform.databricks import DatabricksTarget
from glacierc.backends.terraform.gcp import GcpTarget
from glacierc.backends.terraform.aws_compute_blocks import METADATA_OPTIONS, TRACING_MODE
from glacierc.backends.terraform.aws_keys import DELETION_WINDOW_DAYS, ROTATION
from glacierc.backends.terraform.aws_storage import PUBLIC_ACCESS_BLOCK
from glacierc.backends.terraform.blocks import (
    BLANK,
    Block,
    Call,
    Comment,
    Expr,
    Template,
    block,
    print_blocks,
)
from glacierc.backends.terraform.target import Output, Target

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)

CORPUS: dict[str, list[Block]] = {
    "empty blocks": [block("data", "aws_caller_identity", "current"), block("terraform", body=[block("x")])],
    "alignment": [block("resource", "a", "b", body=[
        ("a", 1), ("long_name", "x"), ("policy", Call("jsonencode", {"k": 1, "longer": [1, 2]})), ("z", True),
    ])],
    "blank rules": [block("r", body=[
        Comment("first"), ("a", 1), BLANK, BLANK, ("b", 2), block("inner", body=[("c", 3)]), ("d", 4),
        block("e"), block("f", body=[BLANK, ("g", None), BLANK]),
    ])],
    "lists": [block("r", body=[
        ("short", ["a", "b"]), ("empty", []), ("long", ["x" * 30, "y" * 30, "z" * 30]),
        ("objects", [{"a": 1}, {"bb": [Expr("var.x"), Template("p-", Expr("var.y"), "/*")]}]),
    ])],
    "objects and calls": [block("r", comments=["above", "two lines\nin one"], body=[
        ("tags", Call("merge", Expr("var.tags"), {"managed_by": "glacier", "a-b": "c", "with space": "d"})),
        ("nested", {"a": {"b": {}}}), ("call", Call("can", Call("regex", "^[a-z]{0,3}$", Expr("var.p")))),
        ("number", 1.5), ("empty_call", Call("timestamp")),
    ])],
}


def _fmt(text: str) -> str:
    with tempfile.TemporaryDirectory() as home:
        result = subprocess.run(["terraform", "fmt", "-no-color", "-"], input=text, capture_output=True, text=True,
                                env={**os.environ, "HOME": home, "CHECKPOINT_DISABLE": "1"}, check=True)
    return result.stdout


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_printer_output_is_terraform_fmt_canonical(name: str) -> None:
    if reason := terraform_missing():
        pytest.skip(reason)
    text = print_blocks(CORPUS[name])
    assert hcl2.loads(text) is not None
    assert _fmt(text) == text


def test_printer_layout_is_exactly_this() -> None:
    text = print_blocks(CORPUS["blank rules"])
    assert text == (
        'r {\n  # first\n  a = 1\n\n  b = 2\n\n  inner {\n    c = 3\n  }\n\n  d = 4\n\n  e {}\n\n'
        '  f {\n    g = null\n  }\n}\n'
    )
    assert print_blocks([]) == ""


def test_labels_and_types_must_be_generated_identifiers() -> None:
    with pytest.raises(ValueError):
        print_blocks([block("resource", "aws_s3_bucket", 'x" {')])
    with pytest.raises(ValueError):
        print_blocks([block("resource ${x}")])


HOSTILE = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from([
    '"', "\\", "${var.x}", "%{ if true }", "$${", "\n}\nresource \"x\" \"y\" {", "\u2028", "\u202e", "\x00", "#",
])


@settings(max_examples=200, deadline=None)
@given(value=HOSTILE, comment=HOSTILE)
def test_hostile_strings_stay_one_string(value: str, comment: str) -> None:
    """Whatever the text, the file has exactly the blocks and attributes built. (`%%{` and `$${`, the escaped
    forms, are valid HCL that python-hcl2 8 cannot always lex: see the test below, which asks terraform.)"""
    assume("%{" not in value and "${" not in value)
    text = print_blocks([block("resource", "x", "y", comments=[comment], body=[
        Comment(comment), ("value", value), ("listed", [value]), ("keyed", {value or "k": value}),
        ("templated", Template(Expr("var.p"), value)),
    ])])
    parsed = hcl2.loads(text, serialization_options=PLAIN)
    assert len(parsed["resource"]) == 1
    body = {k: v for k, v in parsed["resource"][0]["x"]["y"].items() if not k.startswith("__")}
    assert sorted(body) == ["keyed", "listed", "templated", "value"]
    assert text.splitlines()[0].startswith("# ") and text.splitlines()[2].startswith("  # ")


def test_directives_and_interpolations_are_escaped_for_terraform() -> None:
    hostile = '%{ if true }x%{ endif }${var.secret}"\n}'
    text = print_blocks([block("r", body=[("a", hostile), ("b", Template(Expr("var.p"), hostile))])])
    assert text == ('r {\n  a = "%%{ if true }x%%{ endif }$${var.secret}\\"\\n}"\n'
                    '  b = "${var.p}%%{ if true }x%%{ endif }$${var.secret}\\"\\n}"\n}\n')
    if reason := terraform_missing():
        pytest.skip(reason)
    assert _fmt(text) == text


# --- the target model ------------------------------------------------------------------------------------


PINS = {
    AwsTarget: ("aws", "hashicorp/aws", ">= 5.70, < 7.0"),
    GcpTarget: ("google", "hashicorp/google", ">= 5.0, < 7.0"),
    AzureTarget: ("azurerm", "hashicorp/azurerm", ">= 4.9, < 5.0"),
    DatabricksTarget: ("databricks", "databricks/databricks", "~> 1.0"),
}


@pytest.mark.parametrize("target", list(PINS), ids=lambda t: t.__name__)
def test_versions_pin_each_targets_provider(target: type[Target]) -> None:
    text = print_blocks([target.versions()])
    parsed = hcl2.loads(text, serialization_options=PLAIN)["terraform"][0]
    assert parsed["required_version"] == ">= 1.5"
    name, source, version = PINS[target]
    assert parsed["required_providers"][0][name] == {"source": source, "version": version}
    assert text.startswith("# Generated by glacierc")


@pytest.mark.parametrize("target", list(PINS), ids=lambda t: t.__name__)
def test_every_target_validates_name_prefix_the_same_way(target: type[Target]) -> None:
    text = print_blocks([target.name_prefix_variable()])
    assert text == print_blocks([Target.name_prefix_variable()])
    assert 'condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.name_prefix))' in text


def test_names_fit_the_longest_prefix_and_are_templates() -> None:
    name = Target.name("a" * 100, 64)
    assert name.parts[0] == Expr("var.name_prefix")
    assert 20 + len(name.parts[1]) <= 64
    assert print_blocks([block("r", body=[("n", Target.name("etl", 64))])]) == 'r {\n  n = "${var.name_prefix}-etl"\n}\n'


SERVERLESS = {AwsTarget: ("lambda", "CloudFunctionConfig"), GcpTarget: ("function", "LambdaConfig"),
              AzureTarget: ("function", "CloudFunctionConfig")}


@pytest.mark.parametrize("target", list(SERVERLESS), ids=lambda t: t.__name__)
def test_services_extend_the_base_and_refuse_the_rest(target: type[Target]) -> None:
    service, foreign = SERVERLESS[target]
    assert target.SERVICES[("local", None)] == "local"
    assert target.SERVICES[("serverless", None)] == service
    assert ("serverless", foreign) not in target.SERVICES


def test_outputs_without_values_are_left_out() -> None:
    blocks = Target.outputs([Output("a", "none", ()), Output("b", "one", (("x-y", "aws_s3_bucket.x.arn"),))])
    assert print_blocks(blocks) == (
        'output "b" {\n  description = "one"\n  value = {\n    x-y = aws_s3_bucket.x.arn\n  }\n}\n')


def test_security_settings_are_fixed_in_python() -> None:
    assert ROTATION is True and DELETION_WINDOW_DAYS == 30
    assert dict(METADATA_OPTIONS)["http_tokens"] == "required"
    assert TRACING_MODE == "Active"
    assert len(PUBLIC_ACCESS_BLOCK) == 4
