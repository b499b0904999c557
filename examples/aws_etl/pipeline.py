"""AWS ETL: click-stream events from S3, cleaned on Lambda, enriched on EMR, saved to S3.

Try it locally on the sample data (every bucket b/path resolves to data/b/path):

    python examples/aws_etl/pipeline.py

and see what would be deployed:

    glacierc build examples/aws_etl/pipeline.py -o out/aws_etl
"""

from pathlib import Path

import polars as pl

from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig, LifecycleRule, S3Config, SparkConfig

provider = Provider(config=AwsConfig(region="us-east-1"))

# Where the code runs.
local_exec = provider.local()
lambda_exec = provider.serverless(config=LambdaConfig(memory=1024, timeout=120))
spark_exec = provider.cluster(
    config=SparkConfig(instance_type="m5.xlarge", num_workers=2, release_label="emr-7.2.0")
)

# Where the data lives.
raw_events = provider.bucket(
    bucket="acme-raw",
    path="events/events.parquet",
    config=S3Config(
        lifecycle_rules=(
            LifecycleRule(prefix="events/", transition_days=30, storage_class="STANDARD_IA"),
        ),
    ),
)
users = provider.bucket(bucket="acme-raw", path="users/users.csv", config=S3Config())
curated = provider.bucket(
    bucket="acme-curated",
    path="daily/country_activity.parquet",
    config=S3Config(storage_class="INTELLIGENT_TIERING"),
)


@local_exec.task()
def extract(source) -> pl.LazyFrame:
    """Scan raw events."""
    return source.scan()


@local_exec.task()
def load_users() -> pl.LazyFrame:
    """Scan the user directory."""
    return users.scan()


@lambda_exec.task(retries=2)
def clean(events: pl.LazyFrame) -> pl.LazyFrame:
    """Drop events without a user or with an unknown type, and duplicate deliveries."""
    known = pl.col("event_type").is_in(["view", "click", "purchase"])
    return events.filter(pl.col("user_id").is_not_null() & known).unique(
        subset="event_id", keep="first", maintain_order=True
    )


@spark_exec.task(timeout=1800)
def enrich(events: pl.LazyFrame, people: pl.LazyFrame) -> pl.LazyFrame:
    """Daily activity and revenue per country."""
    return (
        events.join(people.select("user_id", "country"), on="user_id", how="inner")
        .with_columns(day=pl.col("ts").dt.date())
        .group_by("country", "day")
        .agg(
            events=pl.len(),
            purchases=(pl.col("event_type") == "purchase").sum(),
            revenue=pl.col("amount").sum().round(2),
        )
        .sort("country", "day")
    )


@local_exec.task()
def save(activity: pl.LazyFrame) -> None:
    """Write the curated table."""
    curated.write(activity)


@local_exec.task(depends_on=[save])
def audit() -> pl.DataFrame:
    """Read the curated table back and summarise it (runs after save)."""
    return curated.read().select(
        rows=pl.len(),
        countries=pl.col("country").n_unique(),
        events=pl.col("events").sum(),
        revenue=pl.col("revenue").sum().round(2),
    )


@pipeline(name="aws_etl")
def aws_etl():
    events = extract(raw_events)
    cleaned = clean(events)
    people = load_users()
    activity = enrich(cleaned, people)
    save(activity)
    return audit()


if __name__ == "__main__":
    print(aws_etl.run(mode="local", data_dir=Path(__file__).parent / "data"))
