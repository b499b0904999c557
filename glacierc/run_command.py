"""`glacierc run PATH [--pipeline NAME] [runner flags]`: build the runner, then run it.

The project is built into a temporary directory with `glacierc.driver.build` (the same artifacts
`glacierc build` writes), and `runners/<pipeline>.py` runs as a child process of the current Python,
in the current working directory, with every runner flag passed through (`--data-dir`,
`--storage-option`, `--dry-run`, `--report`, `--select`, ...). Its exit status is returned;
SIGINT and SIGTERM are forwarded to it and waited for.
This is the only command that executes pipeline code, and it does so only through the runner.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from glacierc.diagnostics.model import Severity
from glacierc.pipeline_choice import FAILED, choose_pipeline, show_diagnostics



def run_command(paths: list[str], pipeline: str | None, runner_args: list[str], env: dict[str, str]) -> int:
    """Build `paths`, run the runner of `pipeline` (the only one when None) with `runner_args`; with
    `--cloud` among them, start and follow the deployed execution instead (glacierc/cloud_run.py)."""
    if "--cloud" in runner_args:
        from glacierc.cloud_run import cloud_run

        return cloud_run(paths, pipeline, runner_args, env)
    with tempfile.TemporaryDirectory(prefix="glacierc-run-") as scratch:
        runner = build_runner(paths, pipeline, Path(scratch) / "out", env)
        if isinstance(runner, int):
            return runner
        return run_child([sys.executable, str(runner), *runner_args])


def run_child(command: list[str]) -> int:
    """Run the runner and wait for it. SIGINT and SIGTERM are forwarded to it and waited for (it rolls
    back and exits), so no runner is left behind to commit after the user stopped the run. Returns its
    exit status, 128 + the signal when a signal ended it."""
    child = subprocess.Popen(command)
    forward = {signal.SIGINT, signal.SIGTERM}

    def handler(signum: int, frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    in_main = threading.current_thread() is threading.main_thread()  # only there can handlers be set
    previous = {signum: signal.signal(signum, handler) for signum in forward} if in_main else {}
    try:
        code = child.wait()
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
    return 128 - code if code < 0 else code


def build_runner(paths: Sequence[str], pipeline: str | None, out: Path, env: Mapping[str, str]) -> Path | int:
    """The runner file of `pipeline` built under `out`, or an exit status after printing why not."""
    from glacierc.backends.runner import emit_with_diagnostics, runner_path
    from glacierc.driver import build
    from glacierc.output import OutputError

    try:
        result = build(list(paths), out, dict(env))
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    compiled = result.compiled
    if compiled.has_errors:
        show_diagnostics(compiled.diagnostics, compiled)
        print("error: the pipeline has errors; nothing was run", file=sys.stderr)
        return FAILED
    chosen = choose_pipeline(compiled.project, pipeline)
    if isinstance(chosen, int):
        return chosen
    relative = runner_path(chosen)
    text = result.files.get(relative)
    diagnostics = list(result.diagnostics)
    if text is None:  # a build without the runner backend, or one stopped by another backend's errors
        files, found = emit_with_diagnostics(compiled.project, compiled.sources)
        text = files[relative]
        diagnostics += [d for d in found if d not in diagnostics]
    show_diagnostics([d for d in diagnostics if d.severity is not Severity.INFO], compiled)
    if not result.written and result.has_errors:
        print("note: other artifacts of the build have errors (see above); running the pipeline anyway",
              file=sys.stderr)
    target = out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(str(text), encoding="utf-8")
    return target


def run_example(example: str | Path, work_dir: str | Path) -> int:
    """`make demo`: run `examples/<name>/pipeline.py` on a fresh copy of its sample data in `work_dir`.

    The sample data (examples/<name>/data, laid out as <bucket>/<path>) is copied to
    `work_dir/data`, so outputs land there and the repository stays clean.
    """
    example, work_dir = Path(example), Path(work_dir)
    data = work_dir / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(example / "data", data)
    print(f"== {example.name}: glacierc run {example / 'pipeline.py'} --data-dir {data} ==", flush=True)
    return run_command([str(example / "pipeline.py")], None, ["--data-dir", str(data)], {})
