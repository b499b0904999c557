"""The one definition of the command line: every command, its arguments and options, with help text.

Both parsers are built from this table: the argparse fast path of `glacierc check` (glacierc/entry.py, no
typer import) and the typer app of every command (glacierc/cli.py). Each parser turns a command line into
`{dest: value}` for the command's options and arguments, and `glacierc.commands.run(name, values)` does the
rest; so both hand the commands the same values by construction. This module imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Option kinds: a boolean `flag`, a `value` given once (the last one wins), a `multi` value repeatable.
FLAG, VALUE, MULTI = "flag", "value", "multi"


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a command: its flags, where its value goes, its kind and help."""

    flags: tuple[str, ...]
    dest: str
    kind: str
    help: str
    metavar: str | None = None
    default: str | None = None  # only for VALUE; a flag defaults to False, a multi to None


@dataclass(frozen=True, slots=True)
class Argument:
    """One positional argument of a command."""

    dest: str
    many: bool  # one or more (`PATH...`), else exactly one
    help: str
    optional: bool = False  # only for `many=False`


@dataclass(frozen=True, slots=True)
class Command:
    """One CLI command, as both parsers build it."""

    name: str
    help: str
    arguments: tuple[Argument, ...]
    options: tuple[Option, ...]
    extra_args: bool = False  # `run` passes unknown flags on to the runner


def _env() -> Option:
    return Option(("--env", "-e"), "env", MULTI, "Static value of an environment variable read with os.getenv.",
                  "NAME=VALUE")


def _wheelhouse(what: str) -> Option:
    return Option(("--wheelhouse",), "wheelhouse", VALUE, f"{what} (overrides `wheelhouse` in [tool.glacierc]).",
                  "DIR")


CHECK_FORMATS = ("full", "concise", "json", "json-ruff", "sarif", "github", "gitlab", "junit")
_PATHS = Argument("paths", True, "Python files or directories (compiled as one project); `-` reads standard input.")

CHECK = Command("check", "Report diagnostics for pipeline files.", (_PATHS,), (
    Option(("--output-format",), "output_format", VALUE, "|".join(CHECK_FORMATS), "FORMAT", "full"),
    Option(("--output-file", "-o"), "output_file", VALUE, "Write the report to this file instead of stdout.", "FILE"),
    Option(("--select",), "select", MULTI, "Only these codes or prefixes (comma-separated); replaces the "
           "configuration's selection.", "CODES"),
    Option(("--extend-select",), "extend_select", MULTI, "Also these codes or prefixes (comma-separated).", "CODES"),
    Option(("--ignore",), "ignore", MULTI, "Skip these codes or prefixes (comma-separated).", "CODES"),
    Option(("--exclude",), "exclude", MULTI, "Skip these globs in directory walks (comma-separated); replaces the "
           "configuration's `exclude`.", "GLOBS"),
    Option(("--extend-exclude",), "extend_exclude", MULTI, "Also skip these globs in directory walks "
           "(comma-separated).", "GLOBS"),
    Option(("--config",), "config", VALUE, "Use this pyproject.toml (or a TOML file with a [tool.glacierc] table "
           "or top-level keys) instead of searching for one.", "PATH"),
    Option(("--stdin-filename",), "stdin_filename", VALUE, "The name of the file read from standard input "
           "(PATH `-`).", "NAME"),
    Option(("--exit-zero",), "exit_zero", FLAG, "Exit 0 even when errors are found."),
    Option(("--fail-on-warnings",), "fail_on_warnings", FLAG, "Exit 1 when warnings are found too."),
    Option(("--fix",), "fix", FLAG, "Apply the fixes attached to diagnostics."),
    Option(("--diff",), "diff", FLAG, "With --fix: print the fixes as a unified diff, change no file."),
    Option(("--show-fixes",), "show_fixes", FLAG, "List the fixes applied (with --fix) or available."),
    Option(("--statistics",), "statistics", FLAG, "Print the number of diagnostics per code instead of each one."),
    Option(("--quiet", "-q"), "quiet", FLAG, "Print diagnostics only: no summary line, no `fixed` note."),
    Option(("--no-cache",), "no_cache", FLAG, "Neither read nor write .glacierc_cache/."),
    _wheelhouse("Measure the Lambda packages and layers against Lambda's size limit with the wheels in DIR"),
    _env(),
))

COMMANDS: dict[str, Command] = {command.name: command for command in (
    CHECK,
    Command("analyze", "Print the IR: pipelines, nodes, executors, levels.", (_PATHS,), (
        Option(("--format",), "format", VALUE, "table|json", "FORMAT", "table"),
        Option(("--columns",), "columns", FLAG, "Print the columns of every node and, for each written column, "
               "the source columns it derives from."), _env())),
    Command("build", "Write ir.json, terraform/, graphs/ and runners/ into OUT, atomically.", (_PATHS,), (
        Option(("--output", "-o"), "output", VALUE, "Output directory.", "OUT", "glacier-out"),
        Option(("--check",), "check", FLAG, "Exit 1 if OUT is not up to date; write nothing."),
        _wheelhouse("Pack the Lambda layers from the wheels in DIR"), _env())),
    Command("graph", "Draw the DAG of a pipeline (DOT on stdout by default).",
            (Argument("paths", True, "A Python file or directory."),), (
        Option(("--pipeline", "-p"), "pipeline", VALUE, "Pipeline name.", "NAME"),
        Option(("--format", "-f"), "format", VALUE, "dot|svg|png|mermaid", "FORMAT"),
        Option(("--output", "-o"), "output", VALUE, "Write to this file.", "FILE"),
        Option(("--select", "-s"), "select", MULTI, "dbt-style selection: NODE, +NODE (ancestors), NODE+ "
               "(descendants), 2+NODE, NODE+1, @NODE, tag:NAME, path:FILE.", "SEL"),
        Option(("--exclude",), "exclude", MULTI, "Leave out what these selectors pick (same syntax as --select).",
               "SEL"),
        Option(("--columns",), "columns", FLAG, "Label data edges with the columns that flow along them."),
        _env())),
    Command("run", "Build the standalone runner and run it; other flags (--dry-run, --report, --storage-option, "
            "--max-parallel, "
            "--select, --exclude, --from, --until, --checkpoint, --resume, --engine) go to the runner. With --cloud "
            "[-o OUT | --state-machine-arn ARN] [--report FILE]: start and follow the deployed AWS execution instead.",
            (Argument("path", False, "A Python file or directory (several compile together)."),), (
        Option(("--pipeline", "-p"), "pipeline", VALUE, "Pipeline name.", "NAME"),
        Option(("--data-dir",), "data_dir", VALUE, "Bucket b with path p maps to DIR/b/p.", "DIR"),
        _env()), extra_args=True),
    Command("migrate", "Rewrite old-API code (AWSProvider, GlacierEnv, executor=\"...\") to the current language.",
            (_PATHS,), (
        Option(("--diff",), "diff", FLAG, "Print a unified diff (the default)."),
        Option(("--write",), "write", FLAG, "Rewrite the files in place, atomically."))),
    Command("rule", "Explain a diagnostic code, or list them all.",
            (Argument("code", False, "A diagnostic code, e.g. GLC302 (`all` lists them).", optional=True),), (
        Option(("--all",), "all", FLAG, "List every code."),
        Option(("--output-format",), "output_format", VALUE, "text|json", "FORMAT", "text"))),
)}


def defaults(command: Command) -> dict[str, object]:
    """The value of every option not given on the command line."""
    return {o.dest: (False if o.kind == FLAG else o.default) for o in command.options}
