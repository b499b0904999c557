"""The parent process: runs the worker in a child, restarts it after a native crash or a hang (the culprit is
the input it was running), re-runs that input alone to confirm it, and saves every crashing input as a
regression fixture."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from glacierc.fuzzing.cases import REPO, Case
from glacierc.fuzzing.target import Crash

DEFAULT_REGRESSIONS = REPO / "tests" / "fixtures" / "fuzz_regressions"
HANG_SECONDS = 120.0
KEEP_PER_SIGNATURE = 3


@dataclass(slots=True)
class Report:
    inputs: int = 0
    seconds: float = 0.0
    crashes: list[tuple[Crash, Case]] = field(default_factory=list)
    saved: list[Path] = field(default_factory=list)

    @property
    def signatures(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for crash, _ in self.crashes:
            counts[crash.signature] = counts.get(crash.signature, 0) + 1
        return counts


@dataclass(frozen=True, slots=True)
class Budget:
    seconds: float
    inputs: int = 2**62
    seed: int = 0
    hypothesis_every: int = 25
    hang_seconds: float = HANG_SECONDS
    migrate: bool = False
    selftest: tuple[str, ...] = ()  # e.g. ("--selftest-segfault-at", "3"): proves the supervisor recovers


def fuzz(budget: Budget, corpus: list[Path], regressions: Path | None, log=print) -> Report:
    report = Report()
    started = time.time()
    deadline = started + budget.seconds
    with tempfile.TemporaryDirectory(prefix="glacierc-fuzz-", ignore_cleanup_errors=True) as temporary:
        work = Path(temporary)
        start = 0
        while start < budget.inputs and time.time() < deadline:
            start = _run_worker(work, budget, corpus, start, deadline, report, log)
    report.seconds = time.time() - started
    if regressions is not None:
        report.saved = save_regressions(report, regressions)
    return report


def _run_worker(work: Path, budget: Budget, corpus: list[Path], start: int, deadline: float, report: Report,
                log) -> int:
    """One worker process from case `start`; returns where the next one starts (past a native crash)."""
    for name in ("events.jsonl", "faults.log", "worker.log"):
        (work / name).write_text("")
    (work / "current.index").unlink(missing_ok=True)
    command = [sys.executable, "-m", "glacierc.fuzzing.worker", "--work", str(work), "--seed", str(budget.seed),
               "--start", str(start), "--stop", str(budget.inputs), "--deadline", str(deadline),
               "--hypothesis-every", str(budget.hypothesis_every), *_corpus_args(corpus), *budget.selftest,
               *(["--migrate"] if budget.migrate else [])]
    with (work / "worker.log").open("a") as log_file:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log_file)
    seen, last, base = 0, time.monotonic(), report.inputs
    while True:
        events = [json.loads(line) for line in (work / "events.jsonl").read_text().splitlines()[seen:]]
        for event in events:
            if event["event"] == "crash":
                _record(report, Crash(**event["crash"]), Path(event["case"]), log)
            report.inputs = base + event["inputs"]
            if event["event"] == "done":
                child.wait()
                return budget.inputs
        if events:
            seen, last = seen + len(events), time.monotonic()
        code = child.poll()
        if code is not None or time.monotonic() - last > budget.hang_seconds:
            return _lost_worker(work, child, code, base, report, budget, log)
        time.sleep(0.1)


def _lost_worker(work: Path, child: subprocess.Popen, code: int | None, base: int, report: Report,
                 budget: Budget, log) -> int:
    """The worker died (a native crash) or hung: the input in WORK/current is the culprit. Returns the
    case to go on from."""
    if code is None:
        child.kill()
        child.wait()
    logs = "".join((work / name).read_text(errors="replace")[-3000:] for name in ("faults.log", "worker.log"))
    if not (work / "current.index").exists():
        raise RuntimeError(f"the fuzz worker failed before its first input:\n{logs}")
    culprit = json.loads((work / "current.index").read_text())
    report.inputs = base + culprit["inputs"] + 1
    kind = "timeout" if code is None else "native"
    kept = work / "lost" / str(len(report.crashes))
    shutil.copytree(work / "current", kept)
    shutil.copy(work / "current.json", kept.parent / f"{kept.name}.json")
    replayed = _replay(kept, budget)
    detail = f"worker exit status {code}; replayed alone: {replayed}\n{logs}"
    signature = f"{kind} crash ({'reproducible' if replayed != 'ok' else 'flaky'})"
    _record(report, Crash(kind, "?", signature, detail), kept, log)
    return culprit["index"] + 1


def _replay(case_dir: Path, budget: Budget) -> str:
    with tempfile.TemporaryDirectory(prefix="glacierc-replay-") as temporary:
        command = [sys.executable, "-m", "glacierc.fuzzing.worker", "--work", temporary, "--replay", str(case_dir),
                   *(["--migrate"] if budget.migrate else [])]
        try:
            done = subprocess.run(command, capture_output=True, timeout=budget.hang_seconds, check=False)
        except subprocess.TimeoutExpired:
            return "hangs"
        return "ok" if done.returncode == 0 else f"exit status {done.returncode}"


def _corpus_args(corpus: list[Path]) -> list[str]:
    return [arg for directory in corpus for arg in ("--corpus", str(directory))]


def _record(report: Report, crash: Crash, case_dir: Path, log) -> None:
    case = Case.read(case_dir)
    report.crashes.append((crash, case))
    log(f"CRASH {crash.signature} ({case.origin})\n{crash.detail.rstrip()[-1500:]}\n")


def save_regressions(report: Report, directory: Path) -> list[Path]:
    """Every crashing input as tests/fixtures/fuzz_regressions/<hash>.py (a directory when the case has
    several files or `-e` values), at most KEEP_PER_SIGNATURE of the smallest per distinct crash."""
    saved: list[Path] = []
    kept: dict[str, int] = {}
    for crash, case in sorted(report.crashes, key=lambda item: sum(len(content) for _, content in item[1].files)):
        if kept.get(crash.signature, 0) >= KEEP_PER_SIGNATURE:
            continue
        path = save_case(case, directory)
        if path not in saved:
            kept[crash.signature] = kept.get(crash.signature, 0) + 1
            saved.append(path)
    return saved


def save_case(case: Case, directory: Path) -> Path:
    digest = hashlib.sha256(repr((case.files, case.env, case.target)).encode()).hexdigest()[:16]
    directory.mkdir(parents=True, exist_ok=True)
    single = len(case.files) == 1 and case.files[0][0] == "pipeline.py" and not case.env
    if single:
        path = directory / f"{digest}.py"
        path.write_bytes(case.files[0][1])
        return path
    path = directory / digest
    for name, content in case.files:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(content)
    if case.env:
        (path / "env.txt").write_text("".join(f"{k}={v}\n" for k, v in case.env))
    return path


def default_regressions() -> Path | None:
    return DEFAULT_REGRESSIONS if DEFAULT_REGRESSIONS.parent.is_dir() and os.access(REPO, os.W_OK) else None
