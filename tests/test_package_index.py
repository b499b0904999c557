"""`package-index` in `[tool.glacierc]`: every requirements.txt a build writes (job packages, Cloud Functions
sources, Function Apps) starts with `--index-url URL`, so nodes install from the configured mirror instead of
PyPI; the value becomes a line of generated files, so anything but a plain http(s) URL without credentials is a
configuration error (exit 2). A job's install step, run for real with this machine's pip, installs the fixture's
private distribution from a local package index named that way, and from nowhere else.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from probe_wheel import PROBE, build_probe_wheel, throwaway

from glacierc.driver import build
from glacierc.runtime.installed import satisfied
from tests.helpers import FIXTURES, ROOT, glacierc

JOBS = FIXTURES / "aws_sfn" / "job_requirements"
GCP = ROOT / "examples" / "gcp_analytics" / "pipeline.py"
AZURE = FIXTURES / "terraform_azure" / "functions_vm" / "pipeline.py"


def _project(tmp_path: Path, source: Path, index: str, extra: tuple[Path, ...] = ()) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(source, project / "pipeline.py")
    for path in extra:
        shutil.copy(path, project / path.name)
    (project / "pyproject.toml").write_text(f'[tool.glacierc]\npackage-index = "{index}"\n', encoding="utf-8")
    return project / "pipeline.py"


@pytest.mark.parametrize("value", [
    "https://pypi.example.com/simple\n--trusted-host evil.example",  # a second line of requirements.txt
    "https://user:secret@pypi.example.com/simple",  # credentials in generated files
    "ftp://pypi.example.com/simple", "pypi.example.com/simple", "https://pypi.example.com/simple #x",
    "https://pypi.example.com/simple/ --pre", "",
])
def test_anything_but_a_plain_index_url_is_a_configuration_error(tmp_path, value):
    source = _project(tmp_path, GCP, value.replace("\n", "\\n"))
    done = glacierc("check", str(source))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "`package-index` must be an http(s) URL" in done.stderr and "Traceback" not in done.stderr


def test_every_requirements_file_of_a_build_names_the_index(tmp_path):
    index = "https://pypi.example.com/simple/"
    for source, extra in ((JOBS / "pipeline.py", (JOBS / "requirements.txt",)), (GCP, ()), (AZURE, ())):
        root = tmp_path / source.parent.name
        root.mkdir()
        out = root / "out"
        result = build([str(_project(root, source, index, extra))], out, {})
        assert result.written, [d.message for d in result.diagnostics]
        found = []
        for archive in sorted((out / "terraform").rglob("*.zip")):
            with zipfile.ZipFile(archive) as package:
                found += [package.read(n).decode() for n in package.namelist() if n.endswith("requirements.txt")]
        found += [p.read_text(encoding="utf-8") for p in (out / "terraform").rglob("requirements.txt")]
        assert found, source
        assert all(text.startswith(f"--index-url {index}\n") for text in found), (source, found)


def test_without_an_index_no_requirements_file_names_one(tmp_path):
    out = tmp_path / "out"
    assert build([str(JOBS / "pipeline.py")], out, {}).written
    with zipfile.ZipFile(out / "terraform" / "jobs" / "spark_exec.zip") as package:
        assert "--index-url" not in package.read("requirements.txt").decode()


def test_the_installed_check_reads_past_the_index_line():
    assert satisfied(["--index-url https://pypi.example.com/simple/", "polars==2.1.0"],
                     lambda name: "2.1.0" if name == "polars" else None)
    assert not satisfied(["--index-url https://pypi.example.com/simple/", "glacier-probe==1.0"], lambda name: None)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def package_index(tmp_path):
    """A PEP 503 simple index on 127.0.0.1 serving only the probe wheel, and the paths it was asked for."""
    root = tmp_path / "index"
    project = root / "simple" / "glacier-probe"
    project.mkdir(parents=True)
    build_probe_wheel(project)
    (project / "index.html").write_text(
        '<!DOCTYPE html><html><body><a href="glacier_probe-1.0-py3-none-any.whl">'
        "glacier_probe-1.0-py3-none-any.whl</a></body></html>\n", encoding="utf-8")
    asked: list[str] = []

    class Handler(_Quiet):
        def do_GET(self) -> None:
            asked.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/", asked
    finally:
        server.shutdown()
        server.server_close()


def test_a_job_installs_its_set_from_the_configured_index(tmp_path, package_index):
    url, asked = package_index
    out = tmp_path / "out"
    assert build([str(_project(tmp_path, JOBS / "pipeline.py", url, (JOBS / "requirements.txt",)))], out, {}).written
    folder = tmp_path / "job"
    with zipfile.ZipFile(out / "terraform" / "jobs" / "spark_exec.zip") as package:
        package.extractall(folder)
    bin_folder, site = throwaway(tmp_path / "node")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env.update(PATH=f"{bin_folder}{os.pathsep}{env['PATH']}", PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_CONFIG_FILE=os.devnull)
    requirements, check = folder / "requirements.txt", folder / "glacier_installed.py"
    step = f"python {check} {requirements} || python -m pip install --quiet --no-input -r {requirements}"
    done = subprocess.run(["sh", "-c", step], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (site / "glacier_probe" / "__init__.py").read_text(encoding="utf-8") == PROBE
    assert "/simple/glacier-probe/" in asked and any(p.endswith(".whl") for p in asked)
    again = subprocess.run([str(bin_folder / "python"), str(check), str(requirements)], timeout=60, env=env)
    assert again.returncode == 0  # installed now: the fast path skips pip
