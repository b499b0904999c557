"""The typed IR: configs read as the catalogue's own dataclasses (glacierc/ir/configs.py); clouds and the kinds of
executors, parameters, inputs and edges are enums (glacierc/ir/nodes.py) that ir.json writes as plain strings."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions

from glacier import config as catalogue
from glacierc.driver import compile_project
from glacierc.ir import nodes as ir
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Config
from glacierc.ir.read import IrFormatError, read
from glacierc.ir.serialize import to_json
from tests.helpers import EXAMPLES, FIXTURES, glacierc

INPUTS = sorted({*(p.parent for p in FIXTURES.glob("terraform_*/*/pipeline.py")),
                 *(p.parent for p in EXAMPLES.glob("*/pipeline.py"))})


def _configs(path: Path) -> list[Config]:
    project = compile_project([path]).project
    found = [p.config for p in project.providers]
    found += [c.config for c in (*project.storage, *project.executors) if c.config is not None]
    return [c for c in found if c.type in catalogue.CATALOGUE]


def _as_written(value: object) -> object:
    """An IR value as the user's code passes it to the library (nested configs as dicts of their fields)."""
    if isinstance(value, Config):
        return {key: _as_written(v) for key, v in value.fields}
    if isinstance(value, tuple):
        return tuple(_as_written(v) for v in value)
    return value


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_typed_view_is_what_the_library_builds_from_the_same_code(path: Path) -> None:
    """What the compiler reads without running the code equals what running it constructs (the library's
    validating constructor), for every config of the terraform fixtures and examples the library accepts."""
    compared = 0
    for config in _configs(path):
        cls = catalogue.CATALOGUE[config.type]
        try:
            built = cls(**{key: _as_written(value) for key, value in config.fields})
        except ValueError:  # a fixture of a value the target refuses (GLC401/GLC302 tests)
            continue
        assert typed_config(config, cls) == built
        compared += 1
    assert compared or not _configs(path)


def test_defaults_fill_what_is_not_written_and_another_class_gives_only_defaults() -> None:
    values = typed_config(Config("LambdaConfig", (("memory", 2048),)), catalogue.LambdaConfig)
    assert isinstance(values, catalogue.LambdaConfig)
    assert (values.memory, values.timeout, values.runtime, values.reserved_concurrency) == (2048, 300, "python3.11",
                                                                                          None)
    assert typed_config(Config("CloudFunctionConfig", (("memory", 1),)), catalogue.LambdaConfig).memory == 1024
    assert typed_config(None, catalogue.EC2Config) == catalogue.EC2Config()


def test_nested_rules_written_as_dicts_or_as_their_class_become_the_class() -> None:
    rules = (Config("dict", (("expire_days", 3), ("prefix", "tmp/"))),
             Config("LifecycleRule", (("storage_class", "GLACIER"), ("transition_days", 40))))
    values = typed_config(Config("S3Config", (("lifecycle_rules", rules),)), catalogue.S3Config)
    assert values.lifecycle_rules == (catalogue.LifecycleRule(prefix="tmp/", expire_days=3),
                                      catalogue.LifecycleRule(storage_class="GLACIER", transition_days=40))


def test_every_field_holds_its_declared_type_even_when_the_value_did_not_fit() -> None:
    """Only reachable with the rule that reports it switched off: a misfit reads as the default, a required
    field left out as the empty value, so no backend sees a value of another type."""
    written = Config("LambdaConfig", (("memory", "big"), ("timeout", True), ("reserved_concurrency", 5)))
    values = typed_config(written, catalogue.LambdaConfig)
    assert (values.memory, values.timeout, values.reserved_concurrency) == (1024, 300, 5)
    assert typed_config(Config("S3Config", (("lifecycle_rules", ("x",)),)), catalogue.S3Config).lifecycle_rules == ()
    assert typed_config(None, catalogue.GcpConfig) == dataclasses.replace(catalogue.GcpConfig(project_id="p"),
                                                                          project_id="")


AWS_SOURCE = """
from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig

provider = Provider(config=AwsConfig(region="eu-west-1"))
fn = provider.serverless(config=LambdaConfig(memory="big", timeout=60))
raw = provider.bucket(bucket="typed-raw", path="in.parquet")


@fn.task()
def load(source) -> None:
    source.scan()


@pipeline(name="typed")
def typed():
    load(raw)
"""


