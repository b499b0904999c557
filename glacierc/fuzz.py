"""`python -m glacierc.fuzz` (`make fuzz`): fuzz check, analyze and build for a time budget and save every
crashing input as a regression fixture under tests/fixtures/fuzz_regressions/. Exit 1 when anything crashed.

    python -m glacierc.fuzz --minutes 5 [--seed S] [--corpus DIR]... [--inputs N] [--regressions DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from glacierc.fuzzing.cases import DEFAULT_CORPUS
from glacierc.fuzzing.supervisor import Budget, default_regressions, fuzz


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m glacierc.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="time budget (default 5)")
    parser.add_argument("--inputs", type=int, default=2**62, help="stop after this many cases")
    parser.add_argument("--seed", type=int, default=0, help="the same seed runs the same cases")
    parser.add_argument("--corpus", type=Path, action="append",
                        help="seed sources (repeatable; default: examples/ and tests/fixtures/)")
    parser.add_argument("--regressions", type=Path, default=default_regressions(),
                        help="where crashing inputs are saved (default: tests/fixtures/fuzz_regressions)")
    parser.add_argument("--hypothesis-every", type=int, default=25,
                        help="every Nth case is a batch of hypothesis examples (0: never)")
    parser.add_argument("--migrate", action="store_true", help="also run `glacierc migrate` on every input")
    args = parser.parse_args(argv)
    budget = Budget(args.minutes * 60, args.inputs, args.seed, args.hypothesis_every, migrate=args.migrate)
    report = fuzz(budget, list(args.corpus or DEFAULT_CORPUS), args.regressions, log=_log)
    rate = report.inputs / report.seconds if report.seconds else 0.0
    print(f"fuzzed {report.inputs} inputs in {report.seconds:.0f} s ({rate:.1f}/s), seed {args.seed}: "
          f"{len(report.crashes)} crashes, {len(report.signatures)} distinct")
    for signature, count in sorted(report.signatures.items()):
        print(f"  {count:5d}  {signature}")
    for path in report.saved:
        print(f"saved {path}")
    return 1 if report.crashes else 0


def _log(message: str) -> None:
    sys.stderr.write(message + "\n")


if __name__ == "__main__":
    sys.exit(main())
