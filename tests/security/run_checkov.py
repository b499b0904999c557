"""`make security`: build the Terraform of every example and Terraform fixture, run checkov on it.

Usage: python tests/security/run_checkov.py --checkov .venv-checkov/bin/checkov [PIPELINE.py ...]

Without paths it takes examples/*/pipeline.py, tests/fixtures/terraform_*/*/pipeline.py and
tests/fixtures/aws_sfn/*/pipeline.py. The
Terraform of every case is written under one temporary directory (`--keep DIR` writes it there
instead) and checkov scans it once, offline. Exit status: 0 when no check failed, 1 when a check
failed or a file could not be parsed, 2 on a usage or internal error. Deliberate exceptions are
inline `# checkov:skip=ID:reason` comments in the generated HCL; they are listed, never failures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from terraform_tools import checkov_report, emit_pipeline, write_files


def default_cases() -> list[Path]:
    examples = sorted(REPO.glob("examples/*/pipeline.py"))
    fixtures = sorted([*REPO.glob("tests/fixtures/terraform_*/*/pipeline.py"),
                       *REPO.glob("tests/fixtures/aws_sfn/*/pipeline.py")])
    return examples + fixtures


def case_name(path: Path) -> str:
    relative = path.resolve().parent.relative_to(REPO) if path.resolve().is_relative_to(REPO) else path.parent
    return "__".join(relative.parts)


def build(cases: list[Path], root: Path) -> int:
    """Write the Terraform of every case under `root/<case>/`; returns how many cases have some."""
    count = 0
    for path in cases:
        files, compiled, _ = emit_pipeline(path)
        if compiled.has_errors:
            print(f"note: {path} has compile errors; building its Terraform anyway", file=sys.stderr)
        if files:
            write_files(files, root / case_name(path))
            count += 1
    return count


def report(root: Path, checkov: Path) -> int:
    failed, skipped, parse_errors = [], Counter(), []
    for run in checkov_report(root, checkov, quiet=False):
        results = run.get("results") or {}
        failed += results.get("failed_checks", [])
        skipped.update(c["check_id"] for c in results.get("skipped_checks", []))
        parse_errors += results.get("parsing_errors", [])
    for check in failed:
        print(f"FAILED {check['check_id']} {check.get('file_path')} {check.get('resource')}: "
              f"{check.get('check_name')}")
    for path in parse_errors:
        print(f"PARSE ERROR {path}")
    if skipped:
        print("deliberate skips (see docs/terraform.md): "
              + ", ".join(f"{check} x{count}" for check, count in sorted(skipped.items())))
    print(f"checkov: {len(failed)} failed check(s), {sum(skipped.values())} skipped, "
          f"{len(parse_errors)} parse error(s)")
    return 1 if failed or parse_errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", type=Path, default=REPO / ".venv-checkov" / "bin" / "checkov")
    parser.add_argument("--keep", type=Path, help="write the Terraform here instead of a temporary directory")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if not args.checkov.exists():
        print(f"checkov not found at {args.checkov} (make security installs it)", file=sys.stderr)
        return 2
    cases = args.paths or default_cases()
    with tempfile.TemporaryDirectory(prefix="glacier-checkov-") as temporary:
        root = args.keep or Path(temporary)
        count = build(cases, root)
        print(f"built Terraform for {count} of {len(cases)} pipeline(s) under {root}")
        if count == 0:
            return 0
        return report(root, args.checkov)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # noqa: BLE001 - an internal error: say what, never only a traceback
        print(f"run_checkov: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(2)
