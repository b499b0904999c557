"""A mapped pipeline over an Azure Blob dataset (Azurite, tests/azure_durable.py starts it): the objects are
listed with azure-storage-blob's `list_blobs(name_starts_with=prefix)` in the account Polars reaches, with its
storage options (`azure_endpoint`, the account key, a SAS token) or with the environment (the emulator's
variables); over pages too, a proxy asking Azurite for two blobs a page."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacierc.runtime.listing import object_keys
from stand_in import Answer, Request, serving
from tests.azure_durable import AZURITE_ACCOUNT, AZURITE_KEY, azurite, azurite_binary
from tests.test_partitions_listing import MATCHED, OUT, OUTPUT_KEY, RAW, expected, glacierc_run, load_pipeline, \
    local_run, read_back, upload, write_objects

FILLERS = 6


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    """The account URL of an Azurite holding the dataset's tree in fresh containers."""
    binary = azurite_binary()
    if isinstance(binary, str):
        pytest.skip(binary)
    blob = pytest.importorskip("azure.storage.blob")
    with azurite(binary, tmp_path_factory.mktemp("azurite")) as url:
        service = blob.BlobServiceClient(url, credential={"account_name": AZURITE_ACCOUNT,
                                                          "account_key": AZURITE_KEY})
        for container in (RAW, OUT):
            service.create_container(container)
        data = tmp_path_factory.mktemp("azure_objects")
        write_objects(data, FILLERS)
        upload(data, lambda container, key, body: service.get_blob_client(container, key).upload_blob(body))
        yield url, service


def output(service, tmp_path, name: str) -> pl.DataFrame:
    return read_back(service.get_blob_client(OUT, OUTPUT_KEY).download_blob().readall(), tmp_path, name)


def remove_output(service) -> None:
    client = service.get_blob_client(OUT, OUTPUT_KEY)
    if client.exists():
        client.delete_blob()


def test_glacierc_run_lists_the_azure_dataset_and_equals_the_local_run(account, tmp_path):
    url, service = account
    remove_output(service)
    options = {"azure_storage_account_name": AZURITE_ACCOUNT, "azure_storage_account_key": AZURITE_KEY,
               "azure_endpoint": url, "azure_allow_http": "true"}
    flags = [arg for key, value in options.items() for arg in ("--storage-option", f"{key}={value}")]
    done = glacierc_run("azure", *flags, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{len(MATCHED)} items" in done.stderr
    cloud = output(service, tmp_path, "cloud.parquet")
    assert_frame_equal(cloud, expected())
    assert_frame_equal(cloud, local_run("azure", tmp_path, FILLERS))


def test_the_library_lists_the_same_blobs_through_the_emulator_variables(account, tmp_path, monkeypatch):
    url, service = account
    remove_output(service)
    for name, value in {"AZURE_STORAGE_ACCOUNT_NAME": AZURITE_ACCOUNT, "AZURE_STORAGE_ACCOUNT_KEY": AZURITE_KEY,
                        "AZURE_STORAGE_USE_EMULATOR": "true",
                        "AZURITE_BLOB_STORAGE_URL": url.removesuffix(f"/{AZURITE_ACCOUNT}")}.items():
        monkeypatch.setenv(name, value)
    module = load_pipeline("azure")
    assert [part.path for part in module.events.partitions()] == sorted(MATCHED)
    module.listed_pipeline.run(mode="local")
    assert_frame_equal(output(service, tmp_path, "library.parquet"), expected())


def test_an_unknown_account_is_asked_for(tmp_path, monkeypatch):
    monkeypatch.delenv("AZURE_STORAGE_ACCOUNT_NAME", raising=False)
    done = glacierc_run("azure", cwd=tmp_path)
    assert done.returncode == 1
    assert "listing az://glacier-list-raw/events/2026/ needs the storage account: the storage option " \
           "azure_storage_account_name or AZURE_STORAGE_ACCOUNT_NAME" in done.stderr


# ---- List Blobs over pages -------------------------------------------------------------------------

PAGE = 2


class Paging:
    """A proxy in front of Azurite that asks List Blobs for PAGE blobs a page (`maxresults`, a query parameter a
    SAS signature does not cover) and records each list request: Azurite then answers with a NextMarker, which
    the listing must follow."""

    def __init__(self, upstream: str) -> None:
        self.upstream, self.lists = upstream, []

    def answer(self, request: Request) -> Answer:
        path = request.path
        if request.query.get("comp") == "list":
            self.lists.append(request.query)
            path += f"&maxresults={PAGE}"
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        forwarded = urllib.request.Request(self.upstream + path, data=request.body or None, method=request.method,
                                           headers=headers)
        try:
            with urllib.request.urlopen(forwarded, timeout=60) as response:
                return response.status, response.read(), _kept(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), _kept(error.headers)


def _kept(headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in ("content-length", "date", "server", "connection",
                                                                  "transfer-encoding", "keep-alive")}


def test_list_blobs_follows_every_next_marker_with_a_sas_token(account):
    url, service = account
    blob = pytest.importorskip("azure.storage.blob")
    sas = blob.generate_container_sas(AZURITE_ACCOUNT, RAW, account_key=AZURITE_KEY,
                                      permission=blob.ContainerSasPermissions(read=True, list=True),
                                      expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    paging = Paging(url.removesuffix(f"/{AZURITE_ACCOUNT}"))
    with serving(paging.answer) as proxy:
        options = {"azure_storage_account_name": AZURITE_ACCOUNT, "azure_endpoint": f"{proxy}/{AZURITE_ACCOUNT}",
                   "azure_storage_sas_token": sas}
        keys = object_keys(f"az://{RAW}/events/2026/*.parquet", RAW, "events/2026/", options)
    below = [b.name for b in service.get_container_client(RAW).list_blobs(name_starts_with="events/2026/")]
    assert keys == below
    assert len(paging.lists) == -(-len(below) // PAGE) > 2  # every page, once
    assert all(query["prefix"] == "events/2026/" for query in paging.lists)
    assert "marker" not in paging.lists[0] and all(query.get("marker") for query in paging.lists[1:])
