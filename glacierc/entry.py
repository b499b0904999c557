"""The `glacierc` entry point, and the one place where errors become exit statuses.

`glacierc check` is what pre-commit hooks, editors and CI run on every change, so its start-up time is the
product's latency: it is parsed here with argparse, without loading typer (whose import and command
building cost about as much as checking a small file; see docs/benchmarks.md), and so is every other
command whose options the table fully declares (all but `run`, which passes unknown flags on to the
runner). Both this parser and the typer app of glacierc/cli.py are built from the one table in
glacierc/cli_table.py and hand the same `{dest: value}` to `glacierc.commands.run`. `--help`, `--version`,
a usage error and `run` go to typer.

Exit statuses: what a command returns (0 clean, 1 the input has errors); 2 for a `UserError` (usage or
configuration) and for an internal error; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import NoReturn

from glacierc.cli_table import CHECK, COMMANDS, FLAG, MULTI, Command


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


def _run(argv: list[str]) -> int:
    command = COMMANDS.get(argv[0]) if argv else None
    if command is not None and not command.extra_args:
        values = parse_fast(argv[1:], command)
        if values is not None:
            from glacierc import commands

            return commands.run(command.name, values)
    from glacierc.cli import app

    app(args=argv, prog_name="glacierc")  # standalone mode: always ends in SystemExit
    return 0


def main() -> None:
    from glacierc.errors import UserError

    # One short process: the cyclic collector would re-scan the live syntax trees (millions of acyclic
    # objects) on every allocation burst after the compile, e.g. 0.3 s while writing ir.json for 2,000 tasks.
    gc.disable()
    try:
        sys.exit(_run(sys.argv[1:]))
    except SystemExit:
        raise
    except UserError as error:  # a usage or configuration mistake, not a crash
        from glacierc.diagnostics.render import printable

        sys.stderr.write(f"error: {printable(str(error))}\n")
        sys.exit(error.exit_status)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except BaseException as error:  # an internal error: a bug of ours, never the user's
        import traceback

        sys.stderr.write(f"glacierc: internal error: {type(error).__name__}: {error}\n"
                         "This is a bug in glacierc; please report it with the input that caused it.\n")
        traceback.print_exc(file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
