"""A key may hold `*`, `?` or `[` (object names are any characters): the runtime reads the object it names, not
the objects a glob of it would match. Real files named `a[1]*.<format>` beside `a1b.<format>`, which such a
glob matches; every format the runtime scans; one object and a list of them; objects in S3 (a moto server).
The cloud stores' mapped runs read such a key too (tests/test_partitions_listing*.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.runtime.conftest import load_runtime
from tests.test_runner_cloud import fresh_buckets, moto, s3_client  # noqa: F401  (moto: the server fixture)

NAMED, DECOY = "a[1]*", "a1b"  # the glob `a[1]*` matches `a1b`
FORMATS = ("parquet", "csv", "ndjson", "ipc")


def _files(folder: Path, file_format: str) -> tuple[str, str]:
    for stem, value in ((NAMED, 1), (DECOY, 2)):
        getattr(pl.DataFrame({"x": [value]}), f"write_{file_format}")(folder / f"{stem}.{file_format}")
    return str(folder / f"{NAMED}.{file_format}"), str(folder / f"{DECOY}.{file_format}")


@pytest.mark.parametrize("file_format", FORMATS)
def test_an_exact_scan_reads_the_named_file_only(tmp_path, file_format):
    runtime = load_runtime(STORAGE={}, NODES={}, LEVELS=(), TASKS={})
    named, decoy = _files(tmp_path, file_format)
    assert runtime.scan_file(named, file_format, None, exact=True).collect()["x"].to_list() == [1]
    assert runtime.scan_file([named, decoy], file_format, None, exact=True).collect()["x"].to_list() == [1, 2]
    assert runtime.count_rows(named, file_format, None) == 1
    # what a plain scan does with the same name: the glob, which reads the other file
    assert runtime.scan_file(named, file_format, None).collect()["x"].to_list() == [2]


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_library_reads_a_partition_by_its_key(tmp_path, file_format, monkeypatch):
    from glacier import Provider
    from glacier.config import LocalConfig

    (tmp_path / "raw" / "events").mkdir(parents=True)
    _files(tmp_path / "raw" / "events", file_format)
    monkeypatch.chdir(tmp_path)
    provider = Provider(config=LocalConfig(base_path="."))
    events = provider.bucket(bucket="raw", path=f"events/*.{file_format}", format=file_format)
    parts = events.partitions()
    assert [p.path for p in parts] == [f"events/{DECOY}.{file_format}", f"events/{NAMED}.{file_format}"]  # by key
    assert [p.read()["x"].to_list() for p in parts] == [[2], [1]]
    prefix = provider.bucket(bucket="raw", path="events/", format=file_format)
    assert sorted(prefix.read()["x"].to_list()) == [1, 2]


def test_in_an_object_store_a_key_is_read_as_named_or_refused(moto, tmp_path):  # noqa: F811  (the fixture)
    client = s3_client(moto)
    fresh_buckets(client, "glacier-exact-names")
    for file_format in ("csv", "ndjson"):
        _files(tmp_path, file_format)
        for stem in (NAMED, DECOY):
            client.put_object(Bucket="glacier-exact-names", Key=f"events/{stem}.{file_format}",
                              Body=(tmp_path / f"{stem}.{file_format}").read_bytes())
    options = {"aws_endpoint_url": moto, "aws_access_key_id": "x", "aws_secret_access_key": "x",
               "aws_region": "us-east-1", "aws_allow_http": "true"}
    runtime = load_runtime(STORAGE={}, NODES={}, LEVELS=(), TASKS={})
    named = f"s3://glacier-exact-names/events/{NAMED}"
    assert runtime.scan_file(f"{named}.csv", "csv", options, exact=True).collect()["x"].to_list() == [1]
    # scan_ndjson has no glob=False, and an object store's glob no classes: refused, naming the object
    with pytest.raises(runtime.UnreadableName, match=r"cannot read s3://glacier-exact-names/events/a\[1\]\*\.ndjson"):
        runtime.scan_file(f"{named}.ndjson", "ndjson", options, exact=True)
