"""`glacierc check`: settings, compile (or the cache), fixes, the report, the exit status.

Every user mistake is raised as a `UserError` (exit 2 at the entry point); this module returns 0 or 1.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

from glacierc.diagnostics.model import Severity
from glacierc.errors import UsageError
from glacierc.replay import Witness


def color_wanted(stream) -> bool:
    """FORCE_COLOR (non-empty) forces colour, NO_COLOR (non-empty) disables it, else only on a terminal."""
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def check(values: dict) -> int:
    from glacierc.cli_table import CHECK_FORMATS
    from glacierc.env_flags import parse_env
    from glacierc.settings import cli_layer, load_settings

    fmt = values["output_format"]
    if fmt not in CHECK_FORMATS:
        raise UsageError(f"unknown output format `{fmt}`; use one of {', '.join(CHECK_FORMATS)}")
    if values["diff"] and not values["fix"]:
        raise UsageError("--diff shows what --fix would change; give both")
    paths, stdin = _stdin(values)
    env = parse_env(values["env"])
    settings = load_settings(paths, config=values["config"],
                             cli=cli_layer(values["select"], values["ignore"], values["extend_select"]),
                             exclude=values["exclude"], extend_exclude=values["extend_exclude"])
    if stdin and values["fix"] and not values["diff"]:
        return _fix_stdin(values, paths, env, settings, stdin)
    witness = Witness(time.time_ns())
    report = _report(values, paths, env, settings, stdin, witness)
    if report is None:  # --diff printed instead
        return 1
    diagnostics, text = report
    _write(values["output_file"], text)
    status = _status(diagnostics, values)
    if not (values["output_file"] or values["fix"] or stdin):  # a report on stdout only: replayable
        from glacierc import cache, replay

        replay.record(cache.home(settings), witness, text, status)
    return status


def _stdin(values: dict) -> tuple[list[str], tuple[str, str] | None]:
    paths = list(values["paths"])
    if "-" not in paths:
        if values["stdin_filename"]:
            raise UsageError("--stdin-filename names the file read from standard input: give `-` as the PATH")
        return paths, None
    if paths != ["-"]:
        raise UsageError("`-` (standard input) must be the only PATH")
    name = values["stdin_filename"] or "stdin.py"
    return [name], (name, sys.stdin.read())


def checked(values: dict, paths: list[str], env: dict, settings, stdin: tuple[str, str] | None):
    """The compiled project as `check` sees it: with the Lambda packages measured when a wheelhouse is given
    (`--wheelhouse`) or configured, as `build` measures them."""
    from glacierc.driver import compile_project

    return compile_project(paths, env, settings, stdin=stdin, wheelhouse=values["wheelhouse"], measure_packages=True)


def _fix_stdin(values: dict, paths: list[str], env: dict, settings, stdin: tuple[str, str]) -> int:
    """`--fix` of standard input, as ruff does it: the fixed buffer on stdout (no file is written), the
    diagnostics that remain on stderr (or in --output-file)."""
    from glacierc.fixes import apply_edits

    name, text = stdin
    result = checked(values, paths, env, settings, stdin)
    piped = next((span for span, shown in result.files.items() if shown == name), name)
    edits = [edit for d in result.diagnostics if d.fix and d.span.file == piped for edit in d.fix.edits]
    fixed = apply_edits(result.texts.get(piped, text), edits) if edits else text
    if fixed != text:
        result = checked(values, paths, env, settings, (name, fixed))
    sys.stdout.write(fixed)
    sys.stdout.flush()
    report = _text(values, result.diagnostics, result.texts, result.files, color_wanted(sys.stderr))
    if values["output_file"]:
        _write(values["output_file"], report)
    else:
        sys.stderr.write(report)
    return _status(result.diagnostics, values)


def _report(values: dict, paths: list[str], env: dict, settings, stdin, witness) -> tuple[tuple, str] | None:
    """The diagnostics and their rendering: from the cache (keyed by every file of the PATHs' projects, so a
    hit needs no walk of its own), else compiled."""
    from glacierc import cache

    color = color_wanted(sys.stdout) and not values["output_file"]
    use_cache = not (values["no_cache"] or values["fix"] or stdin or os.environ.get("GLACIERC_NO_CACHE")
                     or _measures_wheels(values, paths, settings))
    key = cache.key(paths, env, settings, values, witness) if use_cache else None
    if key is None:
        witness.trusted = False
    stored = cache.load(key) if key else None
    if stored is not None:
        diagnostics, texts, files = stored
    else:
        added: frozenset[str] = frozenset()
        if stdin is None:  # an editor's buffer is checked with what it imports; PATHs with their whole project
            from glacierc.check_scope import project_paths

            paths, added = project_paths(paths, settings)
        result = _compiled(values, paths, env, settings, stdin, added)
        if result is None:
            return None
        diagnostics, texts, files = result.diagnostics, result.texts, result.files
        if key:
            cache.store(key, diagnostics, texts, files)
    return diagnostics, _text(values, diagnostics, texts, files, color)


def _measures_wheels(values: dict, paths: list[str], settings) -> bool:
    """Whether the check reads a wheelhouse (GLC415): the wheels lie outside what the cache key covers."""
    from glacierc.settings import wheelhouse

    return bool(values["wheelhouse"]) or wheelhouse(settings, paths) is not None


def _compiled(values: dict, paths, env, settings, stdin, added):
    from glacierc.check_scope import fixes_only_in_named

    result = fixes_only_in_named(checked(values, paths, env, settings, stdin), added)
    if not values["fix"]:
        return result
    from glacierc.fixes import apply_fixes

    if values["diff"]:
        sys.stdout.write(fix_diff(result))
        return None if any(d.fix for d in result.diagnostics) else result
    fixed = [d for d in result.diagnostics if d.fix]
    changed = apply_fixes(result)
    if changed:
        if not values["quiet"]:
            sys.stderr.write(f"fixed {changed} file{'s' * (changed != 1)}\n")
        if values["show_fixes"]:
            _show_fixes(fixed, result.files)
        result = fixes_only_in_named(checked(values, paths, env, settings, None), added)
    return result


def fix_diff(result) -> str:
    """What --fix would change, as a unified diff per file (`--- a/FILE`, `+++ b/FILE`)."""
    import difflib

    from glacierc.diagnostics.render import printable
    from glacierc.fixes import apply_edits

    by_file: dict[str, list] = {}
    for diagnostic in result.diagnostics:
        if diagnostic.fix:
            by_file.setdefault(diagnostic.span.file, []).extend(diagnostic.fix.edits)
    chunks: list[str] = []
    for name, edits in sorted(by_file.items()):
        old = result.texts.get(name)
        if old is None:
            continue
        shown = printable(result.files.get(name, name))
        chunks += difflib.unified_diff(old.splitlines(keepends=True), apply_edits(old, edits).splitlines(keepends=True),
                                       f"a/{shown}", f"b/{shown}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def _show_fixes(fixed, files) -> None:
    from glacierc.diagnostics.render import printable

    for diagnostic in fixed:
        shown = printable(files.get(diagnostic.span.file, diagnostic.span.file))
        sys.stderr.write(f"fixed: {shown}:{diagnostic.span.line}:{diagnostic.span.column}: {diagnostic.code} "
                         f"{printable(diagnostic.fix.message)}\n")


def _text(values: dict, diagnostics, texts, files, color: bool) -> str:
    from glacierc.diagnostics.render import render

    if values["statistics"]:
        return statistics(diagnostics)
    text = render(values["output_format"], diagnostics, texts, files, color=color, quiet=values["quiet"],
                  rules=_rules(values["output_format"]))
    if values["show_fixes"] and not values["fix"]:
        text += _available_fixes(diagnostics, values["output_format"])
    return text


def _rules(fmt: str):
    """The catalogue, for the formats that document their rules (it loads every rule module: only then)."""
    from glacierc.diagnostics.render import RULE_FORMATS

    if fmt not in RULE_FORMATS:
        return None
    from glacierc.checks.catalogue import RULES

    return RULES


def _available_fixes(diagnostics, fmt: str) -> str:
    if fmt not in ("full", "concise"):
        return ""
    count = sum(1 for d in diagnostics if d.fix)
    return f"{count} fix{'es' * (count != 1)} available with `glacierc check --fix`.\n" if count else ""


def statistics(diagnostics) -> str:
    """One line per code: count, code, name, `[*]` when every one of them has a fix (as ruff prints)."""
    from glacierc.checks.catalogue import RULES

    counts = Counter(d.code for d in diagnostics)
    fixable = Counter(d.code for d in diagnostics if d.fix)
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "".join(f"{counts[code]:>{width}}\t{code}\t{'[*]' if fixable[code] == counts[code] else '[ ]'} "
                   f"{RULES[code].name if code in RULES else ''}\n"
                   for code in sorted(counts, key=lambda c: (-counts[c], c)))


def _write(output_file: str | None, text: str) -> None:
    if not output_file:
        sys.stdout.write(text)
        return
    path = Path(output_file)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        from glacierc.diagnostics.render import printable

        raise UsageError(f"--output-file: cannot write `{printable(output_file)}`: "
                         f"{printable(error.strerror or str(error))}") from None


def _status(diagnostics, values: dict) -> int:
    failing = {Severity.ERROR, Severity.WARNING} if values["fail_on_warnings"] else {Severity.ERROR}
    failed = any(d.severity in failing for d in diagnostics)
    return 0 if values["exit_zero"] or not failed else 1
