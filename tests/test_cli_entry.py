"""The entry point parses `glacierc check` without typer; the typer CLI stays the reference for its flags."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main

from glacierc import cli, commands, entry
from tests.helpers import EXAMPLES, ROOT, glacierc


def _typer_check_options() -> dict[str, tuple]:
    """Option string -> (destination, takes a value, repeatable) as typer declares `check`."""
    command = typer.main.get_command(cli.app).commands["check"]
    options = {}
    for param in command.params:
        if param.param_type_name != "option":
            continue
        for flag in (*param.opts, *param.secondary_opts):
            options[flag] = (param.name, not param.is_flag, param.multiple)
    return options


def _argparse_check_options() -> dict[str, tuple]:
    options = {}
    for action in entry.check_parser()._actions:
        repeatable = action.__class__.__name__ == "_AppendAction"
        for flag in action.option_strings:
            options[flag] = (action.dest, action.nargs != 0, repeatable)
    return options


def test_both_parsers_declare_the_same_check_options():
    assert _argparse_check_options() == _typer_check_options()


ARGVS = [
    ["a.py"],
    ["a.py", "b", "--output-format", "json"],
    ["--output-format=concise", "a.py"],
    ["a.py", "--select", "GLC2", "--select", "GLC30,GLC4", "--ignore", "GLC204"],
    ["--exit-zero", "--fix", "a.py", "-e", "A=1", "--env", "B=x=y", "-eC=3"],
    ["a.py", "--", "--weird-name.py"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_both_parsers_pass_the_same_values_to_commands_check(monkeypatch, argv):
    fast, typed = [], []
    monkeypatch.setattr(commands, "check", lambda *a, **k: fast.append((a, k)) or 0)
    assert entry._fast_check(["check", *argv]) == 0
    monkeypatch.setattr(commands, "check", lambda *a, **k: typed.append((a, k)) or 0)
    with pytest.raises(SystemExit) as stop:
        cli.app(args=["check", *argv], prog_name="glacierc")
    assert stop.value.code == 0
    assert fast == typed and len(fast) == 1


@pytest.mark.parametrize("argv", [[], ["--help"], ["a.py", "-h"], ["--bogus", "a.py"], ["--output-format"],
                                  ["--out", "json", "a.py"]])
def test_command_lines_the_fast_parser_does_not_take_go_to_typer(argv):
    assert entry.parse_check(argv) is None


def test_help_and_usage_errors_of_check_come_from_typer():
    help_text = glacierc("check", "--help")
    assert help_text.returncode == 0 and "--output-format" in help_text.stdout and "--exit-zero" in help_text.stdout
    missing = glacierc("check")
    assert missing.returncode == 2 and "Missing argument" in missing.stderr
    unknown = glacierc("check", "--bogus", str(EXAMPLES / "aws_etl"))
    assert unknown.returncode == 2 and "No such option" in unknown.stderr


def test_check_imports_neither_typer_nor_heavy_backends():
    probe = ("import sys\nfrom glacierc.entry import main\nsys.argv = ['glacierc', 'check', sys.argv[1]]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "heavy = sorted(m for m in ('typer', 'click', 'pydantic', 'polars', 'jinja2', 'graphviz', 'rich')"
             " if m in sys.modules)\nsys.stderr.write(f'loaded: {heavy}')\n")
    result = subprocess.run([sys.executable, "-c", probe, str(EXAMPLES / "aws_etl")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert "All checks passed." in result.stdout
    assert result.stderr.endswith("loaded: []"), result.stderr
