"""The pipeline the column rules' cases start from: orders with a declared schema, read by one task."""

HEAD = """from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

provider = Provider(config=LocalConfig())
local_exec = provider.local()
orders = provider.bucket(bucket="raw", path="orders.parquet",
                         schema={"id": pl.Int64, "customer": pl.String, "amount": pl.Float64})

"""
