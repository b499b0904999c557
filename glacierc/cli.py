"""The `glacierc` command line (typer): parse flags, call `commands`, exit. No compile logic here.

The entry point is `glacierc.entry.main`, which parses a plain `glacierc check` itself (no typer import).

Exit status: 0 success (warnings allowed), 1 the input has errors, 2 usage or internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

import glacierc

app = typer.Typer(name="glacierc", add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="glacierc: compile Glacier pipelines to Terraform, graphs and Polars runners, statically.")

Paths = Annotated[list[str], typer.Argument(help="Python files or directories (compiled as one project).")]
EnvOption = Annotated[Optional[list[str]], typer.Option(
    "--env", "-e", metavar="NAME=VALUE", help="Static value of an environment variable read with os.getenv.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"glacierc {glacierc.__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Static compiler for Glacier pipelines. No command imports or executes your pipeline code (except `run`,
    which executes the generated runner)."""


def _usage(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def check(
    paths: Paths,
    output_format: Annotated[str, typer.Option("--output-format", help="full|concise|json|sarif|github")] = "full",
    select: Annotated[Optional[list[str]], typer.Option(help="Only these codes or prefixes (comma-separated).")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these codes or prefixes (comma-separated).")] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when errors are found.")] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the fixes attached to diagnostics.")] = False,
    env: EnvOption = None,
) -> None:
    """Report diagnostics for pipeline files."""
    from glacierc import commands

    raise typer.Exit(commands.check(paths, output_format, select, ignore, env, fix=fix, exit_zero=exit_zero))


@app.command()
def analyze(
    paths: Paths,
    format: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    env: EnvOption = None,
) -> None:
    """Print the IR: pipelines, nodes, executors, levels."""
    from glacierc import commands

    raise typer.Exit(commands.analyze(paths, format, commands.parse_env(env)))


@app.command()
def build(
    paths: Paths,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output directory.")] = Path("glacier-out"),
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if OUT is not up to date; write nothing.")] = False,
    env: EnvOption = None,
) -> None:
    """Write ir.json, terraform/, graphs/ and runners/ into OUT, atomically."""
    from glacierc import commands

    raise typer.Exit(commands.build(paths, output, commands.parse_env(env), check_only=check))


@app.command()
def graph(
    path: Annotated[list[str], typer.Argument(help="A Python file or directory.")],
    pipeline: Annotated[Optional[str], typer.Option("--pipeline", "-p", help="Pipeline name.")] = None,
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="dot|svg|png|mermaid")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file.")] = None,
    select: Annotated[Optional[list[str]], typer.Option(
        "--select", "-s", help="dbt-style selection: NODE, +NODE (ancestors), NODE+ (descendants).")] = None,
    env: EnvOption = None,
) -> None:
    """Draw the DAG of a pipeline (DOT on stdout by default)."""
    from glacierc import commands

    raise typer.Exit(commands.graph(path, pipeline, format, output, select or [], commands.parse_env(env)))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="A Python file or directory (several compile together).")],
    pipeline: Annotated[Optional[str], typer.Option("--pipeline", "-p", help="Pipeline name.")] = None,
    data_dir: Annotated[Optional[str], typer.Option(
        "--data-dir", help="Bucket b with path p maps to DIR/b/p.")] = None,
    env: EnvOption = None,
) -> None:
    """Build the standalone runner and run it; other flags (--dry-run, --report, --storage-option, --select,
    --from, --until, --checkpoint, --resume, --engine) go to the runner."""
    from glacierc import commands
    from glacierc.run_command import run_command

    extra = list(ctx.args)
    more = next((i for i, arg in enumerate(extra) if arg.startswith("-")), len(extra))
    paths, extra = [path, *extra[:more]], extra[more:]  # the runner takes no positional argument: these are PATHs
    runner_args = (["--data-dir", data_dir] if data_dir else []) + extra
    raise typer.Exit(run_command(paths, pipeline, runner_args, commands.parse_env(env)))


@app.command()
def migrate(
    paths: Paths,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff (the default).")] = False,
    write: Annotated[bool, typer.Option("--write", help="Rewrite the files in place, atomically.")] = False,
) -> None:
    """Rewrite old-API code (AWSProvider, GlacierEnv, executor="...") to the current language."""
    from glacierc.migrate.files import run as run_migration

    if diff and write:
        _usage("--diff and --write exclude each other")
    raise typer.Exit(run_migration(paths, diff=not write, write_files=write, out=sys.stdout, err=sys.stderr))


@app.command()
def rule(code: Annotated[str, typer.Argument(help="A diagnostic code, e.g. GLC302, or `all`.")]) -> None:
    """Explain a diagnostic code."""
    from glacierc import commands

    raise typer.Exit(commands.rule(code))
