"""A mapped pipeline over a GCS dataset: the objects are listed with the JSON API
(`storage/v1/b/<bucket>/o?prefix=...&pageToken=...`, a bearer token). No GCS emulator runs offline, so a small
HTTP server here serves a folder of files as a bucket store: the JSON API's list pages (two names a page, so
a listing takes several), and the objects themselves as Polars reads and writes them (`google_base_url`:
GET with ranges, HEAD, PUT), answering only requests that carry the expected bearer token. Without a token in
the options or the environment, the listing asks a stand-in of the metadata server (GCE_METADATA_HOST), then
a `gcloud` of the test's own on PATH."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import urllib.parse
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier.datasets import matches
from glacierc.runtime.listing import METADATA_TOKEN_PATH, ListingError, object_keys
from stand_in import Answer, Request, serving
from tests.test_partitions_listing import MATCHED, OUT, OUTPUT_KEY, RAW, expected, glacierc_run, load_pipeline, \
    local_run, write_objects

TOKEN = "ya29.test-token"
PAGE_SIZE = 2
FILLERS = 4
LIST_PATH = "/storage/v1/b/"


class Store:
    """Buckets as folders below `root` (tests/stand_in.py serves `answer`); every request recorded as
    (method, path, Authorization)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = ""
        self.requests: list[tuple[str, str, str | None]] = []

    def list_requests(self) -> list[dict[str, list[str]]]:
        return [urllib.parse.parse_qs(urllib.parse.urlsplit(path).query, keep_blank_values=True)
                for method, path, _ in self.requests if method == "GET" and path.startswith(LIST_PATH)]

    def answer(self, request: Request) -> Answer:
        self.requests.append((request.method, request.path, request.headers.get("Authorization")))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": {"code": 401, "message": "Invalid Credentials"}}
        if request.method == "PUT":
            target = self.object_file(request)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(request.body)
            return 200, b"", {"ETag": f'"{hashlib.md5(request.body).hexdigest()}"'}
        if request.method == "GET" and request.path.startswith(LIST_PATH):
            return 200, self.list_page(request)
        return self.serve_object(request)  # GET, or HEAD (its headers only)

    def object_file(self, request: Request) -> Path:
        bucket, _, key = request.route.lstrip("/").partition("/")
        return self.root / urllib.parse.unquote(bucket) / urllib.parse.unquote(key)

    def serve_object(self, request: Request) -> Answer:
        file = self.object_file(request)
        if not file.is_file():
            return 404, b""
        data = file.read_bytes()
        start, end, status, extra = 0, len(data), 200, {}
        wanted = request.headers.get("Range")
        if wanted:
            first, _, last = wanted.removeprefix("bytes=").partition("-")
            start, end = (int(first), min(int(last) + 1, len(data))) if first else (max(0, len(data) - int(last)),
                                                                                   len(data))
            status, extra = 206, {"Content-Range": f"bytes {start}-{end - 1}/{len(data)}"}
        return status, data[start:end], {"ETag": f'"{hashlib.md5(data).hexdigest()}"', **extra,
                                         "Last-Modified": email.utils.formatdate(file.stat().st_mtime, usegmt=True)}

    def list_page(self, request: Request) -> dict[str, object]:
        """One page of the JSON API's objects.list: the names below `prefix`, sorted, PAGE_SIZE at a time;
        `nextPageToken` is opaque (the base64 of the last name given)."""
        bucket = urllib.parse.unquote(request.route[len(LIST_PATH):].removesuffix("/o"))
        query = request.query
        folder = self.root / bucket
        names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        after = base64.urlsafe_b64decode(query["pageToken"]).decode() if "pageToken" in query else ""
        below = [n for n in names if n.startswith(query.get("prefix", "")) and n > after]
        page: dict[str, object] = {"kind": "storage#objects", "items": [{"name": n} for n in below[:PAGE_SIZE]]}
        if len(below) > PAGE_SIZE:
            page["nextPageToken"] = base64.urlsafe_b64encode(below[PAGE_SIZE - 1].encode()).decode()
        return page


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "gcs"
    write_objects(root, FILLERS)
    (root / OUT).mkdir()
    found = Store(root)
    with serving(found.answer) as found.url:
        yield found


def options_flags(url: str, token: str = TOKEN) -> list[str]:
    return ["--storage-option", f"google_base_url={url}", "--storage-option", f"google_bearer_token={token}"]


