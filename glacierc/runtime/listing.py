"""listing: the objects of a dataset in an object store

`object_keys(uri, bucket, prefix, options)` lists every key below `prefix` in the bucket of `uri` (s3://,
gs://, az://), all pages, reached as Polars reaches it: the same storage options (`--storage-option`, a
library bucket's `storage_options`; keys as object_store spells them), else the same environment.
- S3: boto3's `list_objects_v2`, endpoint `aws_endpoint_url` / AWS_ENDPOINT_URL.
- Azure Blob: azure-storage-blob's `list_blobs` in the account `azure_storage_account_name` /
  AZURE_STORAGE_ACCOUNT_NAME at `azure_endpoint`, else the emulator (AZURITE_BLOB_STORAGE_URL) when
  `azure_storage_use_emulator` / AZURE_STORAGE_USE_EMULATOR is true, else https://<account>.blob.core.windows.net;
  with the account key, else a SAS token, else the managed identity (AZURE_CLIENT_ID), as the Durable map's
  listing does.
- GCS: the JSON API below `google_base_url` / GOOGLE_BASE_URL (default https://storage.googleapis.com) with a
  bearer token: `google_bearer_token` / GOOGLE_BEARER_TOKEN, GOOGLE_OAUTH_ACCESS_TOKEN, the metadata server,
  or `gcloud auth print-access-token`.
The client libraries are imported only here, when listing: a runner needs nothing but Python and Polars until
it lists a cloud dataset. The caller keeps the keys the dataset's path matches, and reads each as named
(`exact_source`: a key may hold `*`, `?` or `[`, which Polars' scans otherwise read as a glob). This module
uses nothing of the runner: glacier's library imports it too.
"""

import importlib
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

GCS_BASE_URL = "https://storage.googleapis.com"
METADATA_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"
#: The characters a path given to Polars' scans is globbed by.
POLARS_GLOB = "*?["


class ListingError(Exception):
    """The objects of a cloud dataset could not be listed (no client library, no credentials, a refusal)."""


def object_keys(uri: str, bucket: str, prefix: str, options: dict[str, str] | None) -> list[str]:
    """Every key below `prefix` in `bucket` (the store named by `uri`'s scheme), all pages, in listing order."""
    scheme = uri.partition("://")[0].lower()
    listers = {"s3": s3_keys, "s3a": s3_keys, "gs": gcs_keys, "gcs": gcs_keys, "az": blob_keys, "azure": blob_keys}
    if scheme not in listers:
        raise ListingError(f"cannot list the objects of {uri}: no listing for scheme {scheme!r}")
    folded = {key.lower(): value for key, value in (options or {}).items()}
    return listers[scheme](bucket, prefix, folded)


def exact_source(source: str | list[str], file_format: str) -> tuple[str | list[str], dict[str, bool]]:
    """(source, keyword arguments) with which Polars' `scan_<file_format>` reads exactly the objects `source` (a
    path, URI or key, or a list of them) names, whatever characters the names hold: `glob=False`, or, for Polars
    2.1's scan_ndjson, which takes no `glob`, each name as a glob that matches only itself (`exact_glob`)."""
    names = source if isinstance(source, list) else [source]
    if not any(c in str(name) for name in names for c in POLARS_GLOB):
        return source, {}
    if file_format != "ndjson":
        return source, {"glob": False}
    escaped = [exact_glob(str(name)) for name in names]
    return (escaped if isinstance(source, list) else escaped[0]), {}


#: The schemes whose URIs Polars globs as an object store: it lists below the key's part before the segment
#: holding the first `*` or `[`, and matches the rest as a regular expression (`*` -> `[^/]*`, `.` -> `\.`).
LISTED_SCHEMES = frozenset({"s3", "s3a", "gs", "gcs", "gcp", "az", "azure", "abfs", "abfss", "adl", "file"})


