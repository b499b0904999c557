"""The cloud-independent Terraform helpers: names, tags and source comments (the HCL layout
is tested with the block printer in test_terraform_blocks.py)."""

from __future__ import annotations

from glacierc.backends.escaping import py_literal
from glacierc.backends.terraform.blocks import Expr, Template, string
from glacierc.backends.terraform.common import (
    NAME_PREFIX_MAX,
    cloud_name,
    default_tags,
    label,
    source_text,
    unique_labels,
)
from glacierc.backends.terraform.target import Target
from glacierc.source import Span


def test_labels_are_terraform_identifiers() -> None:
    assert label("acme-raw.logs") == "acme_raw_logs"
    assert label("2024-data") == "_2024_data"
    assert label("module.exec") == "module_exec"
    assert label("--") == "unnamed"


def test_unique_labels_are_deterministic_and_avoid_reserved() -> None:
    assert unique_labels(["a-b", "a_b", "a.b"]) == {"a-b": "a_b", "a.b": "a_b_2", "a_b": "a_b_3"}
    assert unique_labels(["logs"], reserved={"logs"}) == {"logs": "logs_2"}
    assert unique_labels(["Load", "load"]) == {"Load": "Load", "load": "load_2"}


def test_cloud_names_fit_with_the_longest_prefix() -> None:
    assert cloud_name("My_Task.v2", 64) == "my-task-v2"
    long = cloud_name("x" * 100, 43)
    assert len(long) == 43 and long != cloud_name("x" * 99 + "y", 43)
    assert Target.name("clean", 64) == Template(Expr("var.name_prefix"), "-clean")
    assert len(Target.name("t" * 200, 64).parts[1]) + NAME_PREFIX_MAX <= 64


def test_default_tags_sort_and_sanitise_pipelines() -> None:
    assert default_tags(["b", "a,x", "b"]) == {"glacier_pipeline": "a_x b", "managed_by": "glacier"}
    assert len(default_tags(["p" * 300])["glacier_pipeline"]) == 256


def test_source_comment_lists_every_origin_in_order() -> None:
    spans = [(Span("b.py", 3, 1, 3, 2), "storage y"), (Span("a.py", 9, 1, 9, 2), "storage x")]
    assert source_text(spans) == "source: a.py:9 (storage x), b.py:3 (storage y)"


def test_hcl_strings_never_interpolate_user_text() -> None:
    assert string('a "${b}" %{c}\\') == '"a \\"$${b}\\" %%{c}\\\\"'


def test_py_literal_is_valid_python() -> None:
    value = ("a\"b", None, ("x",), "é\n")
    assert eval(py_literal(value)) == value

