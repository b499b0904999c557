"""Every diagnostic code, defined once: severity, title and the documentation `glacierc rule` prints.

`example` triggers the rule and `instead` does not; the test suite checks both for every rule, so the
documentation can never drift from the behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacierc.diagnostics.model import Severity

_HEAD = """from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
local_exec = provider.local()
raw = provider.bucket(bucket="data", path="raw.parquet")

"""


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    title: str
    what: str
    why: str
    example: str
    instead: str


RULES: dict[str, Rule] = {}


def _rule(code: str, name: str, severity: Severity, title: str, what: str, why: str,
          example: str, instead: str) -> None:
    RULES[code] = Rule(code, name, severity, title, what.strip(), why.strip(), example, instead)


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

_rule("GLC001", "syntax-error", E, "the file cannot be parsed",
      "Reports a file that is not valid Python.",
      "Nothing can be analysed in a file that does not parse; every other check is skipped for it.",
      _HEAD + "def broken(:\n    pass\n",
      _HEAD + "def fixed():\n    pass\n")
_rule("GLC002", "not-static", E, "a value that must be known statically is not",
      "Reports a provider, storage, executor or config argument whose value depends on something "
      "only known at run time (a function call, an unset variable, I/O).",
      "glacierc compiles infrastructure from the source without running it; bucket names, regions and "
      "limits must be decidable at compile time. Pass run-time choices through `os.getenv` with a "
      "default, and give the value at compile time with `-e NAME=VALUE`.",
      _HEAD + "import random\nother = provider.bucket(bucket=random.choice(['a', 'b']), path='x.csv')\n",
      _HEAD + "import os\nother = provider.bucket(bucket=os.getenv('BUCKET', 'acme-a'), path='x.csv')\n")
_rule("GLC003", "unreadable-source", E, "the file cannot be read as Python source",
      "Reports a file that cannot be read, is not text, or is not valid in its declared encoding.",
      "The compiler only analyses text it can decode exactly as Python would.",
      "", "")
_rule("GLC004", "input-too-large", E, "the file exceeds the compiler's resource limits",
      "Reports a file larger than the configured size limit (`max-file-bytes` in `[tool.glacierc]`) or "
      "nested deeper than the parser can take.",
      "Limits keep the compiler fast and predictable on hostile or generated input.",
      "", "")
_rule("GLC005", "no-input", E, "the path names no Python source",
      "Reports a PATH that does not exist, or a directory without Python files (directory symlinks are not followed).",
      "A lint step that silently checks nothing is worse than one that fails.",
      "", "")
_rule("GLC006", "unresolved-import", W, "a project import cannot be resolved",
      "Reports a relative import (or an import of a sibling module) that names no file of the project.",
      "Declarations imported from a missing module cannot be analysed; whatever uses them is unknown.",
      "", "")
_rule("GLC007", "source-link-outside-project", W, "a `.py` symbolic link to a file outside the project",
      "Reports a Python file that is a symbolic link whose target lies outside the project root; the file is "
      "not read and its content is never shown.",
      "A link can point at any file of the machine (`/etc/shadow`, another checkout); reading it would check "
      "code that is not the project's and could echo private lines into CI logs.",
      "", "")
_rule("GLC101", "provider-class", E, "provider-specific class",
      "Reports `AWSProvider`, `GCPProvider`, `AzureProvider` and `LocalProvider`.",
      "There is one `Provider`; its config decides the cloud, so switching clouds is a config change. "
      "`glacierc migrate` rewrites these automatically.",
      "from glacier.providers import AWSProvider\nprovider = AWSProvider(region='us-east-1')\n",
      "from glacier import Provider\nfrom glacier.config import AwsConfig\n"
      "provider = Provider(config=AwsConfig(region='us-east-1'))\n")
_rule("GLC102", "glacier-env", E, "`GlacierEnv` is not part of the language",
      "Reports `GlacierEnv(...)`, `@env.task()`, `@env.pipeline()` and `env.get(...)` registry look-ups.",
      "Execution resources are first-class objects created by the provider; tasks bind to them directly.",
      _HEAD + "from glacier import GlacierEnv\nenv = GlacierEnv(provider=provider)\n",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n")
_rule("GLC103", "string-executor", E, "string-based executor",
      "Reports `executor=\"...\"` on a task decorator.",
      "A string cannot be checked, configured or turned into infrastructure; an execution resource can.",
      _HEAD + "@local_exec.task(executor='lambda')\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n",
      _HEAD + "lambda_exec = provider.serverless(config=LambdaConfig())\n\n@lambda_exec.task()\n"
      "def load(source) -> pl.LazyFrame:\n    return source.scan()\n\n@pipeline(name='p')\ndef p():\n    return load(raw)\n")
_rule("GLC201", "dependency-cycle", E, "dependency cycle",
      "Reports a cycle among the nodes of a pipeline (through `depends_on` or storage order); the "
      "message names every node of the cycle.",
      "A cycle has no execution order.",
      _HEAD + "@local_exec.task(depends_on=['b'])\ndef a(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@local_exec.task(depends_on=['a'])\ndef b(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    a(raw)\n    b(raw)\n",
      _HEAD + "@local_exec.task()\ndef a(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@local_exec.task(depends_on=['a'])\ndef b(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    a(raw)\n    b(raw)\n")
_rule("GLC202", "unknown-dependency", E, "`depends_on` names something that is not a task",
      "Reports an entry of `depends_on` that is neither a task function nor the name of a task.",
      "An ordering edge to nothing is almost always a typo or a renamed task.",
      _HEAD + "@local_exec.task(depends_on=['extrcat'])\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n")
_rule("GLC203", "bad-call", E, "a task is called with arguments that do not fit its signature",
      "Reports a task call in a pipeline with too many or too few arguments, or an unknown keyword.",
      "The call would fail at run time, after infrastructure was deployed for it.",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw, raw)\n",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n")
_rule("GLC204", "unused-task", W, "a task is defined but no pipeline calls it",
      "Reports a task that no `@pipeline` calls.",
      "Dead tasks still get infrastructure and IAM roles; usually a pipeline forgot to call them.",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n")
_rule("GLC205", "unproven-access", W, "the task's access to storage cannot be proven",
      "Reports storage passed to a task whose body does not show how it is used (`.scan()`, `.read()`, "
      "`.write(...)`, `get_uri()` with a reader or writer). Read-write access is assumed.",
      "Least-privilege IAM is derived from proven access; unproven access grants both read and write.",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return helper(source)\n\n"
      "def helper(s):\n    return s.scan()\n\n@pipeline(name='p')\ndef p():\n    return load(raw)\n",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n")
_rule("GLC206", "unused-storage", W, "storage is declared but never used",
      "Reports a `provider.bucket(...)` that no task or pipeline touches.",
      "Unused storage still becomes infrastructure; it is usually left over from a refactor.",
      _HEAD + "spare = provider.bucket(bucket='data', path='spare.csv')\n\n@local_exec.task()\n"
      "def load(source) -> pl.LazyFrame:\n    return source.scan()\n\n@pipeline(name='p')\ndef p():\n    return load(raw)\n",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n")
_rule("GLC207", "frame-type-mismatch", W, "a DataFrame flows where a LazyFrame is expected (or back)",
      "Reports a task whose return annotation is `DataFrame` feeding a parameter annotated `LazyFrame`, "
      "or the reverse.",
      "The call fails at run time or silently loses laziness (and with it Polars' cross-task optimisation).",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.DataFrame:\n    return source.read()\n\n"
      "@local_exec.task()\ndef clean(df: pl.LazyFrame) -> pl.LazyFrame:\n    return df.drop_nulls()\n\n"
      "@pipeline(name='p')\ndef p():\n    return clean(load(raw))\n",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@local_exec.task()\ndef clean(df: pl.LazyFrame) -> pl.LazyFrame:\n    return df.drop_nulls()\n\n"
      "@pipeline(name='p')\ndef p():\n    return clean(load(raw))\n")
_rule("GLC208", "duplicate-name", E, "two declarations share one name",
      "Reports two tasks or two pipelines with the same name in one project.",
      "Node ids, runner files and cloud resource names derive from these names; they must be unique.",
      _HEAD + "@local_exec.task(name='load')\ndef a(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@local_exec.task(name='load')\ndef b(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return b(a(raw))\n",
      _HEAD + "@local_exec.task()\ndef a(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return a(raw)\n")
_rule("GLC209", "not-a-task", W, "a pipeline calls a function that is not a task",
      "Reports a call inside a `@pipeline` body to something that is not a task; it does not become a "
      "node of the DAG and runs wherever the pipeline runs.",
      "Work outside tasks gets no execution resource, no IAM role and no place in the graph.",
      _HEAD + "def helper(source):\n    return source.scan()\n\n@pipeline(name='p')\ndef p():\n    return helper(raw)\n",
      _HEAD + "@local_exec.task()\ndef helper(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return helper(raw)\n")
_rule("GLC210", "unsupported-statement", W, "a pipeline statement the compiler cannot model",
      "Reports statements in a `@pipeline` body that the static data-flow analysis does not follow "
      "(`while`, `try`, `with`, a `for` over a non-literal, an `if` on a run-time condition). Task calls "
      "inside them are not part of the DAG.",
      "The DAG must be exact; a pipeline body is a plain composition of task calls.",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    while True:\n        return load(raw)\n",
      _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n"
      "@pipeline(name='p')\ndef p():\n    return load(raw)\n")
_rule("GLC211", "read-before-write", W, "storage is read before the node that writes it",
      "Reports a node that reads storage which, in the same pipeline, only a node called later writes "
      "(and nothing orders the writer first).",
      "The reader sees stale data from a previous run, or fails on the first run when nothing exists yet.",
      _HEAD + "stage = provider.bucket(bucket='data', path='stage.parquet')\n\n@local_exec.task()\n"
      "def report() -> pl.DataFrame:\n    return stage.read()\n\n@local_exec.task()\n"
      "def publish(source) -> None:\n    stage.write(source.scan())\n\n"
      "@pipeline(name='p')\ndef p():\n    report()\n    publish(raw)\n",
      _HEAD + "stage = provider.bucket(bucket='data', path='stage.parquet')\n\n@local_exec.task()\n"
      "def report() -> pl.DataFrame:\n    return stage.read()\n\n@local_exec.task()\n"
      "def publish(source) -> None:\n    stage.write(source.scan())\n\n"
      "@pipeline(name='p')\ndef p():\n    publish(raw)\n    report()\n")
_rule("GLC301", "unknown-config-field", E, "unknown config field",
      "Reports a keyword argument that the config class does not have (see `glacier.config`).",
      "A misspelt field would otherwise be ignored and the default deployed.",
      _HEAD + "fn = provider.serverless(config=LambdaConfig(memroy=2048))\n",
      _HEAD + "fn = provider.serverless(config=LambdaConfig(memory=2048))\n")
_rule("GLC302", "config-out-of-limits", E, "config value outside the target's limits",
      "Reports a config value outside what the target service allows (e.g. Lambda memory 128-10240 MB, "
      "timeout 1-900 s), or not one of the allowed choices.",
      "The deployment would fail, late; the limits are known at compile time.",
      _HEAD + "fn = provider.serverless(config=LambdaConfig(timeout=1200))\n",
      _HEAD + "fn = provider.serverless(config=LambdaConfig(timeout=900))\n")
_rule("GLC303", "config-wrong-cloud", E, "config class of another cloud than its provider",
      "Reports a storage or execution config for a different cloud than the provider's "
      "(e.g. `S3Config` with `GcpConfig`).",
      "The resource cannot be created on that cloud.",
      "from glacier import Provider\nfrom glacier.config import GcpConfig, S3Config\n"
      "provider = Provider(config=GcpConfig(project_id='p'))\n"
      "raw = provider.bucket(bucket='data', path='raw.csv', config=S3Config())\n",
      "from glacier import Provider\nfrom glacier.config import GcpConfig, GCSConfig\n"
      "provider = Provider(config=GcpConfig(project_id='p'))\n"
      "raw = provider.bucket(bucket='data', path='raw.csv', config=GCSConfig())\n")
_rule("GLC304", "missing-config-field", E, "required config field missing",
      "Reports a config constructed without a field that has no default (e.g. `GcpConfig(project_id=...)`).",
      "Construction would fail at run time with a TypeError.",
      "from glacier import Provider\nfrom glacier.config import GcpConfig\nprovider = Provider(config=GcpConfig())\n",
      "from glacier import Provider\nfrom glacier.config import GcpConfig\n"
      "provider = Provider(config=GcpConfig(project_id='p'))\n")
_rule("GLC305", "config-wrong-role", E, "config of the wrong kind for this resource",
      "Reports a config passed where another kind is expected, e.g. `LambdaConfig` to `provider.vm()` "
      "or a storage config to `provider.serverless()`.",
      "Each execution method creates one kind of resource; its config must describe that kind.",
      _HEAD + "from glacier.config import EC2Config\nvm = provider.serverless(config=EC2Config())\n",
      _HEAD + "from glacier.config import EC2Config\nvm = provider.vm(config=EC2Config())\n")
_rule("GLC306", "invalid-storage-name", E, "a bucket or container name its cloud does not accept",
      "Reports a bucket (S3, Cloud Storage), container (Azure Blob) or local bucket directory whose name breaks "
      "the cloud's naming rules (length, characters, first and last character, reserved prefixes and "
      "suffixes); the message names the rule broken.",
      "The cloud would refuse the name when Terraform applies; worse, a name such as `*` (given with "
      "`-e BUCKET=*`) would turn a least-privilege grant into one on every bucket of the account.",
      _HEAD + "other = provider.bucket(bucket='*', path='x.csv')\n",
      _HEAD + "other = provider.bucket(bucket='acme-landing', path='x.csv')\n")
_rule("GLC307", "invalid-storage-path", E, "an object path that is not a plain path inside its bucket",
      "Reports a storage path that is absolute, has a `.` or `..` segment, an empty segment, a backslash, "
      "control characters, or a wildcard other than `*` in its final segment.",
      "The path decides what the generated IAM grants and where the runner reads and writes: `../x` or "
      "`*/x.csv` would reach data the pipeline was never proven to touch.",
      _HEAD + "other = provider.bucket(bucket='data', path='../secrets/x.csv')\n",
      _HEAD + "other = provider.bucket(bucket='data', path='landing/*.csv')\n")
_rule("GLC401", "unsupported-on-target", E, "the target cloud cannot express this resource",
      "Reports a declaration the Terraform backend cannot generate for the provider's cloud.",
      "Nothing is silently dropped: what cannot be generated is reported.",
      "", "")
_rule("GLC403", "cross-provider-access", W, "a task uses storage of another provider",
      "Reports an executor that reads or writes storage declared on a different provider; no IAM grant is "
      "generated for that access.",
      "Least privilege can only be generated inside one provider's module; cross-cloud access needs "
      "credentials you manage yourself.",
      "", "")
_rule("GLC404", "conflicting-bucket-config", W, "declarations of one bucket disagree",
      "Reports several `provider.bucket()` calls on one bucket that set different versioning, encryption or "
      "KMS keys; the first in source order wins.",
      "These settings belong to the bucket, not to a path in it.",
      "", "")
_rule("GLC405", "tasks-not-deployed", W, "infrastructure generated, task deployment not generated",
      "Reports an executor whose infrastructure is generated but whose tasks are not deployed on it by the "
      "generated Terraform (e.g. Databricks jobs in an Azure workspace).",
      "Settings that only apply to jobs must not be silently dropped; you define those jobs yourself.",
      "", "")
_rule("GLC406", "artifact-name-clash", E, "two pipelines would be written to the same files",
      "Reports a pipeline whose name maps to the runner and graph files of another pipeline (`daily/etl` "
      "and `daily_etl` both become `runners/daily_etl.py`; names differing only in case clash too).",
      "One pipeline's artifacts would silently overwrite the other's.",
      "", "")
_rule("GLC402", "no-infrastructure", I, "a local project has no infrastructure",
      "Reports that a project whose providers are all `LocalConfig` writes no Terraform.",
      "Says why `terraform/` is absent from the build output.",
      "", "")

_rule("GLC501", "runner-compile-time-name", W, "task code uses something that exists only when compiling",
      "Reports a task, or a value it uses, that needs a provider, an executor, a pipeline, a `glacier` import "
      "or a value built from one.",
      "The generated runner works without `glacier`; such a name is left out and the node fails at run time.",
      "", "")
_rule("GLC502", "runner-unknown-argument", E, "a task argument the runner cannot pass",
      "Reports an argument of a task call that is not known statically (e.g. a list of buckets).",
      "The runner (and a cloud entry point) cannot build the value, so that node is certain to fail when it "
      "runs: `check` refuses it rather than pass a pipeline that cannot work.",
      "", "")
_rule("GLC503", "runner-module-object", W, "a project module used as an object",
      "Reports a project module used other than as `module.name` in task code (e.g. `getattr(helpers, x)`).",
      "Only `module.name` references are followed when the runner copies code; the rest is left out.",
      "", "")
_rule("GLC504", "unstorable-boundary-value", E, "a result that cannot be stored crosses executors",
      "Reports a node whose result goes to a node on another executor while its task's return annotation "
      "names a type that cannot be stored between nodes (`set`, `bytes`, `object`, `pl.Series`, a callable, "
      "an iterator, dates...). Unannotated results and names the check does not know are left to the "
      "runtime, which refuses such a value with an error naming the node.",
      "Between executors a result is stored as data, never as Python objects: frames as Parquet, other "
      "values as JSON (None, bool, int, float, str, and lists, tuples and str-keyed dicts of those or of "
      "frames). Unpickling stored objects would let whoever can write the store run code as the function.",
      _HEAD + "lambda_exec = provider.serverless(config=LambdaConfig(memory=1024))\n\n\n@local_exec.task()\ndef ids() -> set[int]:\n"
      "    return {1, 2}\n\n\n@lambda_exec.task()\ndef count(values) -> int:\n    return len(values)\n\n\n"
      "@pipeline()\ndef flow():\n    count(ids())\n",
      _HEAD + "lambda_exec = provider.serverless(config=LambdaConfig(memory=1024))\n\n\n@local_exec.task()\ndef ids() -> list[int]:\n"
      "    return [1, 2]\n\n\n@lambda_exec.task()\ndef count(values) -> int:\n    return len(values)\n\n\n"
      "@pipeline()\ndef flow():\n    count(ids())\n")


#: Rules that live in a module of their own under glacierc/checks/ (code, severity, documentation and the
#: check itself); the catalogue reads their metadata from there.
RULE_MODULES = ("glc212_unknown_library_name", "glc213_unknown_attribute", "glc214_unknown_keyword",
                "glc215_undefined_name", "glc216_unused_storage_parameter")


def _register_rule_modules() -> None:
    import importlib

    for name in RULE_MODULES:
        module = importlib.import_module(f"glacierc.checks.{name}")
        _rule(module.CODE, module.NAME, module.SEVERITY, module.TITLE, module.WHAT, module.WHY,
              module.EXAMPLE, module.INSTEAD)


_register_rule_modules()


def rule_text(code: str) -> str:
    """The documentation of one code, as `glacierc rule CODE` prints it (Markdown)."""
    rule = RULES[code]
    parts = [f"# {rule.code} ({rule.name}): {rule.title}", "", f"Default severity: {rule.severity.value}",
             "", "## What it does", rule.what, "", "## Why is this bad?", rule.why]
    if rule.example:
        parts += ["", "## Example", "```python", rule.example.rstrip(), "```"]
    if rule.instead:
        parts += ["", "## Use instead", "```python", rule.instead.rstrip(), "```"]
    return "\n".join(parts) + "\n"
