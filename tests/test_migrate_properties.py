"""Properties of the migration over generated inputs (Hypothesis): it never raises, its output
parses, migrating twice equals migrating once, and no comment is ever lost."""

from __future__ import annotations

import ast
import io
import tokenize
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glacierc.migrate import Migration, migrate_source
from tests.helpers import FIXTURES

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIXTURE_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "migrate").glob("*/old.py"))]

PROVIDERS = {
    "AWSProvider": ['region="us-east-1"', 'region="eu-west-1", profile="p"', 'tags={"a": "b"}', ""],
    "GCPProvider": ['project_id="p"', 'project_id="p", region="europe-west1"', 'project="old"'],
    "AzureProvider": ['subscription_id="s"', 'subscription_id="s", location="westeurope"', 'resource_group="rg"'],
    "LocalProvider": ["", 'base_path="./data"', "config=LocalConfig()"],
}
LABELS = ["local", "lambda", "spark", "databricks", "serverless", "vm", "dataproc", "dbt", "cloud_function", None]
EXTRA = ["", "retries=2", "timeout=60", "cache=True", 'name="renamed"', "retry_delay=3"]
COMMENT = st.sampled_from(["# note", "# TODO: check", "#", "# ünïcode ✓", "# executor=\"lambda\""])


def comments(text: str) -> Counter[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return Counter(token.string for token in tokens if token.type == tokenize.COMMENT)


def without_comments(text: str) -> str:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return tokenize.untokenize((t.type, t.string) for t in tokens if t.type != tokenize.COMMENT)


@st.composite
def old_programs(draw) -> str:
    """A module in the old API: provider class, maybe an environment, tasks, a pipeline."""
    cls = draw(st.sampled_from(sorted(PROVIDERS)))
    args = draw(st.sampled_from(PROVIDERS[cls]))
    dotted = draw(st.booleans())
    with_env = draw(st.booleans())
    lines = ["import polars as pl", "from glacier import GlacierEnv, pipeline, task",
             "from glacier.config import LocalConfig"]
    lines.append("import glacier.providers as gp" if dotted else f"from glacier.providers import {cls}")
    lines += ["", f"provider = {'gp.' if dotted else ''}{cls}({args})"]
    if draw(st.booleans()):
        lines.append(draw(COMMENT))
    if with_env:
        env_args = draw(st.sampled_from(["", ', name="dev"']))
        lines.append(f"env = GlacierEnv(provider=provider{env_args})")
        lines.append('env.register("raw", provider.bucket(bucket="raw", path="raw.csv"))')
    names = []
    for index in range(draw(st.integers(1, 4))):
        label = draw(st.sampled_from(LABELS))
        extra = draw(st.sampled_from(EXTRA))
        arguments = ", ".join(a for a in ([f'executor="{label}"'] if label else []) + [extra] if a)
        owner = "env.task" if with_env else "task"
        decorator = f"@{owner}({arguments})" if arguments or draw(st.booleans()) else f"@{owner}"
        comment = f"  {draw(COMMENT)}" if draw(st.booleans()) else ""
        body = 'env.get("raw").scan()' if with_env and draw(st.booleans()) else "df"
        lines += ["", "", decorator + comment, f"def t{index}(df):", f"    return {body}"]
        names.append(f"t{index}")
    call = "None"
    for name in names:
        call = f"{name}({call})"
    lines += ["", "", '@env.pipeline(name="p")' if with_env else "@pipeline", "def p():", f"    return {call}", ""]
    return "\n".join(lines)


def check(text: str) -> Migration:
    once = migrate_source(text, "p.py")
    ast.parse(once.new)
    assert migrate_source(once.new, "p.py").new == once.new
    assert comments(once.new) == comments(text)
    assert all(entry.line >= 1 and entry.column >= 1 for entry in once.unmigrated)
    assert not any("internal error" in entry.reason for entry in once.unmigrated)
    return once


@SETTINGS
@given(old_programs())
def test_generated_old_programs(text: str) -> None:
    migration = check(text)
    if not any(entry.reason.startswith("not migrated") for entry in migration.unmigrated):
        code = without_comments(migration.new)
        assert "GlacierEnv" not in code and "executor=" not in code and "env." not in code
        assert not any(cls in code for cls in PROVIDERS)


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_never_raises(text: str) -> None:
    migration = migrate_source(text)
    assert migration.old == text
    if not migration.changed:
        assert migration.new == text


@settings(SETTINGS, max_examples=15)
@given(st.sampled_from(FIXTURE_TEXTS), st.data())
def test_fixtures_with_lines_removed(text: str, data: st.DataObject) -> None:
    """Damaged old code (a line gone, maybe a syntax error) is migrated or reported, never crashes."""
    lines = text.split("\n")
    index = data.draw(st.integers(0, len(lines) - 1))
    damaged = "\n".join(lines[:index] + lines[index + 1 :])
    try:
        ast.parse(damaged)
    except SyntaxError:
        migration = migrate_source(damaged)
        assert not migration.changed and migration.unmigrated
        return
    check(damaged)
