"""pre-commit passes only the staged files: `glacierc check FILE` checks FILE's whole project, so a change in
`tasks.py` that breaks a call in `pipeline.py` fails the hook (a real git repository, the real entry point)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.helpers import FIXTURES, glacierc

TASKS = '''from glacier import Provider
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig(base_path="./data"))
local_exec = provider.local()
raw = provider.bucket(bucket="raw", path="in.csv")
out = provider.bucket(bucket="out", path="out.parquet")


@local_exec.task()
def load(source):
    return source.scan()


@local_exec.task()
def save(frame, target):
    target.write(frame)
'''
PIPELINE = '''from glacier import pipeline

from tasks import load, out, raw, save


@pipeline(name="daily")
def daily():
    save(load(raw), out)
'''


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "tasks.py").write_text(TASKS)
    (repo / "pipeline.py").write_text(PIPELINE)
    _git(repo, "add", "tasks.py", "pipeline.py")
    _git(repo, "commit", "-q", "-m", "pipeline")
    return repo


def test_a_staged_change_that_breaks_another_file_fails_the_hook(tmp_path):
    repo = _repo(tmp_path)
    (repo / "tasks.py").write_text(TASKS.replace("def save(frame, target):", "def save(frame, target, extra):"))
    _git(repo, "add", "tasks.py")
    staged = _git(repo, "diff", "--cached", "--name-only", "--", "*.py").split()
    assert staged == ["tasks.py"]  # what pre-commit passes
    result = glacierc("check", "--output-format", "concise", *staged, cwd=repo)
    assert result.returncode == 1
    assert "pipeline.py:8:5: GLC203 call of task `save`: missing required argument: `extra`" in result.stdout
    assert "GLC204" not in result.stdout  # the tasks are called: no "unused task" from checking tasks.py alone
    _git(repo, "checkout", "--", ".")
    _git(repo, "reset", "-q", "--hard")
    assert glacierc("check", "tasks.py", cwd=repo).returncode == 0  # clean again, from the cache or not


def test_every_error_of_the_project_is_reported_and_fixes_stay_in_named_files(tmp_path):
    repo = _repo(tmp_path)
    legacy = (FIXTURES / "core" / "legacy_api" / "pipeline.py").read_text()
    (repo / "old.py").write_text(legacy)  # not staged, not named: reported, never rewritten
    items = json.loads(glacierc("check", "--output-format", "json", "tasks.py", cwd=repo).stdout)
    assert {(i["file"], i["code"]) for i in items} >= {("old.py", "GLC101")}
    assert all(i["fix"] is None for i in items if i["file"] == "old.py")
    fixed = glacierc("check", "--fix", "tasks.py", cwd=repo)
    assert fixed.returncode == 1 and "GLC101" in fixed.stdout
    assert (repo / "old.py").read_text() == legacy
    assert glacierc("check", "--fix", "old.py", cwd=repo).returncode == 0  # named: fixed
    assert "GlacierEnv" not in (repo / "old.py").read_text()


def test_a_directory_is_checked_as_given_and_excluded_files_stay_out(tmp_path):
    repo = _repo(tmp_path)
    (repo / "pipeline.py").write_text(PIPELINE.replace("save(load(raw), out)", "save(load(raw))"))
    (repo / "sub").mkdir()
    (repo / "sub" / "x.py").write_text("x = 1\n")
    assert glacierc("check", "sub", cwd=repo).returncode == 0  # a directory: what is under it, no wider
    assert glacierc("check", "tasks.py", cwd=repo).returncode == 1
    (repo / "pyproject.toml").write_text("[tool.glacierc]\nextend-exclude = ['pipeline.py']\n")
    assert glacierc("check", "tasks.py", cwd=repo).returncode == 0  # the project is walked as `check DIR` walks


def test_a_cached_check_of_one_file_sees_a_change_in_another_file_of_its_project(tmp_path):
    """The cache is keyed by every file of the named files' projects: a clean cached `check pipeline.py` turns
    red when only tasks.py changes, and green again when it is restored."""
    repo = _repo(tmp_path)
    assert glacierc("check", "pipeline.py", cwd=repo).returncode == 0
    assert glacierc("check", "pipeline.py", cwd=repo).returncode == 0  # from the cache
    (repo / "tasks.py").write_text(TASKS.replace("def save(frame, target):", "def save(frame, target, extra):"))
    broken = glacierc("check", "pipeline.py", "--output-format", "concise", cwd=repo)
    assert broken.returncode == 1 and "GLC203" in broken.stdout
    (repo / "tasks.py").write_text(TASKS)
    assert glacierc("check", "pipeline.py", cwd=repo).returncode == 0
