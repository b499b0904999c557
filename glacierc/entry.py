"""The `glacierc` entry point.

`glacierc check` is what pre-commit hooks, editors and CI run on every change, so its start-up time is the
product's latency: it is parsed here with argparse, without loading typer (whose import and command
building cost about as much as checking a small file; see docs/benchmarks.md). Every other command, any
`--help`, and any check command line this parser does not take exactly as it is go to the typer CLI in
`glacierc/cli.py`, which stays the reference for all flags and messages. tests/test_cli_entry.py keeps the
two parsers in step: same options, same values passed to `commands.check`.
"""

from __future__ import annotations

import argparse
import gc
import sys


class _NotFast(Exception):
    """This command line is for the typer CLI (help, a usage error, or an option only typer knows)."""


class _CheckParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print and exit; typer reports instead
        raise _NotFast(message)


def check_parser() -> argparse.ArgumentParser:
    """The options of `glacierc check`, as declared in glacierc/cli.py."""
    parser = _CheckParser(prog="glacierc check", add_help=False, allow_abbrev=False)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--output-format", default="full")
    parser.add_argument("--select", action="append")
    parser.add_argument("--ignore", action="append")
    parser.add_argument("--exit-zero", action="store_true")
    parser.add_argument("--fix", action="store_true")
    parser.add_argument("--env", "-e", action="append")
    return parser


def parse_check(args: list[str]) -> argparse.Namespace | None:
    """The parsed `check` arguments, or None when the typer CLI must handle this command line."""
    if any(arg in ("--help", "-h") for arg in args):
        return None
    try:
        return check_parser().parse_intermixed_args(args)
    except _NotFast:
        return None


def _fast_check(argv: list[str]) -> int | None:
    if not argv or argv[0] != "check":
        return None
    parsed = parse_check(argv[1:])
    if parsed is None:
        return None
    from glacierc import commands

    return commands.check(parsed.paths, parsed.output_format, parsed.select, parsed.ignore, parsed.env,
                          fix=parsed.fix, exit_zero=parsed.exit_zero)


def _run(argv: list[str]) -> int:
    code = _fast_check(argv)
    if code is not None:
        return code
    from glacierc.cli import app

    app(args=argv, prog_name="glacierc")  # standalone mode: always ends in SystemExit
    return 0


def main() -> None:
    from glacierc.commands import UsageError
    from glacierc.errors import ConfigurationError

    # One short process: the cyclic collector would re-scan the live syntax trees (millions of acyclic
    # objects) on every allocation burst after the compile, e.g. 0.3 s while writing ir.json for 2,000 tasks.
    gc.disable()
    try:
        sys.exit(_run(sys.argv[1:]))
    except SystemExit:
        raise
    except (UsageError, ConfigurationError) as error:  # a usage or configuration mistake, not a crash
        sys.stderr.write(f"error: {error}\n")
        sys.exit(2)
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
