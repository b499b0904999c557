"""Glacier programs built from the language's own pieces: providers, buckets, executors, tasks and pipelines
with config fields from the catalogue, valid values, values just outside the limits and values of the wrong
type, spelled through every import style. Most are valid enough to reach the backends."""

from __future__ import annotations

from glacierc.fuzzing.chooser import Chooser

_KINDS = {"local": (), "serverless": ("LambdaConfig", "CloudFunctionConfig", "AzureFunctionConfig"),
          "vm": ("EC2Config", "ComputeEngineConfig", "AzureVMConfig"),
          "cluster": ("DatabricksConfig", "SparkConfig", "DataprocConfig")}
_PROVIDERS = ("AwsConfig", "GcpConfig", "AzureConfig", "LocalConfig")
_STORAGE = ("S3Config", "GCSConfig", "AzureBlobConfig")
_PATHS = ("raw.csv", "out/data.parquet", "x.ndjson", "a.ipc", "events/*.parquet", "noext", "", "../up.csv",
          "dir/", "ü/ß.csv", "s p a c e.csv", "x.json", "x.parquet?v=1")
_NAMES = ("etl", "daily", "a-b", "a b", "ü", "", "x" * 200, "../evil", "a/b", "name'quote", "CON", ".", "con\\x00")
_STRINGS = ("''", "'x'", "'a' * 3", "f'{1}'", "str(1)", "'é'", "os.getenv('NAME', 'v')", "os.environ['V']")
_CONDITIONS = ("True", "False", "os.getenv('X')", "unknown", "1 < 2")
_WEIRD = ("None", "True", "-1", "0", "10**30", "1.5", "[]", "{}", "('a',)", "print", "undefined_name", "1/0",
          "'' . join([])", "os.getenv('X')", "[1] * 3", "{'a': 1}")


def program(c: Chooser) -> str:
    names = _imports(c)
    lines = list(names.pop("#lines"))
    providers = [f"provider{i}" for i in range(c.integer(1, 3))]
    for provider in providers:
        lines.append(f"{provider} = {_provider(c, names)}")
    buckets = [f"bucket{i}" for i in range(c.integer(0, 4))]
    for bucket in buckets:
        lines.append(f"{bucket} = {c.choice(providers)}.bucket({_bucket_args(c, names)})")
    executors = [f"exec{i}" for i in range(c.integer(0, 3))]
    for executor in executors:
        lines.append(f"{executor} = {_executor(c, providers, names)}")
    tasks = [f"task{i}" for i in range(c.integer(1, 5))]
    for position, name in enumerate(tasks):
        lines += _task(c, name, tasks[:position], executors, buckets, names)
    for index in range(c.integer(1, 2)):
        lines += _pipeline(c, f"flow{index}", tasks, buckets, names)
    if c.chance(20):
        lines += ["", "if __name__ == '__main__':", "    flow0.run(mode='local')"]
    return "\n".join(lines) + "\n"


def _imports(c: Chooser) -> dict:
    style = c.integer(0, 2)
    configs = (*_PROVIDERS, *_STORAGE, *(k for v in _KINDS.values() for k in v), "LifecycleRule")
    if style == 0:
        lines = ["import os", "import polars as pl", "from glacier import Provider, pipeline, task",
                 f"from glacier.config import {', '.join(configs)}"]
        names = {k: k for k in configs} | {"Provider": "Provider", "pipeline": "pipeline", "task": "task"}
    elif style == 1:
        lines = ["import os", "import polars as pl", "import glacier as gl"]
        names = {k: f"gl.config.{k}" for k in configs} | {"Provider": "gl.Provider", "pipeline": "gl.pipeline",
                                                          "task": "gl.task"}
    else:
        lines = ["import os", "import polars as pl", "from glacier import Provider as P, pipeline as flow, task as t",
                 "from glacier import config as cfg"]
        names = {k: f"cfg.{k}" for k in configs} | {"Provider": "P", "pipeline": "flow", "task": "t"}
    names["#lines"] = lines + [""]
    return names


def _config(c: Chooser, type_name: str, names: dict) -> str:
    from glacier.config import fields_of

    parts = []
    for spec in fields_of(type_name):
        if spec.required or c.chance(35):
            parts.append(f"{spec.name}={_field_value(c, spec, names)}")
    if c.chance(5):
        parts.append(f"unknown_field={c.choice(_WEIRD)}")
    return f"{names.get(type_name, type_name)}({', '.join(parts)})"


