"""Entry modules of cloud packages are laid out in Python from the fixed modules of glacierc/entrypoints/:
the generated part holds only escaped literals and checked names, the fixed part is copied verbatim."""

from __future__ import annotations

import ast

import pytest

from glacierc.backends.terraform.entry_module import entry_function, entry_module, fixed, laid_out, nested_table, read_fixed
from glacierc.backends.terraform.aws_package import handler_source
from glacierc.backends.terraform.packaging import PipelineEntry, TaskEntry


def test_the_fixed_part_is_copied_verbatim_after_the_generated_tables():
    tasks = (TaskEntry("load", "entry_load", (PipelineEntry("p", "glacier_runners/p.py", ("load",)),)),)
    text = handler_source("lambda_exec", "us-east-1", tasks, {"load": {"p": {"load": ("load", "clean")}}})
    tree = ast.parse(text)
    assigned = [t.id for s in tree.body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)]
    assert assigned[:2] == ["TASKS", "GROUPS"]
    namespace: dict = {}
    exec(compile(ast.Module([s for s in tree.body if isinstance(s, ast.Assign)][:2], []), "handler", "exec"),
         namespace)
    assert namespace["TASKS"] == {"load": {"p": ("glacier_runners/p.py", ("load",))}}
    assert namespace["GROUPS"] == {"load": {"p": {"load": ("load", "clean")}}}
    assert fixed("aws_lambda").body in text and text.endswith(fixed("serverless").body)  # then the shared code
    assert "TYPE_CHECKING" not in text and "def entry_load(event, context):" in text


def test_hostile_names_stay_literals_and_comments():
    hostile = 'x"); import os; os.system("id'
    text = entry_module("aws_lambda", f"executor {hostile}\n(eu)", {"TASKS": nested_table({hostile: {}}),
                                                                    "GROUPS": nested_table({})}, [])
    tree = ast.parse(text)
    assert not [s for s in tree.body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)]
    assert "\n(eu)" not in text  # the comment stays on one line


def test_an_entry_name_that_is_not_an_identifier_is_refused():
    with pytest.raises(ValueError):
        entry_function("not-a-name", "event, context", "run", "t")


@pytest.mark.parametrize("module", ["aws_lambda", "aws_job", "aws_databricks", "gcp_function", "gcp_job", "azure_functions"])
def test_every_table_an_entry_module_uses_is_declared_with_its_comment(module):
    layout = fixed(module)
    assert layout.comments and all(c.startswith("#: ") for c in layout.comments.values())
    assert "TYPE_CHECKING" not in layout.body and "TYPE_CHECKING" not in layout.imports


SERVERLESS = ("aws_lambda", "gcp_function", "azure_functions")


def _generated(module: str) -> str:
    """The entry module laid out with every table it declares empty."""
    return entry_module(module, "executor e (here)", {name: "{}" for name in fixed(module).comments})


@pytest.mark.parametrize("module", SERVERLESS)
def test_each_serverless_entry_module_carries_the_shared_code_once(module):
    assert fixed(module).shared == ("serverless",)
    text = _generated(module)
    shared = fixed("serverless")
    assert text.count(shared.body) == 1 and text.count(fixed(module).body) == 1
    assert text.index(fixed(module).body) < text.index(shared.body)
    tree = ast.parse(text)
    defined = [s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    assert {"run", "run_task", "_checked", "_load"} <= set(defined) and len(defined) == len(set(defined))
    imports = [ast.unparse(s) for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    assert {"import functools", "import threading"} <= set(imports) and len(imports) == len(set(imports))
    assert "TYPE_CHECKING" not in text and "glacierc.entrypoints" not in "\n".join(imports)


def test_a_name_bound_by_the_module_and_the_code_it_shares_is_refused(tmp_path):
    path = tmp_path / "clash.py"
    path.write_text('"""A fixed module."""\n\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n'
                    "    from glacierc.entrypoints.serverless import run_task\n\n\n"
                    "def _checked(event, keys):\n    return event\n", encoding="utf-8")
    with pytest.raises(ValueError, match="names bound twice: _checked"):
        laid_out(read_fixed(path))
