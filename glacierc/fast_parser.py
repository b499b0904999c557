"""The argparse parser of every command whose options the command table (glacierc/cli_table.py) fully
declares: all but `run`, which passes unknown flags on to the runner. typer (glacierc/cli.py), built from the
same table, takes what this parser does not: `--help`, `--version`, usage errors and `run`."""

from __future__ import annotations

import argparse
from typing import NoReturn

from glacierc.cli_table import CHECK, FLAG, MULTI, Command


class _NotFast(Exception):
    """This command line is for the typer CLI (help, a usage error)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would print and exit; typer reports instead
        raise _NotFast(message)


class _Formatter(argparse.HelpFormatter):
    """argparse builds a formatter to validate every option it is given; a width of its own spares it asking
    the terminal (importing shutil, locale, bz2 and lzma: ~5 ms of a cached check). The fast path never prints
    help: typer does."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=100)


def fast_parser(command: Command = CHECK) -> argparse.ArgumentParser:
    """An argparse parser of `command`, as the table declares it."""
    parser = _Parser(prog=f"glacierc {command.name}", add_help=False, allow_abbrev=False,
                     formatter_class=_Formatter)
    for argument in command.arguments:
        parser.add_argument(argument.dest, nargs="+" if argument.many else ("?" if argument.optional else None))
    for option in command.options:
        if option.kind == FLAG:
            parser.add_argument(*option.flags, dest=option.dest, action="store_true")
        elif option.kind == MULTI:
            parser.add_argument(*option.flags, dest=option.dest, action="append")
        else:
            parser.add_argument(*option.flags, dest=option.dest, default=option.default)
    return parser


def parse_fast(args: list[str], command: Command = CHECK) -> dict[str, object] | None:
    """The parsed values, or None when the typer CLI must handle this command line."""
    if any(arg in ("--help", "-h") for arg in args):
        return None
    try:
        return vars(fast_parser(command).parse_intermixed_args(args))
    except _NotFast:
        return None