def test_glacierc_run_lists_the_gcs_dataset_page_by_page_and_equals_the_local_run(store, tmp_path):
    done = glacierc_run("gcp", *options_flags(store.url), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{len(MATCHED)} items" in done.stderr
    cloud = pl.read_parquet(store.root / OUT / OUTPUT_KEY)
    assert_frame_equal(cloud, expected())
    assert_frame_equal(cloud, local_run("gcp", tmp_path, FILLERS))
    listed = store.list_requests()
    below = len([p for p in (store.root / RAW).rglob("*") if p.is_file() and "events/2026/" in p.as_posix()])
    assert len(listed) == -(-below // PAGE_SIZE) > 2  # every page, once
    assert all(query["prefix"] == ["events/2026/"] for query in listed)
    assert "pageToken" not in listed[0] and all("pageToken" in query for query in listed[1:])
    assert {auth for _, _, auth in store.requests} == {f"Bearer {TOKEN}"}


def test_the_library_lists_the_same_gcs_keys_with_the_token_of_the_environment(store, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_BASE_URL", store.url)
    monkeypatch.setenv("GOOGLE_BEARER_TOKEN", TOKEN)
    module = load_pipeline("gcp")
    assert [part.path for part in module.events.partitions()] == sorted(MATCHED)
    module.listed_pipeline.run(mode="local")
    assert_frame_equal(pl.read_parquet(store.root / OUT / OUTPUT_KEY), expected())


def test_a_refused_listing_fails_the_mapped_node_with_the_status(store, tmp_path):
    done = glacierc_run("gcp", *options_flags(store.url, token="wrong"), cwd=tmp_path)
    assert done.returncode == 1
    assert "error: node `measure`" in done.stderr
    assert "listing gs://glacier-list-raw/events/2026/ failed: HTTP 401 Unauthorized" in done.stderr
    assert not (store.root / OUT / OUTPUT_KEY).exists()


# ---- the token, where none is given: the metadata server, then gcloud -----------------------------

METADATA_TOKEN = "ya29.metadata-token"
DATASET_KEYS = sorted(MATCHED)  # the keys the dataset matches


class Metadata:
    """The metadata server's token endpoint, as on a GCP VM or function: only with `Metadata-Flavor: Google`."""

    def __init__(self, token: str | None) -> None:
        self.token, self.requests = token, []

    def answer(self, request: Request) -> Answer:
        self.requests.append((request.route, request.headers.get("Metadata-Flavor")))
        if request.headers.get("Metadata-Flavor") != "Google":
            return 403, b"Missing Metadata-Flavor:Google header."
        if request.route != METADATA_TOKEN_PATH or self.token is None:
            return 404, b"Not Found"
        return 200, {"access_token": self.token, "expires_in": 3599, "token_type": "Bearer"}


@pytest.fixture
def no_token(monkeypatch, tmp_path):
    """An environment with no token: neither variable, no gcloud on PATH (a folder of ours instead)."""
    for name in ("GOOGLE_BEARER_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    tools = tmp_path / "bin"
    tools.mkdir()
    monkeypatch.setenv("PATH", str(tools))
    return tools


def _gcloud(tools: Path, token: str, status: int = 0) -> Path:
    """A `gcloud` on PATH that prints `token` for `auth print-access-token` (and logs how it was called)."""
    script = tools / "gcloud"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{tools}/calls"\necho "{token}"\nexit {status}\n', encoding="utf-8")
    script.chmod(0o755)
    return tools / "calls"


def _listed(store: Store) -> list[str]:
    keys = object_keys(f"gs://{RAW}/events/2026/*.parquet", RAW, "events/2026/", {"google_base_url": store.url})
    return sorted(k for k in keys if matches("events/2026/*.parquet", k))


def test_without_a_token_the_listing_asks_the_metadata_server(store, no_token, monkeypatch):
    metadata = Metadata(TOKEN)
    with serving(metadata.answer) as url:
        monkeypatch.setenv("GCE_METADATA_HOST", url.removeprefix("http://"))
        assert _listed(store) == DATASET_KEYS
    assert metadata.requests == [(METADATA_TOKEN_PATH, "Google")]  # once per listing, as the server wants it
    assert {auth for _, _, auth in store.requests} == {f"Bearer {TOKEN}"}
    assert not (no_token / "calls").exists()  # gcloud was not needed


def test_without_a_metadata_token_the_listing_asks_gcloud(store, no_token, monkeypatch):
    calls = _gcloud(no_token, TOKEN)
    with serving(Metadata(None).answer) as url:  # a metadata server without this token (404)
        monkeypatch.setenv("GCE_METADATA_HOST", url.removeprefix("http://"))
        assert _listed(store) == DATASET_KEYS
    assert calls.read_text().split("\n") == ["auth print-access-token", ""]
    assert {auth for _, _, auth in store.requests} == {f"Bearer {TOKEN}"}


@pytest.mark.parametrize("gcloud", ["absent", "failing", "silent"])
def test_with_no_token_anywhere_the_listing_says_how_to_give_one(store, no_token, monkeypatch, gcloud):
    if gcloud != "absent":
        _gcloud(no_token, "" if gcloud == "silent" else "ya29.never-used", status=1 if gcloud == "failing" else 0)
    with serving(Metadata(None).answer) as url:
        monkeypatch.setenv("GCE_METADATA_HOST", url.removeprefix("http://"))
        with pytest.raises(ListingError, match="listing GCS objects needs an access token: set "
                                               "GOOGLE_OAUTH_ACCESS_TOKEN"):
            _listed(store)
    assert store.requests == []  # nothing was asked of the store without a token


def test_a_token_the_store_refuses_is_reported_with_its_status(store, no_token, monkeypatch):
    with serving(Metadata(METADATA_TOKEN).answer) as url:
        monkeypatch.setenv("GCE_METADATA_HOST", url.removeprefix("http://"))
        with pytest.raises(ListingError, match=rf"listing gs://{RAW}/events/2026/ failed: HTTP 401 Unauthorized"):
            _listed(store)
