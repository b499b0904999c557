"""One small case per rewrite rule, Fixit-style: old code, the expected new code (or None when
nothing may change), and the report entries expected (substrings, in order)."""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent, indent

import pytest

from glacierc.migrate import migrate_source


@dataclass(frozen=True)
class Case:
    name: str
    old: str
    new: str | None  # None: left exactly as it was
    reports: tuple[str, ...] = ()


# Indented like the snippets below, so that `dedent` treats head and snippet alike.
HEAD = indent(
    'from glacier import GlacierEnv\nfrom glacier.providers import AWSProvider\n\nprovider = AWSProvider(region="us-east-1")\n',
    " " * 8,
)
KEPT_HEAD = indent(
    "from glacier import GlacierEnv, Provider\nfrom glacier.config import AwsConfig\n\n"
    'provider = Provider(config=AwsConfig(region="us-east-1"))\n',
    " " * 8,
)
NEW_HEAD = indent(
    "from glacier import Provider, pipeline\nfrom glacier.config import AwsConfig, LambdaConfig\n\n"
    'provider = Provider(config=AwsConfig(region="us-east-1"))\n',
    " " * 8,
)

CASES = [
    Case(
        "aliased imports resolve",
        """
        import glacier.providers as gp
        from glacier import GlacierEnv as Env

        p = gp.AWSProvider(region="eu-west-1")
        e = Env(provider=p)

        @e.task(executor="lambda")
        def t(x):
            return x
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig, LambdaConfig

        p = Provider(config=AwsConfig(region="eu-west-1"))
        lambda_exec = p.serverless(config=LambdaConfig())

        @lambda_exec.task()
        def t(x):
            return x
        """,
    ),
    Case(
        "a name that only looks old is not touched",
        """
        class AWSProvider:
            def __init__(self, region):
                self.region = region

        provider = AWSProvider(region="x")
        """,
        None,
    ),
    Case(
        "an environment nothing uses just goes; a parameter called `env` is not it",
        HEAD + """
        env = GlacierEnv(provider=provider)

        def build(env):
            return env.get("raw")
        """,
        NEW_HEAD.replace("Provider, pipeline", "Provider").replace(", LambdaConfig", "") + """
        def build(env):
            return env.get("raw")
        """,
    ),
    Case(
        "a user-defined `pipeline` blocks @env.pipeline",
        HEAD + """
        env = GlacierEnv(provider=provider)

        def pipeline(fn):
            return fn

        @env.pipeline(name="p")
        def p():
            return None
        """,
        KEPT_HEAD + """
        env = GlacierEnv(provider=provider)

        def pipeline(fn):
            return fn

        @env.pipeline(name="p")
        def p():
            return None
        """,
        ("`env = GlacierEnv(...)` stays", "the name `pipeline` is already used"),
    ),
    Case(
        "an executor name in use gets a prefixed one",
        HEAD + """
        lambda_exec = "taken"
        env = GlacierEnv(provider=provider)

        @env.task(executor="lambda")
        def t(x):
            return x
        """,
        NEW_HEAD.replace("Provider, pipeline", "Provider") + """
        lambda_exec = "taken"
        provider_lambda_exec = provider.serverless(config=LambdaConfig())

        @provider_lambda_exec.task()
        def t(x):
            return x
        """,
    ),
    Case(
        "two candidate executors are not guessed between",
        HEAD + """
        from glacier.config import LambdaConfig
        env = GlacierEnv(provider=provider)
        small = provider.serverless(config=LambdaConfig(memory=512))
        large = provider.serverless(config=LambdaConfig(memory=4096))

        @env.task(executor="lambda")
        def t(x):
            return x
        """,
        KEPT_HEAD + """
        from glacier.config import LambdaConfig
        env = GlacierEnv(provider=provider)
        small = provider.serverless(config=LambdaConfig(memory=512))
        large = provider.serverless(config=LambdaConfig(memory=4096))

        @env.task(executor="lambda")
        def t(x):
            return x
        """,
        ("`env = GlacierEnv(...)` stays", "several executors could run it (`small`, `large`)"),
    ),
    Case(
        "a provider bound after the task cannot serve it",
        """
        from glacier import task
        from glacier.providers import AWSProvider

        @task(executor="lambda")
        def t(x):
            return x

        provider = AWSProvider(region="us-east-1")
        """,
        """
        from glacier import Provider, task
        from glacier.config import AwsConfig

        @task(executor="lambda")
        def t(x):
            return x

        provider = Provider(config=AwsConfig(region="us-east-1"))
        """,
        ("executor would be declared after this task",),
    ),
    Case(
        "a bare @task(executor=...) with two providers is ambiguous",
        """
        from glacier import task
        from glacier.providers import AWSProvider, GCPProvider

        a = AWSProvider(region="us-east-1")
        g = GCPProvider(project_id="p")

        @task(executor="local")
        def t(x):
            return x
        """,
        """
        from glacier import Provider, task
        from glacier.config import AwsConfig, GcpConfig

        a = Provider(config=AwsConfig(region="us-east-1"))
        g = Provider(config=GcpConfig(project_id="p"))

        @task(executor="local")
        def t(x):
            return x
        """,
        ("does not have exactly one provider",),
    ),
    Case(
        "** arguments are never guessed at",
        """
        from glacier.providers import AWSProvider

        settings = {"region": "us-east-1"}
        provider = AWSProvider(**settings)
        """,
        None,
        ("has positional or * arguments",),
    ),
    Case(
        "GlacierEnv factories are reported",
        """
        from glacier import GlacierEnv
        from glacier.config import AwsConfig

        env = GlacierEnv.from_provider("aws", config=AwsConfig())
        """,
        None,
        ("GlacierEnv.from_provider(...) has no counterpart",),
    ),
    Case(
        "star imports are reported; the names they hid still migrate",
        """
        from glacier.providers import *

        provider = AWSProvider(region="us-east-1")
        """,
        """
        from glacier.providers import *
        from glacier import Provider
        from glacier.config import AwsConfig

        provider = Provider(config=AwsConfig(region="us-east-1"))
        """,
        ("`from glacier.providers import *` stays",),
    ),
    Case(
        "registry keys need a literal",
        HEAD + """
        env = GlacierEnv(provider=provider)
        env.register("raw", provider.bucket(bucket="b", path="p.csv"))
        key = "raw"

        def read():
            return env.get(key).read()
        """,
        NEW_HEAD.replace("Provider, pipeline", "GlacierEnv, Provider").replace(", LambdaConfig", "") + """
        env = GlacierEnv(provider=provider)
        raw = provider.bucket(bucket="b", path="p.csv")
        key = "raw"

        def read():
            return env.get(key).read()
        """,
        ("`env = GlacierEnv(...)` stays", "env.get(...) without a plain string key"),
    ),
    Case(
        "register inside a function stays",
        HEAD + """
        env = GlacierEnv(provider=provider)

        def setup():
            env.register("raw", provider.bucket(bucket="b", path="p.csv"))
        """,
        KEPT_HEAD + """
        env = GlacierEnv(provider=provider)

        def setup():
            env.register("raw", provider.bucket(bucket="b", path="p.csv"))
        """,
        ("`env = GlacierEnv(...)` stays", "`env.register` has no counterpart"),
    ),
    Case(
        "a task nested in a function where `local_exec` is a parameter gets another name",
        HEAD + """
        env = GlacierEnv(provider=provider)

        def factory(local_exec):
            @env.task()
            def inner(x):
                return x
            return inner
        """,
        NEW_HEAD.replace("Provider, pipeline", "Provider").replace(", LambdaConfig", "") + """
        provider_local_exec = provider.local()

        def factory(local_exec):
            @provider_local_exec.task()
            def inner(x):
                return x
            return inner
        """,
    ),
    Case(
        "the old serverless signature inside a pipeline body",
        """
        from glacier.providers import GCPProvider

        provider = GCPProvider(project_id="p")

        def build():
            return provider.serverless("fn", handler="main.run", runtime="python312")
        """,
        """
        from glacier import Provider
        from glacier.config import CloudFunctionConfig, GcpConfig

        provider = Provider(config=GcpConfig(project_id="p"))

        def build():
            return provider.serverless(config=CloudFunctionConfig(runtime="python312"))
        """,
        ("dropped the function name", "dropped handler="),
    ),
    Case(
        "a serverless call on something that is not a provider is not touched",
        """
        class Client:
            def serverless(self, *args, **kwargs):
                return args

        client = Client()
        fn = client.serverless("fn", handler="h")
        """,
        None,
    ),
    Case(
        "a local provider has no cloud to pick a serverless config from",
        """
        from glacier.providers import LocalProvider

        provider = LocalProvider()
        fn = provider.serverless("fn", handler="h")
        """,
        """
        from glacier import Provider
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig())
        fn = provider.serverless("fn", handler="h")
        """,
        ("the provider's cloud is not known",),
    ),
    Case(
        "generic executors need the cloud",
        """
        from glacier import GlacierEnv
        from glacier.providers import LocalProvider

        provider = LocalProvider()
        env = GlacierEnv(provider=provider)

        @env.task(executor="serverless")
        def t(x):
            return x
        """,
        """
        from glacier import GlacierEnv, Provider
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig())
        env = GlacierEnv(provider=provider)

        @env.task(executor="serverless")
        def t(x):
            return x
        """,
        ("`env = GlacierEnv(...)` stays", "names a different service on each cloud and a local provider has none"),
    ),
    Case(
        "a removed environment hands its comments on, even at the end of the file",
        HEAD + """
        # the environment
        env = GlacierEnv(provider=provider)  # gone
        """,
        NEW_HEAD.replace("Provider, pipeline", "Provider").replace(", LambdaConfig", "") + """
        # the environment
        # gone
        """,
    ),
]


def _text(snippet: str) -> str:
    return dedent(snippet.lstrip("\n"))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_rewrite(case: Case) -> None:
    old = _text(case.old)
    migration = migrate_source(old, "case.py")
    assert migration.new == (old if case.new is None else _text(case.new))
    reasons = [entry.reason for entry in migration.unmigrated]
    assert len(reasons) == len(case.reports), reasons
    for expected, reason in zip(case.reports, reasons, strict=True):
        assert expected in reason
    assert migrate_source(migration.new).new == migration.new
