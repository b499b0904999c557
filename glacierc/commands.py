"""What each CLI command does, as functions of the parsed `{dest: value}` returning an exit status.

Both parsers (glacierc/entry.py and glacierc/cli.py) call `run(name, values)`. A user mistake is raised as
`UsageError`/`ConfigurationError` (glacierc/errors.py) and becomes exit status 2 at the entry point.
"""

from __future__ import annotations

import sys
from pathlib import Path

from glacierc.diagnostics.model import Severity
from glacierc.env_flags import parse_env
from glacierc.errors import UsageError

__all__ = ["UsageError", "parse_env", "run"]


def run(name: str, values: dict) -> int:
    """Run command `name` with the values its parser produced."""
    return _COMMANDS[name](values)


def _exit_status(diagnostics) -> int:
    return 1 if any(d.severity is Severity.ERROR for d in diagnostics) else 0


def check(paths: list[str], output_format: str = "full", select=None, ignore=None, env_pairs=None,
          **options) -> int:
    """`glacierc check` with keyword options named as in the table (`fix=True`, `extend_select=[...]`)."""
    from glacierc.check_command import check as run_check
    from glacierc.cli_table import CHECK, defaults

    values = {**defaults(CHECK), **options, "paths": paths, "output_format": output_format, "select": select,
              "ignore": ignore, "env": env_pairs}
    return run_check(values)


def _check(values: dict) -> int:
    from glacierc.check_command import check as run_check

    return run_check(values)


def analyze(values: dict) -> int:
    from glacierc.driver import compile_project

    fmt = values["format"]
    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format `{fmt}`; use table or json")
    result = compile_project(values["paths"], parse_env(values["env"]))
    if values.get("columns"):
        from glacierc.columns_report import columns_json, columns_table

        sys.stdout.write(columns_json(result.project) if fmt == "json" else columns_table(result.project))
    elif fmt == "json":
        from glacierc.ir.serialize import to_json

        sys.stdout.write(to_json(result.project, result.diagnostics))
    else:
        from glacierc.table import print_tables

        print_tables(result)
    return _exit_status(result.diagnostics)


def build(values: dict) -> int:
    from glacierc.diagnostics.render import render
    from glacierc.driver import build as run_build
    from glacierc.output import OutputError, OutputRefused

    paths, out, check_only = values["paths"], Path(values["output"]), values["check"]
    try:
        result = run_build(paths, out, parse_env(values["env"]), check_only=check_only,
                           wheelhouse=values.get("wheelhouse"))
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


def graph(values: dict) -> int:
    from glacierc.backends.graph.command import graph_command
    from glacierc.diagnostics.render import render
    from glacierc.driver import compile_project

    result = compile_project(values["paths"], parse_env(values["env"]))
    if result.has_errors:
        sys.stderr.write(render("full", result.diagnostics, result.texts, result.files))
        return 1
    if not result.project.pipelines:  # a property of the input, not a usage error
        sys.stderr.write("error: no pipeline found in the input (no function decorated with @pipeline)\n")
        return 1
    output = Path(values["output"]) if values["output"] else None
    code, payload, error = graph_command(result.project, values["pipeline"], values["format"], output,
                                         values["select"] or [], columns=bool(values.get("columns")),
                                         exclude=values.get("exclude") or [])
    if error:
        _err(f"error: {error}")
        return code
    if output is not None and payload is not None:
        return _write_graph(output, payload)
    if isinstance(payload, bytes):
        if sys.stdout.isatty():
            raise UsageError("refusing to write PNG to a terminal; use -o FILE.png")
        sys.stdout.buffer.write(payload)
    elif payload is not None:
        sys.stdout.write(payload)
    return code


def _write_graph(output: Path, payload: str | bytes) -> int:
    """`graph -o FILE`, through the one I/O layer: a temporary file next to FILE, then a rename."""
    from glacierc.diagnostics.render import printable
    from glacierc.fileio import write_file

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_file(output, payload.encode("utf-8") if isinstance(payload, str) else payload)
    except OSError as error:
        _err(f"error: cannot write {printable(str(output))}: {printable(str(error.strerror or error))}")
        return 2
    return 0


def run_pipeline(values: dict) -> int:
    from glacierc.run_command import run_command

    extra = list(values.get("extra") or ())
    more = next((i for i, arg in enumerate(extra) if arg.startswith("-")), len(extra))
    paths, extra = [values["path"], *extra[:more]], extra[more:]  # the runner takes no positional argument
    runner_args = (["--data-dir", values["data_dir"]] if values["data_dir"] else []) + extra
    return run_command(paths, values["pipeline"], runner_args, parse_env(values["env"]))


def migrate(values: dict) -> int:
    from glacierc.migrate.files import run as run_migration

    if values["diff"] and values["write"]:
        raise UsageError("--diff and --write exclude each other")
    write = values["write"]
    return run_migration(values["paths"], diff=not write, write_files=write, out=sys.stdout, err=sys.stderr)


def rule(values: dict) -> int:
    from glacierc.rule_command import rule_command

    return rule_command(values["code"], every=values["all"], fmt=values["output_format"])


def _err(message: str) -> None:
    """One line on stderr, user strings in it (paths, names) made `printable`: a path holding ESC or a
    newline cannot rewrite the terminal or start a CI workflow command."""
    from glacierc.diagnostics.render import printable

    sys.stderr.write(printable(message) + "\n")


_COMMANDS = {"check": _check, "analyze": analyze, "build": build, "graph": graph, "run": run_pipeline,
             "migrate": migrate, "rule": rule}
