"""The typer app of every command, built from the one table in glacierc/cli_table.py: parse, then hand the
values to `glacierc.commands.run`. No compile logic and no option declared here.

The entry point is `glacierc.entry.main`, which parses a plain `glacierc check` itself from the same table
(no typer import). Errors the user can cause are raised as `glacierc.errors.UserError` and mapped to exit
status 2 there.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Optional

import typer

import glacierc
from glacierc.cli_table import COMMANDS, FLAG, MULTI, Argument, Command, Option

app = typer.Typer(name="glacierc", add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="glacierc: compile Glacier pipelines to Terraform, graphs and Polars runners, statically.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"glacierc {glacierc.__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Static compiler for Glacier pipelines. No command imports or executes your pipeline code (except `run`,
    which executes the generated runner)."""


def _option_parameter(option: Option) -> inspect.Parameter:
    info = typer.Option(*option.flags, help=option.help, metavar=option.metavar)
    default: bool | str | None
    if option.kind == FLAG:
        annotation, default = Annotated[bool, info], False
    elif option.kind == MULTI:
        annotation, default = Annotated[Optional[list[str]], info], None
    else:
        annotation, default = Annotated[Optional[str], info], option.default
    return inspect.Parameter(option.dest, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _argument_parameter(argument: Argument) -> inspect.Parameter:
    kind = list[str] if argument.many else (Optional[str] if argument.optional else str)
    info = typer.Argument(help=argument.help, show_default=False)
    return inspect.Parameter(argument.dest, inspect.Parameter.KEYWORD_ONLY,
                             default=None if argument.optional else inspect.Parameter.empty,
                             annotation=Annotated[kind, info])


def _register(command: Command) -> None:
    parameters = [_argument_parameter(a) for a in command.arguments] + [_option_parameter(o) for o in command.options]
    if command.extra_args:
        parameters.insert(0, inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context))

    def callback(**values) -> None:
        from glacierc import commands

        context = values.pop("ctx", None)
        if context is not None:
            values["extra"] = list(context.args)
        raise typer.Exit(commands.run(command.name, values))

    # typer reads the parameters from the signature: the one built from the command table.
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__annotations__ = {p.name: p.annotation for p in parameters}
    callback.__doc__ = command.help
    settings = {"allow_extra_args": True, "ignore_unknown_options": True} if command.extra_args else {}
    app.command(command.name, context_settings=settings)(callback)


for _command in COMMANDS.values():
    _register(_command)
