"""Write the small sample data sets of the examples (deterministic: one fixed seed per file).

    python examples/make_sample_data.py

Re-running gives byte-identical files. Layout: examples/<example>/data/<bucket>/<path>.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl

EXAMPLES = Path(__file__).resolve().parent

REGIONS = ("north", "south", "east", "west")
PRODUCTS = ("anvil", "bolt", "crate", "drill", "easel")
COUNTRIES = ("BR", "DE", "FR", "JP", "US")
EVENT_TYPES = ("view", "view", "click", "click", "purchase", "bogus")
STATUSES = ("completed", "completed", "cancelled", "completed", "pending")
CATEGORIES = ("garden", "kitchen", "office", "tools")


def quickstart_sales() -> pl.DataFrame:
    """120 sales lines; quantity <= 0 marks a return."""
    rng = random.Random(1)
    ids = range(1, 121)
    return pl.DataFrame(
        {
            "order_id": list(ids),
            "region": [rng.choice(REGIONS) for _ in ids],
            "product": [rng.choice(PRODUCTS) for _ in ids],
            "quantity": [rng.randint(-2, 9) for _ in ids],
            "unit_price": [rng.randint(20, 120) / 4 for _ in ids],
        }
    )


def aws_events() -> pl.DataFrame:
    """300 click-stream events with some missing users, unknown types and duplicates."""
    rng = random.Random(2)
    start = dt.datetime(2025, 1, 1)
    rows = []
    for i in range(1, 301):
        event_id = i - 1 if i % 50 == 0 else i  # every 50th row repeats the previous event
        kind = rng.choice(EVENT_TYPES)
        rows.append(
            {
                "event_id": event_id,
                "user_id": None if i % 29 == 0 else rng.randint(1, 40),
                "event_type": kind,
                "amount": rng.randint(500, 20000) / 100 if kind == "purchase" else 0.0,
                "ts": start + dt.timedelta(minutes=rng.randint(0, 5 * 24 * 60)),
            }
        )
    schema = {"event_id": pl.Int64, "user_id": pl.Int64, "event_type": pl.String,
              "amount": pl.Float64, "ts": pl.Datetime("us")}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def aws_users() -> pl.DataFrame:
    """40 users across five countries."""
    rng = random.Random(3)
    ids = range(1, 41)
    return pl.DataFrame(
        {
            "user_id": list(ids),
            "name": [f"user_{i:02d}" for i in ids],
            "country": [rng.choice(COUNTRIES) for _ in ids],
            "signup_date": [str(dt.date(2024, 1, 1) + dt.timedelta(days=7 * i)) for i in ids],
        }
    )


def gcp_orders() -> pl.DataFrame:
    """240 orders of 30 customers over 12 products, in several statuses."""
    rng = random.Random(4)
    ids = range(1, 241)
    return pl.DataFrame(
        {
            "order_id": list(ids),
            "customer_id": [rng.randint(1, 30) for _ in ids],
            "product_id": [rng.randint(1, 12) for _ in ids],
            "quantity": [rng.randint(0, 5) for _ in ids],
            "status": [rng.choice(STATUSES) for _ in ids],
            "order_date": [str(dt.date(2025, 3, 1) + dt.timedelta(days=rng.randint(0, 27))) for _ in ids],
        }
    )


def gcp_customers() -> pl.DataFrame:
    """30 customers in five countries and two segments."""
    rng = random.Random(5)
    ids = range(1, 31)
    return pl.DataFrame(
        {
            "customer_id": list(ids),
            "name": [f"customer_{i:02d}" for i in ids],
            "country": [rng.choice(COUNTRIES) for _ in ids],
            "segment": [rng.choice(("business", "consumer")) for _ in ids],
        }
    )


def gcp_products() -> pl.DataFrame:
    """12 products in four categories."""
    rng = random.Random(6)
    ids = range(1, 13)
    return pl.DataFrame(
        {
            "product_id": list(ids),
            "name": [f"product_{i:02d}" for i in ids],
            "category": [CATEGORIES[i % 4] for i in ids],
            "price": [rng.randint(300, 9900) / 100 for _ in ids],
        }
    )


def write(frame: pl.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix
    if suffix == ".csv":
        frame.write_csv(target)
    elif suffix == ".ndjson":
        frame.write_ndjson(target)
    else:
        frame.write_parquet(target, statistics=False)
    print(f"wrote {target.relative_to(EXAMPLES)} ({frame.height} rows)")


SAMPLES = {
    "quickstart/data/raw/sales.csv": quickstart_sales,
    "aws_etl/data/acme-raw/events/events.parquet": aws_events,
    "aws_etl/data/acme-raw/users/users.csv": aws_users,
    "gcp_analytics/data/glacier-demo-raw/orders/orders.csv": gcp_orders,
    "gcp_analytics/data/glacier-demo-raw/customers/customers.parquet": gcp_customers,
    "gcp_analytics/data/glacier-demo-raw/products/products.ndjson": gcp_products,
}


def main() -> None:
    for relative, build in SAMPLES.items():
        write(build(), EXAMPLES / relative)


if __name__ == "__main__":
    main()
