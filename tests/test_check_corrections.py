"""Rules that fired wrongly or said something else than their fix (issue: a green check can be trusted)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glacierc.driver import compile_project

HEAD = """\
from glacier import Provider, pipeline
from glacier.config import AwsConfig, LocalConfig
import polars as pl

"""


def _diagnostics(tmp_path: Path, body: str):
    path = tmp_path / "pipeline.py"
    path.write_text(HEAD + textwrap.dedent(body))
    return compile_project([path]).diagnostics


READER_AND_WRITER = """\
provider = Provider(config=LocalConfig())
local_exec = provider.local()
staged = provider.bucket(bucket="work", path="staged.parquet")

@local_exec.task({options})
def report() -> int:
    return staged.read().height

@local_exec.task()
def stage() -> None:
    staged.write(pl.DataFrame({{"x": [1]}}))

@pipeline(name="p")
def p():
    report()
    stage()
"""


@pytest.mark.parametrize(("options", "reported"), [("", True), ("depends_on=[stage]", False),
                                                   ("depends_on=['stage']", False)])
def test_glc211_is_silent_when_depends_on_orders_the_writer_first(tmp_path: Path, options: str,
                                                                   reported: bool) -> None:
    codes = [d.code for d in _diagnostics(tmp_path, READER_AND_WRITER.format(options=options))]
    assert ("GLC211" in codes) == reported


@pytest.mark.parametrize(("label", "declaration"), [
    ("lambda", "lambda_exec = provider.serverless(config=LambdaConfig())"),
    ("ec2", "vm_exec = provider.vm(config=EC2Config())"),
    ("emr", "spark_exec = provider.cluster(config=SparkConfig())"),
])
def test_glc103_help_names_the_resource_the_fix_declares(tmp_path: Path, label: str, declaration: str) -> None:
    body = f"""\
    from glacier import GlacierEnv
    provider = Provider(config=AwsConfig(region="us-east-1"))
    env = GlacierEnv(provider=provider)

    @env.task(executor="{label}")
    def load():
        return None
    """
    glc103 = next(d for d in _diagnostics(tmp_path, body) if d.code == "GLC103")
    assert f"`{declaration}`" in glc103.help
    fix = next(d.fix for d in _diagnostics(tmp_path, body) if d.fix is not None)
    assert any(declaration in edit.content for edit in fix.edits)


ACCESS = """\
provider = Provider(config=AwsConfig(region="us-east-1"))
local_exec = provider.local()
raw = provider.bucket(bucket="acme-raw", path="raw.csv")
curated = provider.bucket(bucket="acme-curated", path="out.parquet")
side = provider.bucket(bucket="acme-side", path="side.parquet")

def publish(frame):
    curated.write(frame)

@local_exec.task()
def ignore(source) -> pl.LazyFrame:
    return pl.LazyFrame({"x": [1]})

@local_exec.task()
def save(frame: pl.LazyFrame) -> None:
    publish(frame)

@local_exec.task()
def sneaky() -> None:
    globals()["side"].write(pl.DataFrame({"x": [1]}))

@pipeline(name="p")
def p():
    save(ignore(raw))
    sneaky()
"""


def test_storage_access_is_followed_or_granted_with_a_warning_never_silently_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(HEAD + ACCESS)
    result = compile_project([path])
    nodes = {n.id: n for n in result.project.pipelines[0].nodes}
    assert (nodes["ignore"].reads, nodes["ignore"].writes) == ((), ())  # an unused bucket parameter: nothing
    assert [d.code for d in result.diagnostics if d.span.line == HEAD.count("\n") + 24] == ["GLC216"]
    assert (nodes["save"].reads, nodes["save"].writes) == ((), ("curated",))  # proven through the helper
    assert set(nodes["sneaky"].writes) == {"curated", "raw", "side"}  # globals(): every bucket, with GLC205
    assert {d.message.split("`")[3] for d in result.diagnostics if d.code == "GLC205"} == {"curated", "raw", "side"}
