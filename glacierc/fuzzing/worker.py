"""The worker process: runs case after case until its budget is spent, reporting through an events file.

Before each input runs, its pristine copy is written to WORK/current: when LibCST crashes natively (a
segfault ends the process) or an input hangs, the supervisor finds the culprit there."""

from __future__ import annotations

import argparse
import faulthandler
import importlib.util
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from glacierc.fuzzing.cases import DEFAULT_CORPUS, Case, Corpus, load_corpus, make_case
from glacierc.fuzzing.target import run_case

HYPOTHESIS_BATCH = 20


class Worker:
    def __init__(self, work: Path, corpus: Corpus, migrate: bool = False) -> None:
        self.work, self.corpus, self.migrate = work, corpus, migrate
        self.events = (work / "events.jsonl").open("a", buffering=1)
        self.inputs = self.crashes = 0
        self.index = 0
        self._last_progress = 0.0
        self.sabotage: dict[int, Callable[[], object]] = {}

    def emit(self, event: str, **fields) -> None:
        self.events.write(json.dumps({"event": event, "index": self.index, "inputs": self.inputs, **fields}) + "\n")

    def run(self, case: Case) -> None:
        case.write(self.work / "current")
        (self.work / "current.index").write_text(json.dumps({"index": self.index, "inputs": self.inputs}))
        if self.index in self.sabotage:  # self-test of the supervisor: die or hang like a native crash would
            self.sabotage.pop(self.index)()
        paths = case.write(self.work / "run")
        crash = run_case(paths, dict(case.env), self.work / "out" / "OUT", migrate=self.migrate)
        self.inputs += 1
        if crash is not None:
            self.crashes += 1
            kept = self.work / "crashes" / f"{os.getpid()}-{self.crashes}"  # unique across worker restarts
            shutil.copytree(self.work / "current", kept)
            shutil.copy(self.work / "current.json", kept.parent / f"{kept.name}.json")
            self.emit("crash", case=str(kept), origin=case.origin, crash=crash.to_dict())
        if time.monotonic() - self._last_progress > 1:
            self._last_progress = time.monotonic()
            self.emit("progress")

    def loop(self, seed: int, start: int, stop: int, deadline: float, hypothesis_every: int) -> None:
        self.index = start
        if importlib.util.find_spec("hypothesis") is None:  # a dev dependency; without it, only the seeded engine
            hypothesis_every = 0
        while self.index < stop and time.time() < deadline:
            if hypothesis_every and self.index % hypothesis_every == hypothesis_every - 1:
                self.hypothesis_batch(seed)
            else:
                self.run(make_case(seed, self.index, self.corpus))
            self.index += 1
        self.emit("done")

    def hypothesis_batch(self, seed: int) -> None:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as fixed_seed

        from glacierc.fuzzing.strategies import cases

        @fixed_seed(seed * 1_000_003 + self.index)
        @settings(max_examples=HYPOTHESIS_BATCH, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(cases(self.corpus))
        def probe(case: Case) -> None:
            self.run(case)

        probe()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m glacierc.fuzzing.worker")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--stop", type=int, default=2**62)
    parser.add_argument("--deadline", type=float, default=float("inf"))
    parser.add_argument("--hypothesis-every", type=int, default=25)
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--replay", type=Path, help="run one saved case (a directory written by Case.write)")
    parser.add_argument("--migrate", action="store_true", help="also run `glacierc migrate` on every input")
    parser.add_argument("--selftest-segfault-at", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--selftest-hang-at", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--selftest-raise-at", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    faulthandler.enable((args.work / "faults.log").open("a"))
    corpus = load_corpus(tuple(args.corpus) if args.corpus else DEFAULT_CORPUS)
    worker = Worker(args.work, corpus, args.migrate)
    if args.selftest_segfault_at is not None:
        worker.sabotage[args.selftest_segfault_at] = _segfault
    if args.selftest_hang_at is not None:
        worker.sabotage[args.selftest_hang_at] = lambda: time.sleep(3600)
    if args.selftest_raise_at is not None:
        worker.sabotage[args.selftest_raise_at] = _break_compiler_once
    if args.replay:
        worker.run(Case.read(args.replay))
        worker.emit("done")
    else:
        worker.loop(args.seed, args.start, args.stop, args.deadline, args.hypothesis_every)


def _segfault() -> None:
    """Self-test only: crash this worker process the way a native parser bug would."""
    import ctypes

    ctypes.string_at(0)


def _break_compiler_once() -> None:
    """Self-test: the next compilation raises, as a compiler bug would."""
    from glacierc import driver

    real = driver.compile_project

    def broken(*args, **kwargs):
        driver.compile_project = real
        raise RuntimeError("fuzzer self-test: a compiler bug")

    driver.compile_project = broken


if __name__ == "__main__":
    main()
