"""A key may hold `*`, `?` or `[` (object names are any characters): the runtime reads the object it names, not
the objects a glob of it would match. Real files named `a[1]*.<format>` beside `a1b.<format>`, which such a
glob matches; every format the runtime scans; one object and a list of them; objects in S3 (a moto server) and Azure Blob
(Azurite) whose keys hold `*`, `[`, spaces, unicode and a regular expression's characters.
The cloud stores' mapped runs read such a key too (tests/test_partitions_listing*.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.runtime.conftest import load_runtime
from tests.test_runner_cloud import azurite, fresh_buckets, moto, s3_client  # noqa: F401  (the server fixtures)

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


#: Keys an object store holds (any characters), each with a decoy that the key read as a glob would match.
STORE_KEYS = (
    ("events/a[1]*.ndjson", "events/a1b.ndjson"),
    ("events/sp ace ü[x]*?.ndjson", "events/sp ace üx12.ndjson"),
    ("events/ünicode *😀 é.ndjson", "events/ünicode x😀 é.ndjson"),
    ("ev*nts/deep [dir]/k.ndjson", "evXnts/deep d/k.ndjson"),
    ("events/h(o)+s|t^i$l{e}]%#~`'\"<>.*x.ndjson", "events/hoos|tl{e}]%#~`'\"<>.yx.ndjson"),
    ("events/a%5B1%5D*.ndjson", "events/a%5B1%5Dz.ndjson"),
)


def _store_reads(put, base: str, options: dict[str, str], runtime) -> None:
    """Each key of STORE_KEYS read alone, and all of them in one list, as named: never its decoy."""
    for index, (key, decoy) in enumerate(STORE_KEYS):
        put(key, f'{{"x": {index}}}\n'.encode())
        put(decoy, b'{"x": -1}\n')
    for index, (key, _) in enumerate(STORE_KEYS):
        frame = runtime.scan_file(base + key, "ndjson", options, exact=True).collect()
        assert frame["x"].to_list() == [index], key
    # what Polars' scan_ndjson does with a plain key: reads it as a glob, which matches the decoy
    assert pl.scan_ndjson(base + STORE_KEYS[0][0], storage_options=options).collect()["x"].to_list() == [-1]
    every = runtime.scan_file([base + key for key, _ in STORE_KEYS], "ndjson", options, exact=True).collect()
    assert every["x"].to_list() == list(range(len(STORE_KEYS)))


def test_in_s3_an_ndjson_key_is_read_as_named(moto):  # noqa: F811  (the fixture)
    client = s3_client(moto)
    fresh_buckets(client, "glacier-exact-names")
    options = {"aws_endpoint_url": moto, "aws_access_key_id": "x", "aws_secret_access_key": "x",
               "aws_region": "us-east-1", "aws_allow_http": "true"}
    runtime = load_runtime(STORAGE={}, NODES={}, LEVELS=(), TASKS={})
    _store_reads(lambda key, body: client.put_object(Bucket="glacier-exact-names", Key=key, Body=body),
                 "s3://glacier-exact-names/", options, runtime)
    # csv too, with glob=False
    client.put_object(Bucket="glacier-exact-names", Key=f"events/{NAMED}.csv", Body=b"x\n1\n")
    client.put_object(Bucket="glacier-exact-names", Key=f"events/{DECOY}.csv", Body=b"x\n2\n")
    named = f"s3://glacier-exact-names/events/{NAMED}.csv"
    assert runtime.scan_file(named, "csv", options, exact=True).collect()["x"].to_list() == [1]


def test_in_azure_blob_an_ndjson_key_is_read_as_named(azurite):
    from tests.azure_durable import AZURITE_ACCOUNT, AZURITE_KEY, blob_service

    service = blob_service(azurite, ["exact-names"], empty=True)
    options = {"azure_storage_account_name": AZURITE_ACCOUNT, "azure_storage_account_key": AZURITE_KEY,
               "azure_endpoint": azurite, "azure_allow_http": "true"}
    runtime = load_runtime(STORAGE={}, NODES={}, LEVELS=(), TASKS={})
    _store_reads(lambda key, body: service.get_blob_client("exact-names", key).upload_blob(body, overwrite=True),
                 "az://exact-names/", options, runtime)


def test_an_exact_glob_escapes_for_the_store_that_expands_it():
    runtime = load_runtime(STORAGE={}, NODES={}, LEVELS=(), TASKS={})
    assert runtime.exact_glob("data/a[1]*?.ndjson") == "data/a[[]1][*][?].ndjson"  # local: classes
    # an object store: the key's part before the segment of the first `*` or `[` as it is, the rest escaped
    assert runtime.exact_glob("s3://b/x.y/?/a[1]*.ndjson") == r"s3://b/x.y/?/a[\x{5B}]1\x{5D}[\x{2A}]\x{2E}ndjson"
    assert runtime.exact_glob("gs://b/k?.ndjson") == "gs://b/k?.ndjson"  # `?` is no wildcard of an object store
    with pytest.raises(runtime.UnreadableName, match=r"cannot read https://host/a\*\.ndjson as named"):
        runtime.exact_glob("https://host/a*.ndjson")


def test_the_library_maps_an_ndjson_dataset_in_s3_by_its_keys(moto, monkeypatch):  # noqa: F811  (the fixture)
    """partitions() lists the keys in S3 and each partition reads its own object, decoys alongside."""
    from glacier import Provider
    from glacier.config import AwsConfig, S3Config

    client = s3_client(moto)
    fresh_buckets(client, "glacier-exact-maps")
    for index, (key, decoy) in enumerate(STORE_KEYS[:3]):  # all in events/, each beside its decoy
        client.put_object(Bucket="glacier-exact-maps", Key=key, Body=f'{{"x": {index}}}\n'.encode())
        client.put_object(Bucket="glacier-exact-maps", Key=decoy, Body=b'{"x": -1}\n')
    for name, value in {"AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                        "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}.items():
        monkeypatch.setenv(name, value)
    provider = Provider(config=AwsConfig(region="us-east-1"))
    events = provider.bucket(bucket="glacier-exact-maps", path="events/*.ndjson", config=S3Config())
    read = {p.path: p.read()["x"].to_list() for p in events.partitions()}
    assert {key: read[key] for key, _ in STORE_KEYS[:3]} == {key: [i] for i, (key, _) in enumerate(STORE_KEYS[:3])}
    assert all(read[decoy] == [-1] for _, decoy in STORE_KEYS[:3])
