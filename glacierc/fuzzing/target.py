"""One input through `check`, `analyze` and `build`, in-process, as the CLI runs them. A crash is anything a
user would see as exit 2: an exception escaping the compiler, or output that breaks the compiler's promises
(a build that writes outside OUT, a diagnostic without a code or a position)."""

from __future__ import annotations

import contextlib
import io
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

_CODE = re.compile(r"GLC\d{3}")


@dataclass(frozen=True, slots=True)
class Crash:
    kind: str  # exception | invariant | native | timeout
    stage: str  # check | analyze | fix | build
    signature: str  # what makes two crashes the same bug: the error type and where it was raised
    detail: str  # the traceback or the broken promise

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "stage": self.stage, "signature": self.signature, "detail": self.detail}


class Broken(Exception):
    """A promise of the compiler that the output does not keep."""


def run_case(paths: list[str], env: dict[str, str], out: Path, *, migrate: bool = False) -> Crash | None:
    """Run `paths` through check (every output format), analyze (JSON and tables), `check --fix`, graph
    (DOT and Mermaid of each pipeline) and build; with `migrate`, also `glacierc migrate`. None: no crash."""
    from glacierc.env_flags import parse_env
    from glacierc.errors import ConfigurationError, UsageError

    stage = "check"
    try:
        env = parse_env([f"{name}={value}" for name, value in sorted(env.items())])  # as the CLI takes `-e`
        result = _check(paths, env)
        stage = "analyze"
        _analyze(result)
        if any(d.fix for d in result.diagnostics):
            stage = "fix"
            result = _fix(result, paths, env)
        if migrate:
            stage = "migrate"
            _migrate(result)
        if not result.has_errors:  # with errors, `graph` and `build` stop after `check`
            stage = "graph"
            _graph(result)
            stage = "build"
            _build(paths, env, out)
    except KeyboardInterrupt:
        raise
    except (UsageError, ConfigurationError):  # exit 2 with a message, by design: not a crash
        return None
    except BaseException as error:  # noqa: BLE001 - catching everything is what a fuzzer is for
        return Crash("invariant" if isinstance(error, Broken) else "exception", stage, _signature(error, stage),
                     "".join(traceback.format_exception(error)))
    return None


def _check(paths: list[str], env: dict[str, str]):
    from glacierc.checks.catalogue import RULES
    from glacierc.diagnostics.render import FORMATS, render
    from glacierc.driver import compile_project

    from glacierc.diagnostics.render import printable

    result = compile_project(paths, env)
    for fmt in FORMATS:
        shown = render(fmt, result.diagnostics, result.texts, result.files, color=fmt == "full", rules=RULES)
        shown.encode("utf-8")  # a lone surrogate would crash the write to stdout
        raw = [line for line in shown.split("\n") if printable(line) != line and fmt != "full"]
        if raw:
            raise Broken(f"{fmt} output shows a raw control character: {printable(raw[0])[:80]}")
    for diagnostic in result.diagnostics:
        span = diagnostic.span
        if not _CODE.fullmatch(diagnostic.code) or span.line < 1 or span.column < 1:
            raise Broken(f"diagnostic without a code or a position: {diagnostic}")
    return result


def _analyze(result) -> None:
    from glacierc.ir.serialize import to_json
    from glacierc.table import print_tables

    to_json(result.project, result.diagnostics).encode("utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        print_tables(result)


def _fix(result, paths: list[str], env: dict[str, str]):
    from glacierc.driver import compile_project
    from glacierc.fixes import apply_fixes

    apply_fixes(result)
    return compile_project(paths, env)


def _migrate(result) -> None:
    from glacierc.migrate import migrate_source

    for name, text in sorted(result.texts.items()):
        for problem in migrate_source(text, name).unmigrated:
            if "internal error" in problem.reason:  # the migration hides its exceptions behind this note
                raise Broken(f"migrate: {problem.reason}")


def _graph(result) -> None:
    from glacierc.backends.graph.command import graph_command

    for pipeline in result.project.pipelines:
        for fmt in ("dot", "mermaid"):
            selection = [f"{pipeline.nodes[0].id}+"] if pipeline.nodes and fmt == "dot" else []
            code, _, error = graph_command(result.project, pipeline.name, fmt, None, selection)
            if code != 0:
                raise Broken(f"graph of `{pipeline.name}` exits {code}: {error}")


def _build(paths: list[str], env: dict[str, str], out: Path) -> None:
    from glacierc.driver import build

    built = build(paths, out, env)
    for name in built.files:
        parts = name.split("/")
        if name.startswith("/") or "\\" in name or "\0" in name or any(p in ("", ".", "..") for p in parts):
            raise Broken(f"artifact name escapes OUT or is not a plain relative path: {name!r}")
    for name, content in sorted(built.files.items()):
        if name.endswith(".tf") and isinstance(content, str) and re.search(r"s3:::[^\"/]*[*?]", content):
            raise Broken(f"an IAM resource with a wildcard bucket in {name}")
    strays = sorted(p.name for p in out.parent.iterdir() if p.name != out.name) if out.parent.exists() else []
    if strays:
        raise Broken(f"build left files beside OUT: {strays}")


def _signature(error: BaseException, stage: str) -> str:
    """The error type and the innermost frame in glacierc (or the innermost frame at all)."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/glacierc/" in f.filename.replace("\\", "/") and "/fuzzing/" not in f.filename]
    innermost = ours or list(frames)
    frame = innermost[-1] if innermost else None
    where = f"{frame.filename.rsplit('/glacierc/', 1)[-1]}:{frame.lineno}" if frame else "?"
    if isinstance(error, Broken):
        where = re.sub(r"\d+", "N", str(error))[:80]
    return f"{type(error).__name__} in {stage} at {where}"
