"""The `glacierc` entry point, and the one place where errors become exit statuses.

`glacierc check` is what pre-commit hooks, editors and CI run on every change, so its start-up time is the
product's latency. A repeated check of an unchanged project is replayed before anything else is loaded
(glacierc/replay.py). Every other command line is parsed with argparse (glacierc/fast_parser.py), without
loading typer (whose import and command building cost about as much as checking a small file; see
docs/benchmarks.md), for every command whose options the table fully declares (all but `run`, which passes
unknown flags on to the runner). Both that parser and the typer app of glacierc/cli.py are built from the one
table in glacierc/cli_table.py and hand the same `{dest: value}` to `glacierc.commands.run`. `--help`,
`--version`, a usage error and `run` go to typer.

Exit statuses: what a command returns (0 clean, 1 the input has errors); 2 for a `UserError` (usage or
configuration) and for an internal error; 130 when interrupted.
"""

from __future__ import annotations

import gc
import sys


def _run(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        from glacierc.replay import replayed

        status = replayed(argv[1:])  # a repeated check of an unchanged project: no parser, no settings
        if status is not None:
            return status
    from glacierc.class_code import install

    install()  # before any dataclass is defined: their methods' compiled code is kept between runs
    from glacierc.cli_table import COMMANDS
    from glacierc.fast_parser import parse_fast

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