def _field_value(c: Chooser, spec, names: dict) -> str:
    if c.chance(10):
        return c.choice(_WEIRD)
    if spec.name == "lifecycle_rules":
        return "[" + ", ".join(_config(c, "LifecycleRule", names) for _ in range(c.integer(0, 2))) + "]"
    if spec.choices:
        return repr(c.choice(spec.choices)) if c.chance(85) else "'not-a-choice'"
    if spec.minimum is not None or spec.maximum is not None:
        low = spec.minimum if spec.minimum is not None else 0
        high = spec.maximum if spec.maximum is not None else low + 1000
        return str(c.choice((low, high, (low + high) // 2, low - 1, high + 1)))
    if isinstance(spec.default, bool):
        return c.choice(("True", "False"))
    if isinstance(spec.default, int):
        return str(c.integer(-1, 5000))
    return c.choice(_STRINGS) if c.chance(30) else repr(c.choice(("data", "./data", "my-project", "us-east-1", "x")))


def _provider(c: Chooser, names: dict) -> str:
    if c.chance(8):
        return f"{c.choice(('AWSProvider', 'GCPProvider', 'LocalProvider'))}(region='us-east-1')"
    config = c.choice(_PROVIDERS) if c.chance(92) else c.choice(("S3Config", "LambdaConfig"))
    return f"{names['Provider']}(config={_config(c, config, names)})"


def _bucket_args(c: Chooser, names: dict) -> str:
    parts = [f"bucket={repr(c.choice(('data', 'raw', 'b', '', 'UPPER', 'a' * 80)))}",
             f"path={repr(c.choice(_PATHS)) if c.chance(90) else c.choice(_STRINGS)}"]
    if c.chance(20):
        parts.append(f"format={repr(c.choice(('csv', 'parquet', 'ndjson', 'ipc', 'xml')))}")
    if c.chance(30):
        parts.append(f"config={_config(c, c.choice(_STORAGE), names)}")
    return ", ".join(parts[:c.integer(0, len(parts))] if c.chance(5) else parts)


def _executor(c: Chooser, providers: list[str], names: dict) -> str:
    kind = c.choice(tuple(_KINDS))
    provider = c.choice(providers)
    if kind == "local" or c.chance(5):
        return f"{provider}.{kind}()"
    return f"{provider}.{kind}(config={_config(c, c.choice(_KINDS[kind]), names)})"


def _task(c: Chooser, name: str, earlier: list[str], executors: list[str], buckets: list[str], names: dict) -> list:
    options = []
    if earlier and c.chance(30):
        options.append(f"depends_on=[{', '.join(c.choice(earlier + ['missing', repr(name)]) for _ in range(2))}]")
    if c.chance(20):
        options.append(f"retries={c.choice(('0', '3', '-1', 'None', 'True'))}")
    if c.chance(10):
        options.append(f"name={c.choice(_NAMES)!r}")
    decorator = f"@{c.choice(executors)}.task({', '.join(options)})" if executors and c.chance(85) else \
        f"@{names['task']}"
    params = [f"p{i}" for i in range(c.integer(0, 3))]
    body = [_task_statement(c, params, buckets) for _ in range(c.integer(1, 3))]
    return ["", decorator, f"def {name}({', '.join(params)}):", *body, f"    return {_returned(c, params)}"]


def _task_statement(c: Chooser, params: list[str], buckets: list[str]) -> str:
    source = c.choice(params + buckets) if params + buckets else "None"
    return c.choice((f"    frame = {source}.scan()", f"    {source}.write(frame)", f"    data = {source}.read()",
                     f"    frame = pl.scan_parquet({source}.get_uri())",
                     f"    frame.write_csv({source}.get_uri())", f"    helper({source})", "    pass"))


def _returned(c: Chooser, params: list[str]) -> str:
    return c.choice(params) if params and c.chance(70) else c.choice(("None", "pl.DataFrame()", "frame"))


def _pipeline(c: Chooser, name: str, tasks: list[str], buckets: list[str], names: dict) -> list:
    decorator = f"@{names['pipeline']}(name={c.choice(('etl', name, *_NAMES))!r})" if c.chance(90) else \
        f"@{names['pipeline']}"
    values = list(buckets) or ["None"]
    body = []
    for step in range(c.integer(1, 6)):
        args = ", ".join(c.choice(values + ["1", "'x'", "[]"]) for _ in range(c.integer(0, 3)))
        call = f"{c.choice(tasks)}({args})"
        shape = c.integer(0, 9)
        if shape == 0:
            body += [f"    for item in {c.choice(('[1, 2]', '()', 'range(3)', 'values'))}:", f"        out{step} = {call}"]
        elif shape == 1:
            body += [f"    if {c.choice(_CONDITIONS)}:", f"        out{step} = {call}"]
        elif shape == 2:
            body.append(f"    out{step}, extra{step} = {call}")
        else:
            body.append(f"    out{step} = {call}")
        values.append(f"out{step}")
    body.append(f"    return {c.choice(values)}")
    return ["", decorator, f"def {name}():", *body]
