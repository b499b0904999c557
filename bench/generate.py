"""Generate a large pipeline in the language of the contract: N tasks (~6 lines each), one pipeline."""

from __future__ import annotations

import sys

HEADER = '''"""Generated benchmark pipeline with {n} tasks."""
from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig, S3Config
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
local_exec = provider.local()
lambda_exec = provider.serverless(config=LambdaConfig(memory=1024, timeout=300))
raw = provider.bucket(bucket="bench-raw", path="input/data.parquet", config=S3Config())
out = provider.bucket(bucket="bench-out", path="output/result.parquet", config=S3Config())


@local_exec.task()
def load(source) -> pl.LazyFrame:
    """Scan the input."""
    return source.scan()
'''

TASK = '''

@{executor}.task()
def step_{i}(df: pl.LazyFrame) -> pl.LazyFrame:
    """Step {i} of the chain."""
    threshold = {i} % 97
    return df.filter(pl.col("value") > threshold).with_columns(pl.col("value") + 1)
'''

FOOTER = '''

@local_exec.task()
def save(df: pl.LazyFrame) -> None:
    """Write the result."""
    out.write(df)


@pipeline(name="bench")
def bench():
    data = load(raw)
{calls}
    save(data)
    return data
'''


SCHEMA = ', schema={"id": pl.Int64, "value": pl.Int64})'


def generate(n: int, *, schema: bool = False) -> str:
    """The benchmark pipeline; with `schema`, both buckets declare their columns, so the column analysis runs
    over every task body."""
    tasks = "".join(TASK.format(i=i, executor="lambda_exec" if i % 3 == 0 else "local_exec") for i in range(n))
    calls = "\n".join(f"    data = step_{i}(data)" for i in range(n))
    header = HEADER.format(n=n)
    if schema:
        header = header.replace("config=S3Config())", "config=S3Config()" + SCHEMA)
    return header + tasks + FOOTER.format(calls=calls)


if __name__ == "__main__":
    sys.stdout.write(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
