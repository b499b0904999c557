"""One table (glacierc/cli_table.py) defines the command line; the argparse fast path of `check` and the typer
app are both built from it and hand `commands.run` the same values."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main

from glacierc import cli, commands, entry, fast_parser
from glacierc.cli_table import COMMANDS
from tests.helpers import EXAMPLES, ROOT, glacierc


def _typer_options(name: str) -> dict[str, tuple]:
    command = typer.main.get_command(cli.app).commands[name]
    return {flag: (param.name, not param.is_flag, param.multiple)
            for param in command.params if param.param_type_name == "option"
            for flag in (*param.opts, *param.secondary_opts)}


def _table_options(name: str) -> dict[str, tuple]:
    return {flag: (o.dest, o.kind != "flag", o.kind == "multi") for o in COMMANDS[name].options for flag in o.flags}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_typer_app_declares_what_the_table_says(name):
    assert _typer_options(name) == _table_options(name)


FAST = sorted(name for name, command in COMMANDS.items() if not command.extra_args)


@pytest.mark.parametrize("name", FAST)
def test_the_fast_parser_declares_what_the_table_says(name):
    fast = {flag: (a.dest, a.nargs != 0, a.__class__.__name__ == "_AppendAction")
            for a in fast_parser.fast_parser(COMMANDS[name])._actions for flag in a.option_strings}
    assert fast == _table_options(name)


ARGVS = [
    ["a.py"],
    ["a.py", "b", "--output-format", "json"],
    ["--output-format=concise", "a.py"],
    ["a.py", "--select", "GLC2", "--select", "GLC30,GLC4", "--ignore", "GLC204", "--extend-select", "GLC1"],
    ["--exit-zero", "--fix", "--diff", "a.py", "-e", "A=1", "--env", "B=x=y", "-eC=3"],
    ["-q", "--statistics", "--show-fixes", "--fail-on-warnings", "-o", "r.txt", "--config", "c.toml", "a.py"],
    ["-", "--stdin-filename", "p.py", "--no-cache"],
    ["a.py", "--", "--weird-name.py"],
]


OTHER_ARGVS = [
    ["analyze", "a.py", "--format", "json", "--columns", "-e", "A=1"],
    ["build", "a.py", "b", "-o", "out", "--check"],
    ["build", "--output=out", "a.py"],
    ["graph", "a.py", "-p", "etl", "-f", "mermaid", "-o", "g.md", "-s", "+clean", "--select", "tag:x", "--columns"],
    ["graph", "a.py", "--exclude", "load"],
    ["migrate", "a.py", "--write"],
    ["rule", "GLC302", "--output-format", "json"],
    ["rule", "--all"],
]


@pytest.mark.parametrize("argv", [["check", *a] for a in ARGVS] + OTHER_ARGVS, ids=" ".join)
def test_both_parsers_pass_the_same_values_to_commands(monkeypatch, argv):
    fast, typed = [], []
    monkeypatch.setattr(commands, "run", lambda name, values: fast.append((name, values)) or 0)
    assert entry._run(argv) == 0
    monkeypatch.setattr(commands, "run", lambda name, values: typed.append((name, values)) or 0)
    with pytest.raises(SystemExit) as stop:
        cli.app(args=argv, prog_name="glacierc")
    assert stop.value.code == 0
    assert fast == typed and len(fast) == 1


@pytest.mark.parametrize("argv", [[], ["--help"], ["a.py", "-h"], ["--bogus", "a.py"], ["--output-format"],
                                  ["--out", "json", "a.py"]])
def test_command_lines_the_fast_parser_does_not_take_go_to_typer(argv):
    assert fast_parser.parse_fast(argv) is None


def test_help_and_usage_errors_of_check_come_from_typer():
    for flag in ("--help", "-h"):
        help_text = glacierc("check", flag)
        assert help_text.returncode == 0 and "--output-format" in help_text.stdout and "--exit-zero" in help_text.stdout
    missing = glacierc("check")
    assert missing.returncode == 2 and "Missing argument" in missing.stderr
    unknown = glacierc("check", "--bogus", str(EXAMPLES / "aws_etl"))
    assert unknown.returncode == 2 and "No such option" in unknown.stderr


def test_user_errors_of_every_command_are_exit_2_without_traceback():
    for argv in (["check", "--output-format", "xml", "a.py"], ["analyze", "--format", "xml", "a.py"],
                 ["rule", "GLC999"], ["migrate", "--diff", "--write", "a.py"], ["check", "--diff", "a.py"]):
        result = glacierc(*argv)
        assert result.returncode == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr


#: What `check` never imports: the CLI framework, the heavy libraries, and every cloud's target, its block model
#: and its packaging (the targets' rules judge the deploy over the IR: glacierc/backends/terraform/*_rules.py).
#: Without a wheelhouse nothing is packed, so nothing is measured: neither the runners' layout nor the
#: package files, the wheel reader (zipfile, email, packaging) or the layers (GLC415).
NOT_ON_CHECK = ("typer", "click", "pydantic", "polars", "jinja2", "graphviz", "rich", "zipfile", "email", "packaging",
                "glacierc.package_inputs",
                *(f"glacierc.backends.runner.{name}" for name in ("emit", "layout", "imports", "runtime")),
                *(f"glacierc.backends.terraform.{name}" for name in (
                    "aws", "gcp", "azure", "target", "blocks", "packaging", "entry_module", "gcp_storage",
                    "gcp_orchestration", "gcp_workflow_target", "azure_storage", "azure_pipelines", "azure_compute",
                    "aws_layers", "aws_package", "wheels")))


@pytest.mark.parametrize("path", [EXAMPLES / "aws_etl", EXAMPLES / "gcp_analytics",
                                  ROOT / "tests" / "fixtures" / "azure_durable" / "orders",
                                  ROOT / "tests" / "fixtures" / "terraform_gcp" / "workflow_map_jobs",
                                  ROOT / "tests" / "fixtures" / "terraform_azure" / "cluster_runs"],
                         ids=lambda p: p.name)
def test_check_imports_neither_typer_nor_heavy_backends(path):
    """Nor any cloud's target and its block model: `check` judges the deploy with the target's rules alone
    (aws_rules.py, gcp_rules.py, azure_rules.py), which the build reports through the same class; GCP's
    workflow size is judged on the definition made without blocks (gcp_workflow_calls.py)."""
    probe = ("import sys\nfrom glacierc.entry import main\nsys.argv = ['glacierc', 'check', '--no-cache', sys.argv[1]]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             f"heavy = sorted(m for m in {NOT_ON_CHECK!r} if m in sys.modules)\nsys.stderr.write(f'loaded: {{heavy}}')\n")
    result = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert "All checks passed." in result.stdout, result.stdout
    assert result.stderr.endswith("loaded: []"), result.stderr


def test_build_and_analyze_do_not_import_typer(tmp_path):
    """Every command the table fully declares is parsed without typer (only `run`, --help and usage errors
    load it)."""
    probe = ("import sys\nfrom glacierc.entry import main\nsys.argv = ['glacierc', *sys.argv[1:]]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write(f\"loaded: {sorted(m for m in ('typer', 'click') if m in sys.modules)}\")\n")
    for argv in (["build", str(EXAMPLES / "aws_etl"), "-o", str(tmp_path / "out")],
                 ["analyze", "--format", "json", str(EXAMPLES / "aws_etl")]):
        result = subprocess.run([sys.executable, "-c", probe, *argv], cwd=ROOT, capture_output=True, text=True,
                                timeout=300)
        assert result.stderr.endswith("loaded: []"), result.stderr
    assert (tmp_path / "out" / "ir.json").is_file()