def test_a_build_with_the_type_rule_suppressed_uses_the_default_instead_of_failing(tmp_path: Path) -> None:
    source = tmp_path / "pipeline.py"
    source.write_text(textwrap.dedent(AWS_SOURCE))
    checked = glacierc("check", str(source), "--output-format", "json")
    assert [d["code"] for d in json.loads(checked.stdout)] == ["GLC302"], checked.stdout
    source.write_text(textwrap.dedent(AWS_SOURCE).replace("timeout=60))", "timeout=60))  # noqa: GLC302"))
    built = glacierc("build", str(source), "--output", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    text = (tmp_path / "out" / "terraform" / "compute.tf").read_text(encoding="utf-8")
    blocks = hcl2.loads(text, serialization_options=SerializationOptions(strip_string_quotes=True,
                                                                         explicit_blocks=False))["resource"]
    function = next(b["aws_lambda_function"] for b in blocks if "aws_lambda_function" in b)
    assert [(f["memory_size"], f["timeout"]) for f in function.values()] == [(1024, 60)]


def _kinds(project: ir.Project) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [("cloud", p.cloud) for p in project.providers]
    found += [("executor", e.kind) for e in project.executors]
    found += [("param", p.kind) for t in project.tasks for p in t.params]
    found += [("input", i.kind) for p in project.pipelines for n in p.nodes for i in n.inputs]
    found += [("edge", e.kind) for p in project.pipelines for e in p.edges]
    return found


ENUMS = {"cloud": ir.Cloud, "executor": ir.ExecutorKind, "param": ir.ParamKind, "input": ir.InputKind,
         "edge": ir.EdgeKind}
SHAPES = sorted({*(p.parent for p in FIXTURES.glob("*/*/pipeline.py")),
                 *(p.parent for p in EXAMPLES.glob("*/pipeline.py"))})
SHAPES = [p for p in SHAPES if p.parent.name not in ("fuzz_regressions", "migrate")]


@pytest.mark.parametrize("path", SHAPES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_clouds_and_kinds_are_enums_when_compiled_and_when_read_back(path: Path) -> None:
    result = compile_project([path])
    for project in (result.project, read(to_json(result.project, result.diagnostics))):
        assert all(type(kind) is ENUMS[what] for what, kind in _kinds(project)), _kinds(project)


def test_enum_members_are_the_strings_ir_json_writes() -> None:
    assert ir.Cloud.AWS == "aws" and f"{ir.InputKind.CONST}" == "const" and str(ir.EdgeKind.ORDER) == "order"
    assert json.dumps({"kind": ir.ExecutorKind.VM}) == '{"kind": "vm"}'
    assert {ir.ParamKind.VAR_KEYWORD: 1}["var_keyword"] == 1


def test_inputs_are_one_class_per_kind_and_round_trip_through_ir_json() -> None:
    result = compile_project([FIXTURES / "core" / "comprehensions"])
    inputs = [i for p in result.project.pipelines for n in p.nodes for i in n.inputs]
    assert {type(i) for i in inputs} == {ir.StorageInput, ir.ConstInput, ir.NodeInput, ir.NodesInput}
    data = json.loads(to_json(result.project, result.diagnostics))
    written = [i for p in data["pipelines"] for n in p["nodes"] for i in n["inputs"]]
    assert {"param": "frames", "kind": "nodes", "ref": None, "value": ["tag", "tag_2"]} in written
    assert read(to_json(result.project, result.diagnostics)) == result.project


def test_why_an_input_is_unknown_is_written_and_read_back(tmp_path: Path) -> None:
    """GLC502's reason lives in the IR (`UnknownInput.reason`): ir.json writes it as the input's value."""
    path = tmp_path / "pipeline.py"
    path.write_text("from glacier import task, pipeline\n\n@task\ndef load(fn):\n    return None\n\n"
                    "@pipeline(name='p')\ndef p():\n    load(load)\n")
    result = compile_project([path])
    reason = "`load` is a task, and a task is not a value: call it (`load(...)`) and pass its result"
    assert result.project.pipelines[0].nodes[0].inputs == (ir.UnknownInput("fn", reason),)
    data = json.loads(to_json(result.project, result.diagnostics))
    assert data["pipelines"][0]["nodes"][0]["inputs"] == [{"param": "fn", "kind": "unknown", "ref": None,
                                                           "value": reason}]
    assert read(to_json(result.project, result.diagnostics)) == result.project


def test_an_input_that_names_nothing_is_a_malformed_ir_json() -> None:
    result = compile_project([FIXTURES / "core" / "comprehensions"])
    data = json.loads(to_json(result.project, result.diagnostics))
    data["pipelines"][0]["nodes"][0]["inputs"][0].update(kind="storage", ref=None)
    with pytest.raises(IrFormatError, match="has no ref"):
        read(json.dumps(data))
