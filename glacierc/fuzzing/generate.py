"""Glacier programs built from the language's own pieces: providers, buckets, executors, tasks and pipelines
with config fields from the catalogue, spelled through every import style. Half of them are tame (valid
values, calls that fit, so they reach the backends); the other half are wild (values just outside the
limits, wrong types, odd names, calls that do not fit)."""

from __future__ import annotations

from glacierc.fuzzing.chooser import Chooser

_KINDS = {"local": (), "serverless": ("LambdaConfig", "CloudFunctionConfig", "AzureFunctionConfig"),
          "vm": ("EC2Config", "ComputeEngineConfig", "AzureVMConfig"),
          "cluster": ("DatabricksConfig", "SparkConfig", "DataprocConfig")}
_CLOUDS = {"AwsConfig": 0, "GcpConfig": 1, "AzureConfig": 2, "LocalConfig": None}
_STORAGE = ("S3Config", "GCSConfig", "AzureBlobConfig")
_CONFIGS = (*_CLOUDS, *_STORAGE, *(k for v in _KINDS.values() for k in v), "LifecycleRule")
_PATHS = ("raw.csv", "out/data.parquet", "x.ndjson", "a.ipc", "events/*.parquet")
_WILD_PATHS = ("noext", "", "../up.csv", "dir/", "ü/ß.csv", "s p a c e.csv", "x.json", "x.parquet?v=1", "/abs.csv")
_NAMES = ("etl", "daily", "a-b", "a b", "ü", "", "x" * 200, "../evil", "a/b", "name'quote", "CON", ".", "n\x00ul")
_STRINGS = ("''", "'x'", "'a' * 3", "f'{1}'", "str(1)", "'é'", "os.getenv('NAME', 'v')", "os.environ['V']")
_CONDITIONS = ("True", "False", "os.getenv('X')", "unknown", "1 < 2")
_WEIRD = ("None", "True", "-1", "0", "10**30", "1.5", "[]", "{}", "('a',)", "print", "undefined_name", "1/0",
          "'' . join([])", "os.getenv('X')", "[1] * 3", "{'a': 1}")
_IMPORTS = (
    (("from glacier import Provider, pipeline, task", f"from glacier.config import {', '.join(_CONFIGS)}"),
     "{}", "Provider", "pipeline", "task"),
    (("import glacier as gl",), "gl.config.{}", "gl.Provider", "gl.pipeline", "gl.task"),
    (("from glacier import Provider as P, pipeline as flow, task as t", "from glacier import config as cfg"),
     "cfg.{}", "P", "flow", "t"),
)


def program(c: Chooser) -> str:
    return _Program(c, wild=c.chance(50)).source()


