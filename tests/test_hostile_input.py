"""Hostile input is a diagnostic or a usage error, never a traceback; user strings are escaped wherever they
are shown (every output format and `build` messages); links out of the project are not read; files of the
same name in two directories are both analysed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glacierc.diagnostics.render import FORMATS, printable
from tests.helpers import glacierc

HEAD = '''from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
fn = provider.serverless(config=LambdaConfig(memory=1024))
'''
BODY = '''

@fn.task()
def load(src=raw) -> pl.LazyFrame:
    return src.scan()


@pipeline
def main():
    load()
'''


def _no_crash(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr


@pytest.mark.parametrize("command", [["build", "-o", "OUT"], ["analyze", "--format", "json"], ["check"]])
def test_a_lone_surrogate_is_a_diagnostic(tmp_path, command):
    (tmp_path / "p.py").write_text(HEAD + 'raw = provider.bucket(bucket="acme-raw", path="r\\ud800.parquet")' + BODY,
                                   encoding="utf-8")
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    result = glacierc(args[0], str(tmp_path / "p.py"), *args[1:])
    _no_crash(result)
    assert result.returncode == 1 and "lone surrogate" in result.stdout + result.stderr
    assert not (tmp_path / "out").exists()


def test_a_non_utf8_env_value_is_a_usage_error(tmp_path):
    (tmp_path / "p.py").write_text(HEAD + 'raw = provider.bucket(bucket="acme-raw", path="r.parquet")' + BODY,
                                   encoding="utf-8")
    script = Path(sys.executable).with_name("glacierc")
    for command in (b"check", b"build", b"analyze"):
        result = subprocess.run([bytes(script), command, bytes(tmp_path / "p.py"), b"-e", b"B=a\xff"],
                                capture_output=True, timeout=300, cwd=tmp_path)
        stderr = result.stderr.decode("utf-8")
        assert result.returncode == 2 and "must be UTF-8" in stderr and "Traceback" not in stderr


def test_an_identifier_of_newer_unicode_is_a_syntax_error(tmp_path):
    (tmp_path / "p.py").write_text("\U0001389d = 1\n", encoding="utf-8")  # Unicode 16, newer than Python 3.11's
    result = glacierc("check", str(tmp_path / "p.py"), "--output-format", "concise")
    _no_crash(result)
    assert result.returncode == 1 and "GLC001" in result.stdout


HOSTILE = "\x1b]0;pwned\x07\x1b[2J\r\n::add-mask::secret\n::stop-commands::tok\u202e"


def _hostile_project(tmp_path: Path) -> Path:
    (tmp_path / "p.py").write_text(HEAD + f"raw = provider.bucket(bucket={HOSTILE!r}, path='r.parquet')" + BODY,
                                   encoding="utf-8")
    return tmp_path / "p.py"


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_are_escaped_in_every_format(tmp_path, fmt):
    result = glacierc("check", str(_hostile_project(tmp_path)), "--output-format", fmt)
    _no_crash(result)
    assert result.returncode == 1 and "GLC306" in result.stdout
    for char in ("\x1b", "\x07", "\r", "\u202e"):
        assert char not in result.stdout
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.lstrip().startswith(("::add-mask", "::stop-commands"))]
    if fmt == "github":
        assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    if fmt in ("json", "sarif"):
        assert "\\\\x1b" in result.stdout and json.loads(result.stdout)


def test_build_messages_escape_paths(tmp_path):
    project = tmp_path / "a\x1b[31mb"
    project.mkdir()
    source = _hostile_project(project)
    result = glacierc("build", str(source), "-o", str(tmp_path / "out"))
    _no_crash(result)
    assert result.returncode == 1 and "\x1b" not in result.stderr and "a\\x1b[31mb" in result.stderr


def test_printable_escapes_controls_bidi_and_surrogates_only():
    assert printable("café 🧊 ok") == "café 🧊 ok"
    assert printable("a\x1bb\x9bc\x7f\u2028\u202e\u2066\ud800\t") == "a\\x1bb\\x9bc\\x7f\\u2028\\u202e\\u2066\\ud800\\x09"


def test_a_python_link_out_of_the_project_is_not_read(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("TOKEN = 'hunter2'\ndef broken(:\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pipeline.py").write_text("x = 1\n", encoding="utf-8")
    os.symlink(secret, project / "evil.py")
    os.symlink(project / "pipeline.py", project / "alias.py")  # inside the project: the same module, once
    for target in (str(project), str(project / "evil.py")):
        result = glacierc("check", target, "--output-format", "concise")
        _no_crash(result)
        assert "GLC007" in result.stdout and "evil.py" in result.stdout and result.returncode == 0
        assert "hunter2" not in result.stdout and "GLC001" not in result.stdout and "alias" not in result.stdout


def test_files_of_the_same_name_in_two_directories_are_both_checked(tmp_path):
    for folder, bucket in (("a", "BAD_A"), ("b", "BAD_B")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "pipeline.py").write_text(
            HEAD + f"raw = provider.bucket(bucket={bucket!r}, path='r.parquet')" + BODY, encoding="utf-8")
    result = glacierc("check", "a/pipeline.py", "b/pipeline.py", "--output-format", "json", cwd=tmp_path)
    found = sorted((d["file"], d["code"], d["message"].split("`")[3]) for d in json.loads(result.stdout))
    assert result.returncode == 1
    assert found == [("a/pipeline.py", "GLC306", "BAD_A"), ("b/pipeline.py", "GLC306", "BAD_B")]


def test_build_check_messages_escape_the_output_path(tmp_path):
    source = tmp_path / "p.py"
    source.write_text(HEAD + "raw = provider.bucket(bucket='acme-raw', path='r.parquet')" + BODY, encoding="utf-8")
    out = tmp_path / "out\n::add-mask::x\x1b[2J"
    result = glacierc("build", str(source), "-o", str(out), "--check")
    _no_crash(result)
    assert result.returncode == 1 and "is stale" in result.stderr
    assert "\x1b" not in result.stderr and not any(line.startswith("::") for line in result.stderr.splitlines())


def test_the_fuzzer_makes_these_inputs_and_they_do_not_crash(tmp_path):
    from glacierc.fuzzing import mutate
    from glacierc.fuzzing.cases import ENV_VALUES
    from glacierc.fuzzing.chooser import for_case
    from glacierc.fuzzing.target import run_case

    seed = HEAD + "raw = provider.bucket(bucket='acme-raw', path='r.parquet')" + BODY
    made = [operator(seed, for_case(7, n), ()) for n in range(40)
            for operator in (mutate.new_identifier, mutate.string_escape)]
    assert any(letter in text for text in made for letter in mutate.NEW_LETTERS)
    assert any("\\ud800" in text or "\\udc80" in text or "\\udfff" in text for text in made)
    assert any("\udcff" in value for values in ENV_VALUES.values() for value in values)  # non-UTF-8 `-e`
    for n, text in enumerate(made[:24]):
        (tmp_path / f"case{n}").mkdir()
        (tmp_path / f"case{n}" / "pipeline.py").write_text(text, encoding="utf-8", errors="surrogatepass")
        env = {"SOURCE_BUCKET": "a\udcff"} if n % 2 else {"BUCKET": "*"}
        crash = run_case([str(tmp_path / f"case{n}" / "pipeline.py")], env, tmp_path / f"out{n}" / "o")
        assert crash is None, crash.detail if crash else ""
