"""No user-controlled string becomes code in any artifact.

Hostile names (quotes, triple quotes, backslashes, `\\N{...}`, newlines, `${`, `%{`, `*/`, `-->`,
unicode line separators, NUL) go into pipeline names (literal and via `-e`), storage paths, task
docstrings and the names of source files and directories. Every generated Python file must parse
to the syntax tree it has for a benign name (string constants aside), every `.tf` file must parse
with python-hcl2 to the same blocks, and DOT must pass the real `dot`.
"""

from __future__ import annotations

import ast
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import hcl2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glacierc.diagnostics.model import Severity
from glacierc.driver import build
from helpers import glacierc

HOSTILE = ('"', "'''", '"""', "\\", "\\N{BULLET}", "\n", "\r", "${", "%{", "*/", "-->", "\u2028", "\u2029",
           "\u0085", "\x00", "#", "'", "}}", "{%", "\t")
BENIGN = "benign"

PIPELINE = '''"""A pipeline whose names come from the test."""

import os

import polars as pl

from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig

provider = Provider(config=AwsConfig(region="eu-west-1"))
workers = provider.serverless(config=LambdaConfig(memory=1024))
events = provider.bucket(bucket="hostile-events", path=@PATH@, format="parquet")


@workers.task()
def parse(source) -> pl.LazyFrame:
    @DOC@
    return source.scan()


@pipeline(name=os.getenv("PIPELINE_NAME", @NAME@))
def daily():
    return parse(events)
'''


def _project(root: Path, *, name: str, path: str = "events/*.parquet", doc: str = "x",
             file: str = "pipeline.py", directory: str = "project") -> Path:
    folder = root / directory
    folder.mkdir(parents=True, exist_ok=True)
    text = (PIPELINE.replace("@PATH@", repr(path)).replace("@NAME@", repr(name))
            .replace("@DOC@", repr(doc)))
    (folder / file).write_text(text, encoding="utf-8")
    return folder


def _build(folder: Path, out: Path, env: dict[str, str] | None = None) -> dict[str, str | bytes]:
    result = build([folder], out, env)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert not errors, errors
    return result.files


# ---- the shapes compared ----------------------------------------------------------------------------


class _Normalise(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant("S") if isinstance(node.value, str) else node


def python_shape(text: str) -> str:
    """The syntax tree with every string constant replaced: the code, not the data."""
    return ast.dump(_Normalise().visit(ast.parse(text)))


def hcl_shape(text: str) -> list[tuple[str, ...]]:
    """Block types and labels-count of a `.tf` file, as python-hcl2 reads them."""
    data = hcl2.loads(text)
    shape = []
    for kind, blocks in sorted(data.items()):
        for block in blocks if isinstance(blocks, list) else [blocks]:
            if isinstance(block, dict):
                shape += [(kind, str(sub).strip('"')) for sub in block if not str(sub).startswith("__")]
    return sorted(shape) if shape else [(kind,) for kind in sorted(data)]


def python_files(files: dict[str, str | bytes]) -> dict[str, str]:
    """Every generated Python file: runners and the modules inside the zip packages."""
    found = {path: text for path, text in files.items() if path.endswith(".py") and isinstance(text, str)}
    for path, content in files.items():
        if path.endswith(".zip") and isinstance(content, bytes):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                for name in archive.namelist():
                    if name.endswith(".py"):
                        found[f"{path}!{name.rsplit('/', 1)[0]}"] = archive.read(name).decode()
    return found


def shapes(files: dict[str, str | bytes]) -> dict[str, object]:
    """Per artifact kind, what must not depend on the names: Python trees and HCL blocks."""
    result: dict[str, object] = {}
    for path, text in sorted(python_files(files).items()):
        result.setdefault("py", []).append(python_shape(text))
    for path, text in sorted(files.items()):
        if path.endswith(".tf"):
            result[path] = hcl_shape(text)
    result["files"] = sorted(p.rsplit("/", 1)[0] for p in files)
    return result


def _check_dot(files: dict[str, str | bytes]) -> None:
    dot = shutil.which("dot")
    for path, text in files.items():
        if path.endswith(".dot"):
            assert isinstance(text, str) and text.isascii() or "\n" in text
            if dot:
                done = subprocess.run([dot, "-Tsvg"], input=text.encode(), capture_output=True, timeout=60)
                assert done.returncode == 0, done.stderr.decode()


def _same_shape(tmp_path: Path, **hostile: str) -> None:
    benign = _build(_project(tmp_path / "a", name=BENIGN), tmp_path / "a-out")
    folder = _project(tmp_path / "b", **{"name": BENIGN, **hostile})
    produced = _build(folder, tmp_path / "b-out")
    assert shapes(produced) == shapes(benign)
    _check_dot(produced)


@pytest.fixture(scope="module")
def benign_shape(tmp_path_factory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("benign")
    return shapes(_build(_project(root, name=BENIGN), root / "out"))


# ---- the cases ---------------------------------------------------------------------------------------

hostile_text = st.lists(st.sampled_from(HOSTILE) | st.text(alphabet="ab ;()=", max_size=3),
                        min_size=1, max_size=6).map("".join)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile_text)
def test_pipeline_name_from_env_becomes_no_code(tmp_path_factory, benign_shape, name):
    root = tmp_path_factory.mktemp("env")
    files = _build(_project(root, name=BENIGN), root / "out", {"PIPELINE_NAME": "p" + name})
    assert shapes(files) == benign_shape
    _check_dot(files)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=hostile_text, path=hostile_text)
