"""Any input - random bytes, arbitrary text, other people's Python, half-written pipelines - yields
diagnostics or success: never a traceback, never exit 2."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from glacierc.fuzzing.cases import DEFAULT_CORPUS, Case, load_corpus
from glacierc.fuzzing.strategies import cases, programs
from glacierc.fuzzing.target import run_case
from tests.helpers import glacierc

CORPUS = load_corpus(DEFAULT_CORPUS)
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate],  # a failing input is saved by the fuzzer; no shrinking
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _crash(case: Case):
    with tempfile.TemporaryDirectory() as temporary:
        paths = case.write(Path(temporary) / "project")
        return run_case(paths, dict(case.env), Path(temporary) / "out" / "OUT")


@PROPERTY
@given(cases(CORPUS))
def test_any_input_yields_diagnostics_or_success(case):
    crash = _crash(case)
    assert crash is None, f"{case.origin}\n{crash.detail}"


@PROPERTY
@given(programs())
def test_generated_programs_compile_and_build(program):
    crash = _crash(Case((("pipeline.py", program.encode()),), origin="program"))
    assert crash is None, f"{program}\n{crash.detail}"


HOSTILE = {
    "random bytes": bytes(range(256)) * 3,
    "nul bytes": b"x = 1\n\0\0\0\n",
    "deep brackets": b"x = " + b"(" * 5000 + b"1" + b")" * 5000,
    "long chain": b"x = 1" + b" + 1" * 20_000,
    "half-written pipeline": b"from glacier import Provider, pipeline\n@pipeline(name=\n",
    "other people's python": b"import antigravity\nclass A(metaclass=M):\n    x: int = 1\n",
}


COMMANDS = (["check"], ["analyze", "--format", "json"], ["build", "-o", "OUT"])  # graph and migrate: below
# and test_reliability_limits.py::test_migrate_reports_hostile_input_without_an_internal_error


@pytest.mark.parametrize("name, command", [(name, command) for number, name in enumerate(HOSTILE)
                                           for command in (COMMANDS[0], COMMANDS[1 + number % 2])])
def test_the_cli_exits_0_or_1_without_a_traceback(tmp_path, name, command):
    source = tmp_path / "pipeline.py"
    source.write_bytes(HOSTILE[name])
    result = glacierc(*[str(tmp_path / "out") if arg == "OUT" else arg for arg in command], str(source))
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_graph_of_an_input_without_a_pipeline_is_not_a_usage_error(tmp_path):
    source = tmp_path / "pipeline.py"
    source.write_bytes(HOSTILE["other people's python"])
    result = glacierc("graph", str(source))
    assert result.returncode in (0, 1), result.stderr