def exact_glob(name: str) -> str:
    """A glob that Polars expands to exactly the file or object `name`. A local name's `*`, `?` and `[` become
    one-character classes (`[*]`, `[?]`, `[[]`). An object store's glob is a regular expression from the segment
    holding the first `*` or `[` on: every character of that rest but ASCII letters, digits and `/` is written
    `\\x{HEX}`, and `*` and `[` as the classes `[\\x{2A}]` and `[\\x{5B}]` (a `[` in the result keeps it a
    glob, so Polars lists and matches instead of reading a key named with the escapes). Any other scheme (http)
    is refused (UnreadableName) rather than read as the objects it would match."""
    scheme, found, rest = name.partition("://")
    if not found:
        return re.sub(r"[*?\[]", lambda m: f"[{m.group()}]", name)
    if scheme.lower() not in LISTED_SCHEMES:
        raise UnreadableName(f"cannot read {name} as named: Polars' scan_ndjson takes no glob=False, and the "
                             f"names of scheme {scheme!r} cannot be escaped; rename the object, or keep the "
                             "dataset as parquet, csv or ipc")
    bucket, slash, key = rest.partition("/")
    first = min((key.index(c) for c in "*[" if c in key), default=-1)
    if first < 0:
        return name
    cut = key.rfind("/", 0, first) + 1
    return f"{scheme}://{bucket}{slash}{key[:cut]}{''.join(map(regex_literal, key[cut:]))}"


def regex_literal(char: str) -> str:
    """`char` in the regular expression of an object store's glob (see `exact_glob`)."""
    if char.isascii() and (char.isalnum() or char == "/"):
        return char
    return f"[\\x{{{ord(char):X}}}]" if char in "*[" else f"\\x{{{ord(char):X}}}"


class UnreadableName(ValueError):
    """An object whose key Polars cannot be told to read as named (see `exact_glob`)."""


def setting(options: dict[str, str], names: tuple[str, ...], *variables: str) -> str | None:
    """The first storage option of `names` that is set, else the first environment variable of `variables`."""
    for name in names:
        if options.get(name):
            return options[name]
    return next((os.environ[v] for v in variables if os.environ.get(v)), None)


