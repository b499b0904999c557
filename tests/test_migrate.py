"""`glacierc migrate`: every fixture migrates to its expected new.py, reports what it left, keeps
every comment, and is idempotent. Fixtures: tests/fixtures/migrate/<name>/{old,new}.py."""

from __future__ import annotations

import difflib
import io
import tokenize
from collections import Counter
from pathlib import Path

import pytest

from glacierc.migrate import Migration, Unmigrated, fix_edits, migrate_source, unified_diff, whole_file_edit
from tests.helpers import EXAMPLE_NAMES, EXAMPLES, FIXTURES

MIGRATE = FIXTURES / "migrate"
CASES = sorted(p.name for p in MIGRATE.iterdir() if p.is_dir())


def read(name: str, file: str) -> str:
    return (MIGRATE / name / file).read_text(encoding="utf-8")


def comments(text: str) -> Counter[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return Counter(token.string for token in tokens if token.type == tokenize.COMMENT)


@pytest.mark.parametrize("name", CASES)
def test_fixture_migrates_to_its_expected_file(name: str) -> None:
    assert migrate_source(read(name, "old.py"), "old.py").new == read(name, "new.py")


@pytest.mark.parametrize("name", CASES)
def test_fixture_report(name: str, snapshot) -> None:
    migration = migrate_source(read(name, "old.py"), f"{name}/old.py")
    assert [entry.render(migration.path) for entry in migration.unmigrated] == snapshot


@pytest.mark.parametrize("name", CASES)
def test_migrating_twice_equals_migrating_once(name: str) -> None:
    once = migrate_source(read(name, "old.py"))
    twice = migrate_source(once.new)
    assert twice.new == once.new
    assert not twice.changed


@pytest.mark.parametrize("name", CASES)
def test_every_comment_survives(name: str) -> None:
    old = read(name, "old.py")
    assert comments(migrate_source(old).new) == comments(old)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_new_style_code_is_left_alone(name: str) -> None:
    text = (EXAMPLES / name / "pipeline.py").read_text(encoding="utf-8")
    migration = migrate_source(text)
    assert migration.new == text and not migration.unmigrated


def test_only_the_old_constructs_change_in_the_commented_file() -> None:
    """Lines outside the rewritten expressions are byte-identical; blank lines are all kept."""
    old, new = read("comments", "old.py"), read("comments", "new.py")
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    removed = [line for tag, i, j, _, _ in matcher.get_opcodes() if tag != "equal" for line in old.splitlines()[i:j]]
    assert removed == [
        "from glacier import GlacierEnv  # the environment",
        "from glacier.config import S3Config",
        "from glacier.providers import AWSProvider  # goes away",
        "provider = AWSProvider(  # one account",
        ")",
        "env = GlacierEnv(provider=provider)  # no more environments",
        "@env.task(  # heavy lifting",
        '    executor="lambda",  # runs on Lambda',
        "@env.task()  # local",
        '@env.pipeline(name="commented")  # the one pipeline',
    ]
    blank = [line for line in old.splitlines() if not line.strip()]
    assert len([line for line in new.splitlines() if not line.strip()]) == len(blank)


def test_windows_newlines_are_kept() -> None:
    text = read("example_quickstart", "old.py").replace("\n", "\r\n")
    new = migrate_source(text).new
    assert new.replace("\r\n", "\n") == read("example_quickstart", "new.py")
    assert "\n" not in new.replace("\r\n", "")


# --- the API the CLI uses ---------------------------------------------------------------------


def test_syntax_errors_are_reported_not_raised() -> None:
    migration = migrate_source("x = 1\nprovider = AWSProvider(region=))\n", "broken.py")
    assert migration.new == migration.old and not migration.changed
    assert migration.unmigrated == (Unmigrated(2, 32, "not migrated: the file cannot be parsed (unmatched ')')"),)


def test_untouched_text_is_returned_as_is() -> None:
    migration = migrate_source("x = 1\n", "plain.py")
    assert migration == Migration("plain.py", "x = 1\n", "x = 1\n", ())
    assert unified_diff(migration) == "" and whole_file_edit(migration) is None and fix_edits("x = 1\n") == []


def test_unified_diff_names_both_sides() -> None:
    migration = migrate_source(read("bare_task", "old.py"), "jobs/etl.py")
    diff = unified_diff(migration)
    assert diff.startswith("--- a/jobs/etl.py\n+++ b/jobs/etl.py\n")
    assert "-provider = LocalProvider()\n+provider = Provider(config=LocalConfig())\n" in diff


def test_unified_diff_marks_a_missing_final_newline() -> None:
    migration = migrate_source("from glacier.providers import LocalProvider\np = LocalProvider()")
    assert unified_diff(migration).endswith("+p = Provider(config=LocalConfig())\n\\ No newline at end of file\n")


@pytest.mark.parametrize("name", CASES)
def test_fix_edits_reproduce_the_migration(name: str) -> None:
    """Applied with the same applier as `check --fix`, the line edits give the migrated text."""
    from glacierc.diagnostics.model import Edit
    from glacierc.fixes import apply_edits
    from glacierc.source import Span

    old = read(name, "old.py")
    edits = [Edit(Span("old.py", *edit[:4]), edit[4]) for edit in fix_edits(old)]
    assert apply_edits(old, edits) == migrate_source(old).new


def test_file_fix_for_diagnostics() -> None:
    from glacierc.fixes import apply_edits
    from glacierc.migrate import file_fix

    old = read("example_aws_etl", "old.py")
    fix = file_fix(old, "pipeline.py")
    assert fix is not None and {edit.span.file for edit in fix.edits} == {"pipeline.py"}
    assert apply_edits(old, list(fix.edits)) == read("example_aws_etl", "new.py")
    assert fix.to_dict()["edits"][0]["content"]
    assert file_fix(read("example_aws_etl", "new.py"), "pipeline.py") is None


def test_whole_file_edit_covers_the_old_text() -> None:
    from glacierc.diagnostics.model import Edit
    from glacierc.fixes import apply_edits
    from glacierc.source import Span

    for text in (read("registry", "old.py"), read("registry", "old.py").rstrip("\n")):
        migration = migrate_source(text)
        edit = whole_file_edit(migration)
        assert edit is not None and edit[:2] == (1, 1)
        assert apply_edits(text, [Edit(Span("f.py", *edit[:4]), edit[4])]) == migration.new


def test_unmigrated_entries_render_like_compiler_locations() -> None:
    assert Unmigrated(3, 7, "not migrated: why").render("p.py") == "p.py:3:7: not migrated: why"


def test_the_migration_never_imports_user_code(tmp_path: Path) -> None:
    """A file that would fail on import (and write a marker) migrates without any of that."""
    marker = tmp_path / "ran"
    text = read("example_quickstart", "old.py") + f"\nopen({str(marker)!r}, 'w').write('x')\nraise SystemExit(3)\n"
    assert migrate_source(text).changed
    assert not marker.exists()
