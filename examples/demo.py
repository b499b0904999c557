"""`make demo`: compile every bundled example and run its generated Polars runner on the sample data.

For each example: `glacierc build` writes ir.json, terraform/, graphs/ and runners/ to out/demo/<name>/build,
then the standalone runner runs on a fresh copy of the sample data in out/demo/<name>/data, printing one
progress line per node and where its outputs went.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from glacierc.driver import build
from glacierc.run_command import run_example

EXAMPLES = Path(os.path.relpath(Path(__file__).resolve().parent))  # as shown in the output
NAMES = ("quickstart", "aws_etl", "gcp_analytics")


def build_example(name: str, out: Path) -> bool:
    result = build([str(EXAMPLES / name / "pipeline.py")], out)
    files = sorted(result.files)
    print(f"== {name}: glacierc build -> {out} ({len(files)} files) ==")
    for path in files:
        print(f"   {path}")
    return result.written


def main() -> int:
    out = Path("out") / "demo"
    failures = 0
    for name in NAMES:
        if not build_example(name, out / name / "build"):
            failures += 1
            continue
        failures += run_example(EXAMPLES / name, out / name) != 0
        print()
    print(f"Demo finished: {len(NAMES) - failures} of {len(NAMES)} examples built and ran. "
          f"Artifacts and outputs are under {out}/.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
