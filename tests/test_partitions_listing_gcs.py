"""A mapped pipeline over a GCS dataset: the objects are listed with the JSON API
(`storage/v1/b/<bucket>/o?prefix=...&pageToken=...`, a bearer token). No GCS emulator runs offline, so a small
HTTP server here serves a folder of files as a bucket store: the JSON API's list pages (two names a page, so
a listing takes several), and the objects themselves as Polars reads and writes them (`google_base_url`:
GET with ranges, HEAD, PUT), answering only requests that carry the expected bearer token."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import urllib.parse
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

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
