"""Quickstart: load sales lines, total revenue per region, save the summary as Parquet.

Run it (buckets live under ./data next to this file; the summary lands in data/out/):

    python examples/quickstart/pipeline.py

or analyse it without running it:

    glacierc analyze examples/quickstart/pipeline.py
"""

from pathlib import Path

import polars as pl

from glacier import Provider, pipeline
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig(base_path="./data"))

local_exec = provider.local()

# `schema=` declares each bucket's columns: checked when data is read and written, and by `glacierc check`
# along the whole pipeline before anything runs (a typo such as pl.col("quantiy") is an error with a span).
sales = provider.bucket(bucket="raw", path="sales.csv", schema={
    "order_id": pl.Int64, "region": pl.String, "product": pl.String, "quantity": pl.Int64, "unit_price": pl.Float64,
})
summary = provider.bucket(bucket="out", path="revenue_by_region.parquet", schema={
    "region": pl.String, "orders": pl.UInt32, "units": pl.Int64, "revenue": pl.Float64,
})


@local_exec.task()
def load(source) -> pl.LazyFrame:
    """Scan the raw sales lines."""
    return source.scan()


@local_exec.task()
def transform(df: pl.LazyFrame) -> pl.LazyFrame:
    """Drop returns (quantity <= 0) and total units and revenue per region."""
    return (
        df.filter(pl.col("quantity") > 0)
        .with_columns(revenue=pl.col("quantity") * pl.col("unit_price"))
        .group_by("region")
        .agg(
            orders=pl.len(),
            units=pl.col("quantity").sum(),
            revenue=pl.col("revenue").sum().round(2),
        )
        .sort("region")
    )


@local_exec.task()
def save(df: pl.LazyFrame) -> pl.DataFrame:
    """Write the summary to the output bucket and return it."""
    result = df.collect()
    summary.write(result)
    return result


@pipeline(name="quickstart")
def quickstart():
    data = load(sales)
    totals = transform(data)
    return save(totals)


if __name__ == "__main__":
    print(quickstart.run(mode="local", data_dir=Path(__file__).parent / "data"))
