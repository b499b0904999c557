"""GLC306/GLC307: bucket, container and object-path rules per cloud, reported by `check` with the rule broken
and a span on the argument; a user string (`-e BUCKET=*`) can never reach a generated IAM resource."""

from __future__ import annotations

import json

import pytest

from glacierc.checks.glc306_invalid_storage_name import (azure_account_rule, azure_container_rule, gcs_bucket_rule,
                                                  local_directory_rule, s3_bucket_rule)
from glacierc.checks.glc307_invalid_storage_path import path_rule
from tests.helpers import FIXTURES, glacierc

PIPELINE = '''import os
from glacier import Provider, pipeline
from glacier.config import {config}, LambdaConfig
import polars as pl

provider = Provider(config={config}({args}))
fn = provider.serverless(config=LambdaConfig(memory=1024))
raw = provider.bucket(bucket=os.getenv("SOURCE_BUCKET", "acme-raw"), path=os.getenv("SOURCE_PATH", "raw.parquet"))
out = provider.bucket(bucket="acme-out", path="out/x.parquet")


@fn.task()
def load(src=raw) -> pl.LazyFrame:
    return src.scan()


@fn.task()
def save(df: pl.LazyFrame, dst=out) -> None:
    dst.write(df)


@pipeline
def main():
    save(load())
'''
CLOUDS = {"aws": ("AwsConfig", "region='us-east-1'"), "gcp": ("GcpConfig", "project_id='p'"),
          "local": ("LocalConfig", "")}


@pytest.mark.parametrize(("name", "broken"), [
    ("acme-raw", None), ("a.b-c", None), ("ab", "3 to 63 characters"), ("x" * 64, "3 to 63 characters"),
    ("*", "only lower-case"), ("Acme", "only lower-case"), ("acme_raw", "only lower-case"),
    ("-acme", "starts and ends"), ("acme.", "starts and ends"), ("a..b", "adjacent dots"),
    ("192.168.1.1", "IP address"), ("xn--acme", "prefix"), ("acme-s3alias", "suffix"), ("a/b", "only lower-case"),
])
def test_s3_bucket_rules(name, broken):
    found = s3_bucket_rule(name)
    assert (found is None) if broken is None else (broken in found)


@pytest.mark.parametrize(("name", "broken"), [
    ("acme_raw", None), ("a" * 63 + "." + "b" * 63, None), ("a" * 64, "3 to 63"), ("a" + ".b" * 120, "up to 222"),
    ("my-google-data", "`google`"), ("goog-data", "`goog` prefix"), ("a..b", "adjacent dots"), ("*", "only lower-case"),
])
def test_gcs_bucket_rules(name, broken):
    found = gcs_bucket_rule(name)
    assert (found is None) if broken is None else (broken in found)


@pytest.mark.parametrize(("name", "broken"), [
    ("raw-data", None), ("Raw_Data", "only lower-case"), ("-raw", "starts with"), ("raw-", "ends with"),
    ("raw--data", "consecutive hyphens"), ("ab", "3 to 63"),
])
def test_azure_container_rules(name, broken):
    found = azure_container_rule(name)
    assert (found is None) if broken is None else (broken in found)


def test_azure_account_and_local_directory_rules():
    assert azure_account_rule("acmedata01") is None and azure_account_rule("acme-data") is not None
    assert local_directory_rule("café") is None and local_directory_rule("b") is None
    for bad in ("..", ".", "a/b", "a\\b", "*", "a\x1bb", " a"):
        assert local_directory_rule(bad) is not None, bad


@pytest.mark.parametrize(("path", "broken"), [
    ("events/day.parquet", None), ("events/*.parquet", None), ("scores/", None), ("history/daily", None),
    ("/etc/passwd.csv", "leading `/`"), ("../x.csv", "`..` segment"), ("a/./x.csv", "`.` or `..`"),
    ("a//x.csv", "empty segment"), ("a\\x.csv", "backslash"), ("*/x.csv", None), ("events/**/*.csv", None),
    ("a/x?.csv", None), ("a/[ab].csv", None), ("a/[!0-9]*.csv", None), ("a/x[1.csv", "closed class"),
    ("a/x].csv", "closed class"), ("a**b/x.csv", "whole segment"), ("a/{x,y}.csv", "`{`"), ("a/${x}.csv", "`{`"),
    ("a/x\x1b[2J.csv", "control"), ("a/x\u202e.csv", "control"),
    ("a/x\ud800.csv", "control"),
])
def test_path_rules(path, broken):
    found = path_rule(path)
    assert (found is None) if broken is None else (broken in found)


def _check(tmp_path, cloud: str, *env: str):
    config, args = CLOUDS[cloud]
    (tmp_path / "pipeline.py").write_text(PIPELINE.format(config=config, args=args), encoding="utf-8")
    flags = [arg for pair in env for arg in ("-e", pair)]
    result = glacierc("check", str(tmp_path / "pipeline.py"), "--output-format", "json", *flags)
    return result.returncode, json.loads(result.stdout) if result.returncode != 2 else result.stderr


@pytest.mark.parametrize("cloud", ["aws", "gcp", "local"])
def test_a_wildcard_bucket_from_the_environment_is_an_error_on_the_argument(tmp_path, cloud):
    code, found = _check(tmp_path, cloud, "SOURCE_BUCKET=*")
    assert code == 1
    [diagnostic] = [d for d in found if d["code"] == "GLC306"]
    assert diagnostic["severity"] == "error" and "the rule broken is" in diagnostic["message"]
    assert (diagnostic["line"], diagnostic["column"]) == (8, 30)  # the `bucket=` value, not the whole call


@pytest.mark.parametrize("path", ["../../etc/x.csv", "/etc/x.csv", "a/../../x.csv", "a/**/../../x.csv", "a\x1b[31m.csv"])
def test_an_escaping_path_from_the_environment_is_an_error_on_the_argument(tmp_path, path):
    code, found = _check(tmp_path, "local", f"SOURCE_PATH={path}")
    if "\x1b" in path:  # control characters never reach the compiler through -e: a usage error
        assert code == 2 and "\\x1b" in found and "\x1b" not in found
        return
    assert code == 1
    [diagnostic] = [d for d in found if d["code"] == "GLC307"]
    assert diagnostic["line"] == 8 and diagnostic["column"] > 60  # the `path=` value


def test_names_the_backends_used_to_refuse_are_now_refused_by_check():
    result = glacierc("check", str(FIXTURES / "terraform_azure" / "unsupported"), "--output-format", "concise")
    assert "GLC306" in result.stdout and "`Raw_Data` is not a valid Azure container name" in result.stdout


def test_build_writes_nothing_for_a_wildcard_bucket(tmp_path):
    config, args = CLOUDS["aws"]
    (tmp_path / "pipeline.py").write_text(PIPELINE.format(config=config, args=args), encoding="utf-8")
    result = glacierc("build", str(tmp_path / "pipeline.py"), "-o", str(tmp_path / "out"), "-e", "SOURCE_BUCKET=*")
    assert result.returncode == 1 and "GLC306" in result.stderr and not (tmp_path / "out").exists()
