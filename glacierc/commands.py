"""What each CLI command does, as functions returning an exit status (the CLI only parses flags)."""

from __future__ import annotations

import sys
from pathlib import Path

from glacierc.diagnostics.model import Severity


class UsageError(Exception):
    """A command line that parsed but cannot be used; the entry point prints it and exits 2."""


def parse_env(pairs: list[str] | None) -> dict[str, str]:
    """`-e NAME=VALUE` flags as a mapping."""
    from glacierc.diagnostics.render import printable

    env = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise UsageError(f"`-e {printable(pair)}` is not of the form NAME=VALUE")
        if printable(pair) != pair:  # non-UTF-8 bytes arrive as lone surrogates (surrogateescape)
            raise UsageError(f"`-e {printable(pair)}`: the value must be UTF-8 text without control characters")
        env[name] = value
    return env


def _exit_status(diagnostics) -> int:
    return 1 if any(d.severity is Severity.ERROR for d in diagnostics) else 0


def _color() -> bool:
    import os

    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def check(paths: list[str], output_format: str, select, ignore, env_pairs: list[str] | None, *,
          fix: bool = False, exit_zero: bool = False) -> int:
    from glacierc.diagnostics.render import FORMATS, render
    from glacierc.driver import compile_project
    from glacierc.settings import load_settings

    if output_format not in FORMATS:
        return _usage(f"unknown output format `{output_format}`; use one of {', '.join(FORMATS)}")
    env = parse_env(env_pairs)
    settings = load_settings(paths).with_cli(select, ignore)
    result = compile_project(paths, env, settings)
    if fix:
        from glacierc.fixes import apply_fixes

        changed = apply_fixes(result)
        if changed:
            sys.stderr.write(f"fixed {changed} file{'s' * (changed != 1)}\n")
            result = compile_project(paths, env, settings)
    sys.stdout.write(render(output_format, result.diagnostics, result.texts, result.files, color=_color()))
    code = _exit_status(result.diagnostics)
    return 0 if exit_zero and code == 1 else code


def analyze(paths: list[str], fmt: str, env: dict[str, str]) -> int:
    from glacierc.driver import compile_project

    if fmt not in ("table", "json"):
        return _usage(f"unknown format `{fmt}`; use table or json")
    result = compile_project(paths, env)
    if fmt == "json":
        from glacierc.ir.serialize import to_json

        sys.stdout.write(to_json(result.project, result.diagnostics))
    else:
        from glacierc.table import print_tables

        print_tables(result)
    return _exit_status(result.diagnostics)


def build(paths: list[str], out: Path, env: dict[str, str], *, check_only: bool) -> int:
    from glacierc.diagnostics.render import render
    from glacierc.driver import build as run_build
    from glacierc.output import OutputError, OutputRefused

    try:
        result = run_build(paths, out, env, check_only=check_only)
    except OutputError as error:  # refused: nothing was touched, a usage error (2); cannot write: 1
        _err(f"error: {error}")
        return 2 if isinstance(error, OutputRefused) else 1
    shown = [d for d in result.diagnostics if d.severity is not Severity.INFO or result.has_errors]
    if shown:
        sys.stderr.write(render("full", shown, result.compiled.texts, result.compiled.files, color=False))
    if result.has_errors:
        _err(f"build failed; `{out}` left untouched")
        return 1
    if check_only:
        _err(f"`{out}` is up to date" if result.up_to_date else f"`{out}` is stale; run "
             f"`glacierc build {' '.join(paths)} -o {out}`")
        return 0 if result.up_to_date else 1
    for info in (d for d in result.diagnostics if d.severity is Severity.INFO):
        _err(f"note: {info.message}")
    _err(f"wrote {len(result.files)} files to {out}")
    return 0


def graph(paths: list[str], pipeline: str | None, fmt: str | None, output: Path | None, select: list[str],
          env: dict[str, str]) -> int:
    from glacierc.backends.graph.command import graph_command
    from glacierc.diagnostics.render import render
    from glacierc.driver import compile_project

    result = compile_project(paths, env)
    if result.has_errors:
        sys.stderr.write(render("full", result.diagnostics, result.texts, result.files))
        return 1
    if not result.project.pipelines:  # a property of the input, not a usage error
        sys.stderr.write("error: no pipeline found in the input (no function decorated with @pipeline)\n")
        return 1
    code, payload, error = graph_command(result.project, pipeline, fmt, output, select)
    if error:
        _err(f"error: {error}")
        return code
    if isinstance(payload, bytes):
        if sys.stdout.isatty():
            return _usage("refusing to write PNG to a terminal; use -o FILE.png")
        sys.stdout.buffer.write(payload)
    elif payload is not None:
        sys.stdout.write(payload)
    return code


def rule(code: str) -> int:
    from glacierc.diagnostics.codes import RULES, rule_text

    if code.lower() == "all":
        for known in sorted(RULES):
            sys.stdout.write(f"{known}  {RULES[known].name:<24} {RULES[known].title}\n")
        return 0
    code = code.upper()
    if code not in RULES:
        return _usage(f"unknown code `{code}`; `glacierc rule all` lists them")
    sys.stdout.write(rule_text(code))
    return 0


def _usage(message: str) -> int:
    _err(f"error: {message}")
    return 2


def _err(message: str) -> None:
    """One line on stderr, user strings in it (paths, names) made `printable`: a path holding ESC or a
    newline cannot rewrite the terminal or start a CI workflow command."""
    from glacierc.diagnostics.render import printable

    sys.stderr.write(printable(message) + "\n")
