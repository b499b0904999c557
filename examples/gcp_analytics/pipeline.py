"""GCP analytics: revenue by country and product category from three source files in GCS.

Orders (CSV), customers (Parquet) and products (NDJSON) are joined on Dataproc after a Cloud
Function keeps only completed orders; the report is written back to GCS.

    python examples/gcp_analytics/pipeline.py        # local run on the sample data
"""

from pathlib import Path

import polars as pl

from glacier import Provider, pipeline
from glacier.config import CloudFunctionConfig, DataprocConfig, GcpConfig, GCSConfig

provider = Provider(config=GcpConfig(project_id="glacier-demo", region="us-central1"))

local_exec = provider.local()
function_exec = provider.serverless(config=CloudFunctionConfig(memory=1024, timeout=300))
dataproc_exec = provider.cluster(
    config=DataprocConfig(machine_type="n2-standard-4", num_workers=2)
)

orders = provider.bucket(bucket="glacier-demo-raw", path="orders/orders.csv", config=GCSConfig())
customers = provider.bucket(
    bucket="glacier-demo-raw", path="customers/customers.parquet", config=GCSConfig()
)
products = provider.bucket(
    bucket="glacier-demo-raw", path="products/products.ndjson", config=GCSConfig()
)
report = provider.bucket(
    bucket="glacier-demo-reports",
    path="revenue/by_country_category.parquet",
    config=GCSConfig(storage_class="NEARLINE"),
)


@local_exec.task()
def load(source) -> pl.LazyFrame:
    """Scan one source file."""
    return source.scan()


@function_exec.task()
def completed_orders(df: pl.LazyFrame) -> pl.LazyFrame:
    """Keep completed orders with at least one unit."""
    return df.filter((pl.col("status") == "completed") & (pl.col("quantity") > 0))


@dataproc_exec.task()
def join_all(
    order_lines: pl.LazyFrame, people: pl.LazyFrame, catalogue: pl.LazyFrame
) -> pl.LazyFrame:
    """Attach each order's customer country and product category and price."""
    return order_lines.join(
        people.select("customer_id", "country"), on="customer_id", how="inner"
    ).join(catalogue.select("product_id", "category", "price"), on="product_id", how="inner")


@dataproc_exec.task()
def aggregate(df: pl.LazyFrame) -> pl.LazyFrame:
    """Orders, distinct customers, units and revenue per country and category."""
    return (
        df.group_by("country", "category")
        .agg(
            orders=pl.len(),
            customers=pl.col("customer_id").n_unique(),
            units=pl.col("quantity").sum(),
            revenue=(pl.col("quantity") * pl.col("price")).sum().round(2),
        )
        .sort("country", "category")
    )


@local_exec.task()
def publish(summary: pl.LazyFrame) -> pl.DataFrame:
    """Write the report and return it."""
    result = summary.collect()
    report.write(result)
    return result


@pipeline(name="gcp_analytics")
def gcp_analytics():
    raw_orders = load(orders)
    raw_customers = load(customers)
    raw_products = load(products)
    completed = completed_orders(raw_orders)
    joined = join_all(completed, raw_customers, raw_products)
    summary = aggregate(joined)
    return publish(summary)


if __name__ == "__main__":
    print(gcp_analytics.run(mode="local", data_dir=Path(__file__).parent / "data"))
