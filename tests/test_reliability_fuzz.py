"""The fuzzer as part of `make test`: a small fixed-seed run must find no crash, and the fuzzer itself must
survive what it hunts for (a native crash of the worker, a hang, a compiler exception) and keep the culprit."""

from __future__ import annotations

from glacierc.fuzzing.cases import DEFAULT_CORPUS, EXAMPLES_ONLY, load_corpus, make_case
from glacierc.fuzzing.supervisor import Budget, fuzz
from glacierc.fuzzing.target import run_case

SEED = 20_240_501


def test_fixed_seed_run_finds_no_crash(tmp_path):
    report = fuzz(Budget(seconds=120, inputs=300, seed=SEED), list(DEFAULT_CORPUS), tmp_path / "regressions",
                  log=lambda message: None)
    details = "\n\n".join(f"{crash.signature} ({case.origin})\n{crash.detail}" for crash, case in report.crashes)
    assert not report.crashes, details
    assert report.inputs >= 300
    assert not (tmp_path / "regressions").exists()


def test_the_supervisor_survives_segfaults_hangs_and_exceptions(tmp_path):
    regressions = tmp_path / "regressions"
    sabotage = ("--selftest-segfault-at", "2", "--selftest-hang-at", "4", "--selftest-raise-at", "6")
    budget = Budget(seconds=120, inputs=8, seed=SEED, hypothesis_every=0, hang_seconds=3, selftest=sabotage)
    report = fuzz(budget, list(EXAMPLES_ONLY), regressions, log=lambda message: None)
    kinds = sorted(crash.kind for crash, _ in report.crashes)
    assert kinds == ["exception", "native", "timeout"], report.signatures
    assert report.inputs == 8  # the run went on past each of them
    corpus = load_corpus(EXAMPLES_ONLY)
    culprits = {make_case(SEED, index, corpus).files for index in (2, 4, 6)}
    assert {case.files for _, case in report.crashes} == culprits
    assert len(report.saved) == 3 and all(path.exists() for path in report.saved)


def test_an_exception_in_the_compiler_is_a_crash_with_its_place(tmp_path, monkeypatch):
    from glacierc import driver

    def broken(*args, **kwargs):
        raise RuntimeError("a compiler bug")

    monkeypatch.setattr(driver, "compile_project", broken)
    source = tmp_path / "pipeline.py"
    source.write_text("x = 1\n")
    crash = run_case([str(source)], {}, tmp_path / "out" / "OUT")
    assert crash is not None and crash.kind == "exception" and crash.stage == "check"
    assert crash.signature.startswith("RuntimeError in check at ")
    assert "a compiler bug" in crash.detail
