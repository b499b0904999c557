"""Old-style versions of every example, written the way the old documentation showed them,
migrate to code that `glacierc check` accepts and whose IR equals the hand-written example's.

IR equality is semantic: spans and module paths differ by construction, and a config equals
another when every field has the same value once defaults are filled in (`LambdaConfig()` is
`LambdaConfig(runtime="python3.11")`), which is what every backend sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from glacier.config import fields_of

from glacierc.diagnostics.model import Severity
from glacierc.driver import compile_project
from glacierc.ir import nodes as ir
from glacierc.migrate import migrate_source
from tests.helpers import EXAMPLE_NAMES, EXAMPLES, FIXTURES

OLD = {name: FIXTURES / "migrate" / f"example_{name}" / "old.py" for name in EXAMPLE_NAMES}


def effective(value: object) -> object:
    """A config with its defaults filled in, recursively; other values as they are."""
    if isinstance(value, ir.Config):
        given = dict(value.fields)
        return value.type, tuple((f.name, effective(given.get(f.name, f.default))) for f in fields_of(value.type))
    if isinstance(value, tuple):
        return tuple(effective(item) for item in value)
    return value


def semantic(project: ir.Project) -> dict[str, list[tuple[object, ...]]]:
    """Everything the backends use, minus spans and module names."""
    return {
        "providers": sorted((p.name, p.cloud, effective(p.config)) for p in project.providers),
        "storage": sorted(
            (s.name, s.provider, s.bucket, s.path, s.format, s.uri, effective(s.config)) for s in project.storage
        ),
        "executors": sorted((e.name, e.provider, e.kind, effective(e.config)) for e in project.executors),
        "tasks": sorted(
            (t.name, t.function, t.executor, t.params, t.returns, t.depends_on, t.reads, t.writes,
             t.param_reads, t.param_writes, t.retries, t.timeout)
            for t in project.tasks
        ),
        "pipelines": sorted(
            (p.name, p.function, tuple((n.id, n.task, n.executor, n.inputs, n.reads, n.writes) for n in p.nodes),
             p.edges, p.levels, p.outputs)
            for p in project.pipelines
        ),
    }


def compiled(text: str, directory: Path):
    (directory / "pipeline.py").write_text(text, encoding="utf-8")
    return compile_project([directory / "pipeline.py"], env={})


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_old_style_example_is_old(name: str, tmp_path: Path) -> None:
    codes = {d.code for d in compiled(OLD[name].read_text(encoding="utf-8"), tmp_path).diagnostics}
    assert {"GLC101", "GLC102"} <= codes


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_migrated_example_passes_check(name: str, tmp_path: Path) -> None:
    migration = migrate_source(OLD[name].read_text(encoding="utf-8"), "pipeline.py")
    errors = [d for d in compiled(migration.new, tmp_path).diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    assert all(not entry.reason.startswith("not migrated") for entry in migration.unmigrated)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_migrated_example_has_the_examples_ir(name: str, tmp_path: Path) -> None:
    migration = migrate_source(OLD[name].read_text(encoding="utf-8"), "pipeline.py")
    migrated = compiled(migration.new, tmp_path).project
    example = compile_project([EXAMPLES / name / "pipeline.py"], env={}).project
    assert semantic(migrated) == semantic(example)
    assert [p.name for p in migrated.pipelines] == [p.name for p in example.pipelines]


def test_semantic_ir_still_tells_configs_apart() -> None:
    """The comparison is not vacuous: a changed field or a missing executor shows."""
    lambda_ = ir.Config("LambdaConfig", (("memory", 1024),))
    assert effective(lambda_) == effective(ir.Config("LambdaConfig", (("memory", 1024), ("runtime", "python3.11"))))
    assert effective(lambda_) != effective(ir.Config("LambdaConfig", (("memory", 2048),)))


@pytest.mark.parametrize("code", ["GLC101", "GLC102", "GLC103"])
def test_the_rule_examples_migrate_to_code_without_the_rule(code: str, tmp_path: Path) -> None:
    """What `glacierc rule GLC10x` shows as bad code is what `glacierc migrate` fixes."""
    from glacierc.checks.catalogue import RULES

    example = RULES[code].example
    assert code in {d.code for d in compiled(example, tmp_path).diagnostics}
    migration = migrate_source(example)
    assert migration.changed and not migration.unmigrated
    codes = {d.code for d in compiled(migration.new, tmp_path).diagnostics}
    assert not codes & {"GLC101", "GLC102", "GLC103"}