def test_docstrings_and_paths_become_no_code(tmp_path_factory, benign_shape, doc, path):
    root = tmp_path_factory.mktemp("doc")
    result = build([_project(root, name=BENIGN, doc=doc, path="events/" + path)], root / "out")
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert all(d.code == "GLC307" for d in errors), errors  # a bad path is the user's mistake: a diagnostic
    if not errors:
        assert shapes(result.files) == benign_shape


@pytest.mark.parametrize("piece", [p for p in HOSTILE if p not in ("\x00", "\\N{BULLET}")] + ["\\N"])
def test_literal_pipeline_name(tmp_path, piece):
    _same_shape(tmp_path, name=f"x{piece}y")


@pytest.mark.parametrize("piece", ['"', "'''", '"""', "\n", "${", "%{", "*/", "-->", "\u2028", "\\N{BULLET}",
                                   "\nresource \"aws_iam_user\" \"x\" {}\n"])
def test_source_file_and_directory_names(tmp_path, piece):
    """A file name like `x\\nresource ...` stays inside the `# source:` comment."""
    piece = piece.replace("/", "|")  # `/` separates folders
    _same_shape(tmp_path, file=f"pi{piece}pe.py", directory=f"dir{piece}x")


def test_triple_quote_name_runs_nothing(tmp_path):
    """The runner of a pipeline named with `\"\"\"` and a shell command, run with --dry-run."""
    folder = _project(tmp_path, name=BENIGN)
    name = 'x"""; import os; os.system("touch PWNED")  #'
    out = tmp_path / "out"
    done = glacierc("build", str(folder), "-o", str(out), "-e", f"PIPELINE_NAME={name}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    runners = list((out / "runners").glob("*.py"))
    assert len(runners) == 1
    run = subprocess.run([sys.executable, str(runners[0]), "--dry-run"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert not (tmp_path / "PWNED").exists()
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "PWNED").exists()


def test_two_pipelines_on_one_file_are_a_diagnostic(tmp_path):
    source = _project(tmp_path, name="daily/etl") / "pipeline.py"
    source.write_text(source.read_text() + '\n\n@pipeline(name="daily_etl")\ndef other():\n'
                      "    return parse(events)\n")
    result = build([source.parent], tmp_path / "out")
    clashes = [d for d in result.diagnostics if d.code == "GLC406"]
    assert len(clashes) == 1 and clashes[0].severity is Severity.ERROR
    assert "daily_etl" in clashes[0].message and clashes[0].span.line > 20
    assert not (tmp_path / "out").exists()


# ---- the mechanism ----------------------------------------------------------------------------------


ENTRY_FIXTURES = ["examples/aws_etl/pipeline.py", "examples/gcp_analytics/pipeline.py",
                  "tests/fixtures/azure_durable/orders/pipeline.py", "tests/fixtures/terraform_aws/databricks/pipeline.py"]
#: The fixed module each generated entry module is laid out from (glacierc/entrypoints/).
ENTRY_MODULES = {"handler.py": "aws_lambda", "main.py": "gcp_function", "job.py": "gcp_job",
                 "glacier_job.py": "aws_job", "glacier_databricks.py": "aws_databricks",
                 "function_app.py": "azure_functions"}


def _entry_modules(out: Path) -> list[tuple[str, str]]:
    found = [(p.name, p.read_text()) for p in sorted(out.rglob("*.py")) if p.name in ENTRY_MODULES]
    for package in sorted(out.rglob("*.zip")):
        with zipfile.ZipFile(package) as archive:
            found += [(n, archive.read(n).decode()) for n in archive.namelist() if n in ENTRY_MODULES]
    return found


def _generated_part_is_data(text: str, module: str) -> list[str]:
    """What the generated part of an entry module holds beyond literal tables and one-line entry functions
    calling the module's own code with a constant (decorators with constant arguments)."""
    from glacierc.backends.terraform.entry_module import fixed, laid_out_module

    layout = fixed(module)
    imports, body = laid_out_module(module)  # the fixed code, then the code it shares; their imports merged
    generated = text.replace(body, "").replace(imports, "").replace(layout.docstring, "")
    problems = []
    for statement in ast.parse(generated).body:
        if isinstance(statement, ast.Assign):
            try:
                ast.literal_eval(statement.value)
            except ValueError:
                problems.append(ast.unparse(statement))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            calls = [n for n in ast.walk(statement) if isinstance(n, ast.Call)]
            arguments = [a for c in calls for a in (*c.args, *(k.value for k in c.keywords))]
            if not all(isinstance(a, (ast.Constant, ast.Name, ast.Attribute, ast.List)) for a in arguments):
                problems.append(ast.unparse(statement))
        else:
            problems.append(ast.unparse(statement))
    return problems


@pytest.mark.parametrize("fixture", ENTRY_FIXTURES)
def test_generated_entry_modules_hold_only_literal_tables_and_entry_functions(fixture, tmp_path):
    """The mechanism: an entry module is a fixed module of glacierc/entrypoints/ copied verbatim around
    tables written by `py_literal` and entry functions with checked names, nothing else."""
    root = Path(__file__).resolve().parent.parent
    result = build([root / fixture], tmp_path / "out")
    assert result.written, result.diagnostics
    modules = _entry_modules(tmp_path / "out")
    assert modules
    for name, text in modules:
        module = ENTRY_MODULES[name]
        assert _generated_part_is_data(text, module) == [], (fixture, name)