class _Program:
    def __init__(self, c: Chooser, wild: bool) -> None:
        self.c, self.wild = c, wild
        imports, self.config_name, self.provider, self.pipeline, self.task_decorator = c.choice(_IMPORTS)
        self.lines = ["import os", "import polars as pl", *imports, ""]
        self.cloud = c.choice(tuple(_CLOUDS))

    def odd(self, percent: int) -> bool:
        return self.wild and self.c.chance(percent)

    def source(self) -> str:
        c = self.c
        providers = [f"provider{i}" for i in range(c.integer(1, 3 if self.wild else 1))]
        self.lines += [f"{p} = {self.new_provider()}" for p in providers]
        buckets = [f"bucket{i}" for i in range(c.integer(0, 4))]
        self.lines += [f"{b} = {c.choice(providers)}.bucket({self.bucket_args()})" for b in buckets]
        executors = [f"exec{i}" for i in range(c.integer(0, 3))]
        self.lines += [f"{e} = {self.new_executor(c.choice(providers))}" for e in executors]
        tasks: dict[str, int] = {}
        for position in range(c.integer(1, 5)):
            tasks[f"task{position}"] = self.new_task(f"task{position}", list(tasks), executors, buckets)
        for index in range(c.integer(1, 2)):
            self.new_pipeline(f"flow{index}", tasks, buckets)
        if c.chance(20):
            self.lines += ["", "if __name__ == '__main__':", "    flow0.run(mode='local')"]
        return "\n".join(self.lines) + "\n"

    def config(self, type_name: str) -> str:
        from glacier.config import fields_of

        parts = [f"{spec.name}={self.field_value(spec)}" for spec in fields_of(type_name)
                 if spec.required or self.c.chance(35)]
        if self.odd(10):
            parts.append(f"unknown_field={self.c.choice(_WEIRD)}")
        return f"{self.config_name.format(type_name)}({', '.join(parts)})"

    def field_value(self, spec) -> str:
        c = self.c
        if self.odd(15):
            return c.choice(_WEIRD + _STRINGS)
        if spec.name == "lifecycle_rules":
            return "[" + ", ".join(self.config("LifecycleRule") for _ in range(c.integer(0, 2))) + "]"
        if spec.choices:
            return repr(c.choice(spec.choices)) if not self.odd(20) else "'not-a-choice'"
        if spec.minimum is not None or spec.maximum is not None:
            low = spec.minimum if spec.minimum is not None else 0
            high = spec.maximum if spec.maximum is not None else low + 1000
            return str(c.choice((low - 1, high + 1)) if self.odd(30) else c.choice((low, high, (low + high) // 2)))
        if isinstance(spec.default, bool):
            return c.choice(("True", "False"))
        if isinstance(spec.default, int):
            return str(c.integer(1, 100))
        return repr(c.choice(("data", "./data", "my-project", "us-east-1", "eastus", "m5.large")))

    def new_provider(self) -> str:
        if self.odd(10):
            return f"{self.c.choice(('AWSProvider', 'GCPProvider', 'LocalProvider'))}(region='us-east-1')"
        config = self.c.choice(("S3Config", "LambdaConfig")) if self.odd(8) else self.cloud
        return f"{self.provider}(config={self.config(config)})"

    def bucket_args(self) -> str:
        c = self.c
        name = c.choice(("data", "raw", "b", "", "UPPER", "a" * 80)) if self.odd(30) else c.choice(("data", "raw"))
        path = c.choice(_WILD_PATHS + _STRINGS) if self.odd(30) else c.choice(_PATHS)
        parts = [f"bucket={name!r}", f"path={path}" if path in _STRINGS else f"path={path!r}"]
        if c.chance(20):
            parts.append(f"format={c.choice(('csv', 'parquet', 'ndjson', 'ipc', 'xml'))!r}")
        cloud = _CLOUDS[self.cloud]
        if c.chance(30) and (cloud is not None or self.wild):
            parts.append(f"config={self.config(_STORAGE[cloud] if cloud is not None else c.choice(_STORAGE))}")
        return ", ".join(parts[:c.integer(0, len(parts))] if self.odd(10) else parts)

    def new_executor(self, provider: str) -> str:
        kind = self.c.choice(tuple(_KINDS))
        cloud = _CLOUDS[self.cloud]
        if kind == "local" or self.odd(10) or (cloud is None and not self.wild):
            return f"{provider}.local()"
        choices = _KINDS[kind]
        if self.wild:
            config = self.c.choice(choices)
        else:  # not wild: the cloud is known (returned above otherwise)
            config = choices[cloud] if kind != "cluster" and cloud is not None else choices[0]
        return f"{provider}.{kind}(config={self.config(config)})"

    def new_task(self, name: str, earlier: list[str], executors: list[str], buckets: list[str]) -> int:
        c, options = self.c, []
        if earlier and c.chance(30):
            pool = earlier + (["missing", repr(name)] if self.wild else [])
            options.append(f"depends_on=[{', '.join(c.choice(pool) for _ in range(c.integer(1, 2)))}]")
        if c.chance(20):
            options.append(f"retries={c.choice(('0', '3', '-1', 'None', 'True') if self.wild else ('0', '3'))}")
        if self.odd(20):
            options.append(f"name={c.choice(_NAMES)!r}")
        decorator = f"@{c.choice(executors)}.task({', '.join(options)})" if executors and c.chance(85) else \
            f"@{self.task_decorator}"
        params = [f"p{i}" for i in range(c.integer(0, 3))]
        body = [self.task_statement(params, buckets) for _ in range(c.integer(1, 3))]
        returned = c.choice(params) if params and c.chance(70) else "pl.DataFrame()"
        self.lines += ["", decorator, f"def {name}({', '.join(params)}):", *body, f"    return {returned}"]
        return len(params)

    def task_statement(self, params: list[str], buckets: list[str]) -> str:
        source = self.c.choice(params + buckets) if params + buckets else "pl"
        return self.c.choice((f"    frame = {source}.scan()", f"    {source}.write(pl.DataFrame())",
                              f"    data = {source}.read()", f"    frame = pl.scan_parquet({source}.get_uri())",
                              f"    pl.DataFrame().write_csv({source}.get_uri())", f"    print({source})",
                              "    pass"))

    def new_pipeline(self, name: str, tasks: dict[str, int], buckets: list[str]) -> None:
        c = self.c
        label = c.choice(_NAMES) if self.odd(30) else name
        decorator = f"@{self.pipeline}(name={label!r})" if not self.odd(20) else f"@{self.pipeline}"
        values, body = list(buckets) or ["1"], []
        for step in range(c.integer(1, 6)):
            task = c.choice(tuple(tasks))
            count = c.integer(0, 3) if self.odd(30) else tasks[task]
            pool = values + (["1", "'x'", "[]", "undefined"] if self.wild else [])
            call = f"{task}({', '.join(c.choice(pool) for _ in range(count))})"
            shape = c.integer(0, 9)
            if shape == 0:
                body += [f"    for item in {c.choice(('[1, 2]', '()', 'range(3)', 'values'))}:",
                         f"        out{step} = {call}"]
            elif shape == 1:
                body += [f"    if {c.choice(_CONDITIONS)}:", f"        out{step} = {call}"]
            elif shape == 2 and self.wild:
                body.append(f"    out{step}, extra{step} = {call}")
            else:
                body.append(f"    out{step} = {call}")
            values.append(f"out{step}")
        body.append(f"    return {c.choice(values)}")
        self.lines += ["", decorator, f"def {name}():", *body]
