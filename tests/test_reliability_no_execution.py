"""No command but `run` executes a line of the user's code. The project below would, if any of it ran, write a
marker file, connect to a socket the test listens on, or end the process with its own exit status - from its
module level, package `__init__`, imported modules, class bodies, decorators, default arguments and
annotations. Modules named like the compiler's own dependencies sit in the working directory too."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import glacierc

TRAP = """
import os, socket, sys
open({marker!r} + ".{name}", "w").write("ran")
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=1)
except OSError:
    pass
"""
CONFIG = TRAP + """
REGION = "us-east-1"
"""
PIPELINE = TRAP + """
from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig
from glacier.providers import AWSProvider

from .settings import REGION


def side_effect(function=open({marker!r} + ".default", "w")):
    open({marker!r} + ".decorator", "w").write("ran")
    os._exit(7)


class Meta(type):
    def __new__(mcs, *args):
        os._exit(8)


class Evil(metaclass=Meta):
    open({marker!r} + ".class", "w").write("ran")


provider = Provider(config=AwsConfig(region=REGION))
{legacy}
lambda_exec = provider.serverless(config=LambdaConfig(memory=1024))
raw = provider.bucket(bucket="data", path="raw.csv")
clean = provider.bucket(bucket="data", path="clean.parquet")


@side_effect
@lambda_exec.task()
def load(source, hook=open({marker!r} + ".argument", "w")) -> open({marker!r} + ".annotation", "w"):
    os.system("touch " + {marker!r} + ".body")
    return source.scan()


@lambda_exec.task()
def save(frame: __import__("os")._exit(9)):
    clean.write(frame)


@pipeline(name="etl")
def etl(when=sys.exit(3)):
    save(load(raw))


if __name__ != "__never__":
    sys.exit(4)
os._exit(5)
"""
LEGACY = 'legacy = AWSProvider(region="us-east-1")  # GLC101: `check --fix` and `migrate` rewrite it'
SHADOWED = ("glacier", "glacierc", "libcst", "typer", "click", "polars", "jinja2", "rich", "graphviz",
            "sitecustomize", "usercustomize", "encodings", "json", "tomllib")


@pytest.fixture()
def trap(tmp_path):
    """(tmp_path, the package, a working directory full of shadow modules, the listening socket)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    marker = str(tmp_path / "marker")
    for name, legacy in (("app", ""), ("old", LEGACY)):
        package = tmp_path / "project" / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(TRAP.format(marker=marker, name=f"{name}-init", port=port))
        (package / "settings.py").write_text(CONFIG.format(marker=marker, name=f"{name}-settings", port=port))
        (package / "pipeline.py").write_text(PIPELINE.format(marker=marker, name=name, port=port, legacy=legacy))
    shadows = tmp_path / "cwd"
    shadows.mkdir()
    for name in SHADOWED:
        (shadows / f"{name}.py").write_text(TRAP.format(marker=marker, name=f"shadow-{name}", port=port))
    yield tmp_path, tmp_path / "project" / "app", shadows, listener
    listener.close()


def _ran(tmp_path: Path, listener: socket.socket) -> list[str]:
    """Markers written and connections made by user code."""
    ran = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("marker"))
    try:
        listener.accept()[0].close()
        ran.append("socket connection")
    except BlockingIOError:
        pass
    return ran


COMMANDS = {  # the valid module: every command goes all the way (exit 0)
    "check": ["check", "{project}/app"],
    "check json": ["check", "--output-format", "json", "{project}/app"],
    "analyze json": ["analyze", "--format", "json", "{project}/app"],
    "analyze table": ["analyze", "{project}/app"],
    "build": ["build", "{project}/app", "-o", "{out}"],
    "graph dot": ["graph", "{project}/app", "--pipeline", "etl"],
    "graph mermaid": ["graph", "{project}/app", "--pipeline", "etl", "--format", "mermaid"],
}
REWRITES = {  # the old-API module: rewritten, never run
    "check --fix": ["check", "--fix", "{project}/old"],
    "migrate diff": ["migrate", "{project}/old", "--diff"],
    "migrate write": ["migrate", "{project}/old", "--write"],
}


@pytest.mark.parametrize("command", [*COMMANDS, *REWRITES])
def test_no_command_runs_user_code(trap, command):
    tmp_path, package, shadows, listener = trap
    project = tmp_path / "copy"  # --fix and --write rewrite files
    shutil.copytree(package.parent, project)
    args = [a.format(project=project, out=tmp_path / "out") for a in {**COMMANDS, **REWRITES}[command]]
    result = glacierc(*args, cwd=shadows)
    assert result.returncode in ((0,) if command in COMMANDS else (0, 1)), (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert not _ran(tmp_path, listener), "user code ran"


def test_the_traps_work(trap):
    """Running one of the files for real writes its marker and connects to the socket."""
    tmp_path, package, _, listener = trap
    subprocess.run([sys.executable, str(package / "settings.py")], check=True, timeout=60)
    assert _ran(tmp_path, listener) == ["marker.app-settings", "socket connection"]


def test_python_dash_m_ignores_modules_in_the_working_directory(trap):
    """Every shadow but `glacierc.py` itself: `python -m glacierc` resolves the name `glacierc` before any of
    our code runs, so a file of that name in the working directory is Python's choice (use the `glacierc`
    script, or `python -P -m glacierc`); what glacierc imports afterwards never comes from the cwd."""
    tmp_path, package, shadows, listener = trap
    (shadows / "glacierc.py").unlink()
    result = subprocess.run([sys.executable, "-m", "glacierc", "check", str(package)], cwd=shadows,
                            capture_output=True, text=True, timeout=300, check=False)
    assert not _ran(tmp_path, listener), "user code ran"
    assert result.returncode in (0, 1)
