"""Partitioned datasets in the library: which paths are datasets, what `partitions()` lists, and a
pipeline mapping a task over them in `run(mode="local")`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from glacier.config import AwsConfig, LocalConfig
from glacier.datasets import is_dataset, matches, prefix
from glacier.storage import use_data_dir

FIXTURE = Path(__file__).parent / "fixtures" / "partitions" / "daily" / "pipeline.py"


def write_events(data: Path, count: int = 4) -> pl.DataFrame:
    """`count` event files under raw/events/2026/ (and a file the glob does not match, a hidden one)."""
    folder = data / "raw" / "events" / "2026"
    folder.mkdir(parents=True)
    frames = []
    for day in range(count):
        frame = pl.DataFrame({"user_id": [day, None, day + 10], "country": ["fr", "de", ["fr", "it"][day % 2]]})
        frame.write_parquet(folder / f"day-{day:02}.parquet")
        frames.append(frame)
    (folder / "notes.txt").write_text("not a partition")
    frames[0].write_parquet(folder / ".day-99.parquet.tmp.parquet")
    return pl.concat(frames)


@pytest.mark.parametrize(("path", "dataset", "start"), [
    ("events/2026/*.parquet", True, "events/2026/"), ("events/", True, "events/"),
    ("events/day=*/part.parquet", True, "events/"), ("*.csv", True, ""), ("events/a.parquet", False, "events/a.parquet"),
    ("e/file[0-9].csv", True, "e/"),
])
def test_dataset_paths_and_their_prefix(path, dataset, start):
    assert is_dataset(path) is dataset
    assert prefix(path) == start


@pytest.mark.parametrize(("path", "key", "expected"), [
    ("events/*.parquet", "events/a.parquet", True), ("events/*.parquet", "events/x/a.parquet", False),
    ("events/**/*.parquet", "events/x/y/a.parquet", True), ("events/**/*.parquet", "events/a.parquet", True),
    ("events/", "events/x/a.csv", True), ("events/", "other/a.csv", False), ("events/?.csv", "events/ab.csv", False),
    ("events/[ab].csv", "events/b.csv", True), ("events/[!ab].csv", "events/b.csv", False),
    ("events/*.parquet", "events/.a.parquet", False), ("events/", "events/.staging/a.csv", False),
])
def test_which_keys_are_partitions(path, key, expected):
    assert matches(path, key) is expected


def test_partitions_lists_matching_files_sorted_each_a_bucket(tmp_path):
    write_events(tmp_path)
    provider = Provider(config=LocalConfig(base_path=str(tmp_path)))
    events = provider.bucket(bucket="raw", path="events/2026/*.parquet")
    parts = events.partitions()
    assert [p.path for p in parts] == [f"events/2026/day-{d:02}.parquet" for d in range(4)]
    assert all(p.dataset is events and p.format == "parquet" and p.bucket == "raw" for p in parts)
    assert parts[1].get_uri() == str(tmp_path / "raw" / "events" / "2026" / "day-01.parquet")
    assert parts[1].read()["user_id"].to_list() == [1, None, 11]
    assert parts[2].scan().collect().height == 3


def test_a_prefix_dataset_lists_every_object_below_it(tmp_path):
    write_events(tmp_path)
    provider = Provider(config=LocalConfig(base_path=str(tmp_path)))
    everything = provider.bucket(bucket="raw", path="events/", format="parquet")
    assert [p.path.rsplit("/", 1)[1] for p in everything.partitions()] == [
        "day-00.parquet", "day-01.parquet", "day-02.parquet", "day-03.parquet", "notes.txt"]


def test_partitions_of_a_missing_folder_is_empty_and_of_a_file_refused(tmp_path):
    provider = Provider(config=LocalConfig(base_path=str(tmp_path)))
    assert provider.bucket(bucket="raw", path="none/*.csv").partitions() == []
    with pytest.raises(TypeError, match="needs a dataset"):
        provider.bucket(bucket="raw", path="one.csv").partitions()


def test_cloud_partitions_are_listed_below_a_data_dir(tmp_path):
    # without one, in the object store itself: tests/test_partitions_listing*.py
    write_events(tmp_path)
    events = Provider(config=AwsConfig()).bucket(bucket="raw", path="events/2026/*.parquet")
    with use_data_dir(tmp_path):
        assert len(events.partitions()) == 4


def test_a_mapped_task_runs_per_partition_in_a_local_run(tmp_path):
    every = write_events(tmp_path)
    spec = importlib.util.spec_from_file_location("partitions_daily", FIXTURE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.daily_pipeline.run(mode="local", data_dir=tmp_path)
    written = pl.read_parquet(tmp_path / "curated" / "daily" / "countries.parquet")
    expected = every.filter(pl.col("user_id").is_not_null()).group_by("country").len().sort("country")
    assert_frame_equal(written, expected)