def client_library(module: str, package: str, what: str):
    """Import a client library only when listing; name the package to install when it is absent."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ListingError(f"listing {what} needs the Python package {package!r}: pip install {package}") from error


def s3_keys(bucket: str, prefix: str, options: dict[str, str]) -> list[str]:
    boto3 = client_library("boto3", "boto3", f"s3://{bucket}/{prefix}")
    client = boto3.client(
        "s3",
        endpoint_url=setting(options, ("aws_endpoint_url", "aws_endpoint", "endpoint_url", "endpoint"),
                             "AWS_ENDPOINT_URL"),
        region_name=setting(options, ("aws_region", "region", "aws_default_region", "default_region"),
                            "AWS_REGION", "AWS_DEFAULT_REGION"),
        aws_access_key_id=setting(options, ("aws_access_key_id", "access_key_id")),
        aws_secret_access_key=setting(options, ("aws_secret_access_key", "secret_access_key")),
        aws_session_token=setting(options, ("aws_session_token", "session_token", "aws_token", "token")))
    errors = client_library("botocore.exceptions", "boto3", f"s3://{bucket}/{prefix}")
    keys: list[str] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", ())]
    except (errors.BotoCoreError, errors.ClientError) as error:  # no credentials, a refusal, no endpoint
        raise ListingError(f"listing s3://{bucket}/{prefix} failed: {error}") from None
    return keys


def blob_keys(container: str, prefix: str, options: dict[str, str]) -> list[str]:
    blob = client_library("azure.storage.blob", "azure-storage-blob", f"az://{container}/{prefix}")
    account = setting(options, ("azure_storage_account_name", "account_name"), "AZURE_STORAGE_ACCOUNT_NAME")
    if account is None:
        raise ListingError(f"listing az://{container}/{prefix} needs the storage account: the storage option "
                           "azure_storage_account_name or AZURE_STORAGE_ACCOUNT_NAME")
    errors = client_library("azure.core.exceptions", "azure-storage-blob", f"az://{container}/{prefix}")
    try:
        with blob.ContainerClient(blob_account_url(account, options), container,
                                  credential=blob_credential(account, options)) as client:
            return [item.name for item in client.list_blobs(name_starts_with=prefix)]
    except errors.AzureError as error:  # no credentials, a refusal, no endpoint
        raise ListingError(f"listing az://{container}/{prefix} failed: {error}") from None


def blob_account_url(account: str, options: dict[str, str]) -> str:
    endpoint = setting(options, ("azure_storage_endpoint", "azure_endpoint", "endpoint"), "AZURE_STORAGE_ENDPOINT",
                       "AZURE_ENDPOINT")
    if endpoint:
        return endpoint.rstrip("/")
    emulator = setting(options, ("azure_storage_use_emulator", "use_emulator"), "AZURE_STORAGE_USE_EMULATOR")
    if (emulator or "").lower() == "true":
        base = os.environ.get("AZURITE_BLOB_STORAGE_URL", "http://127.0.0.1:10000").rstrip("/")
        return f"{base}/{urllib.parse.quote(account, safe='')}"
    return f"https://{urllib.parse.quote(account, safe='')}.blob.core.windows.net"


def blob_credential(account: str, options: dict[str, str]):
    """The account key when one is set, else a SAS token, else the managed identity (AZURE_CLIENT_ID)."""
    key = setting(options, ("azure_storage_account_key", "azure_storage_access_key", "azure_storage_master_key",
                            "account_key", "access_key", "master_key"), "AZURE_STORAGE_ACCOUNT_KEY")
    if key:
        return {"account_name": account, "account_key": key}
    sas = setting(options, ("azure_storage_sas_key", "azure_storage_sas_token", "sas_key", "sas_token"),
                  "AZURE_STORAGE_SAS_TOKEN")
    if sas:
        return sas
    identity = client_library("azure.identity", "azure-identity", f"the account {account} with a managed identity")
    return identity.ManagedIdentityCredential(
        client_id=setting(options, ("azure_client_id", "azure_storage_client_id", "client_id"), "AZURE_CLIENT_ID"))


def gcs_keys(bucket: str, prefix: str, options: dict[str, str]) -> list[str]:
    base = (setting(options, ("google_base_url", "base_url"), "GOOGLE_BASE_URL") or GCS_BASE_URL).rstrip("/")
    url = f"{base}/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o"
    token, keys, page = gcs_token(options), [], None
    while True:
        query = {"prefix": prefix, "fields": "items(name),nextPageToken", **({"pageToken": page} if page else {})}
        found = gcs_page(f"{url}?{urllib.parse.urlencode(query)}", token, f"gs://{bucket}/{prefix}")
        keys += [item["name"] for item in found.get("items", ())]
        page = found.get("nextPageToken")
        if not page:
            return keys


def gcs_page(url: str, token: str, what: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise ListingError(f"listing {what} failed: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ListingError(f"listing {what} failed: {error}") from None


def gcs_token(options: dict[str, str]) -> str:
    """A bearer token: the storage option (GOOGLE_BEARER_TOKEN, as Polars reads it), GOOGLE_OAUTH_ACCESS_TOKEN,
    the metadata server (GCE_METADATA_HOST), then `gcloud auth print-access-token`."""
    token = setting(options, ("google_bearer_token", "bearer_token"), "GOOGLE_BEARER_TOKEN",
                    "GOOGLE_OAUTH_ACCESS_TOKEN")
    if token:
        return token
    host = os.environ.get("GCE_METADATA_HOST", "metadata.google.internal")
    request = urllib.request.Request(f"http://{host}{METADATA_TOKEN_PATH}", headers={"Metadata-Flavor": "Google"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.loads(response.read())["access_token"]
    except (OSError, ValueError, KeyError):
        pass
    try:
        printed = subprocess.run(["gcloud", "auth", "print-access-token"], capture_output=True, text=True,
                                 timeout=60, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        printed = ""
    if not printed:
        raise ListingError("listing GCS objects needs an access token: set GOOGLE_OAUTH_ACCESS_TOKEN (or the storage "
                           "option google_bearer_token), run on GCP (the metadata server), or log in with gcloud")
    return printed
