"""Shared helpers for tests of generated Terraform (any cloud): write, fmt, validate, checkov.

Nothing here is specific to a cloud: a test writes the emitted files with `write_files`, reads a
root module's blocks back with `read_blocks`, then checks it with `fmt_check`, `validate` (offline,
through a filesystem mirror of providers) or `checkov_failures`. Each tool has a `*_missing()` that
returns the reason to skip (None when the tool is usable), so tests can `pytest.skip(reason)` with a
clear message. The
package helpers at the end unpack serverless packages, list and run their entry functions.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The offline provider mirror (unpacked layout: registry.terraform.io/<namespace>/<type>/<version>/...).
MIRROR = Path(os.environ.get("GLACIER_TF_MIRROR", "/opt/tf-plugins"))
CHECKOV = Path(os.environ.get("GLACIER_CHECKOV", REPO / ".venv-checkov" / "bin" / "checkov"))


def emit_pipeline(path: Path, runner_sources: Mapping[str, str] | None = None):
    """Compile `path` and run the Terraform backend: (files, compile result, backend diagnostics)."""
    from glacierc.backends.terraform import emit
    from glacierc.driver import compile_project

    compiled = compile_project([path], env={})
    files, diagnostics = emit(compiled.project, runner_sources)
    return files, compiled, diagnostics


@functools.cache
def emitted_once(path: Path):
    """`emit_pipeline(path)` without packages, computed once per test run (the result is shared: read it only)."""
    return emit_pipeline(path)


def assert_files_match_snapshots(files: Mapping[str, str | bytes], snapshot) -> None:
    """The sorted paths of emitted `files`, then every file (a zip by its `zip_summary`), match their syrupy
    snapshots (`paths`, then one named by the file's path)."""
    assert sorted(files) == snapshot(name="paths")
    for path, content in sorted(files.items()):
        shown = zip_summary(content) if isinstance(content, bytes) else content
        assert shown == snapshot(name=path)


def write_files(files: Mapping[str, str | bytes], root: Path) -> Path:
    """Write emitted `{relative path: content}` under `root`; returns `root`."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def module_dirs(root: Path) -> list[Path]:
    """Every directory under `root` holding `.tf` files (one root module each), sorted."""
    return sorted({path.parent for path in root.rglob("*.tf")})


def read_blocks(module: Path, section: str = "resource") -> dict[str, dict[str, dict]]:
    """The `section` blocks ("resource", "data", ...) of the `.tf` files of the folder `module`, read back with
    python-hcl2 as plain values: `{type: {label: attributes}}` (strings unquoted; a nested block is a list)."""
    found: dict[str, dict[str, dict]] = {}
    for path in sorted(module.glob("*.tf")):
        for blocks in _plain_hcl(path.read_text(encoding="utf-8")).get(section, []):
            for kind, named in blocks.items():
                found.setdefault(kind, {}).update(named)
    return found


def emitted_resources(files: Mapping[str, str | bytes], kind: str) -> dict[str, dict]:
    """The `kind` resources of every `.tf` file among emitted `{relative path: content}` (any folder), by label,
    read back as `read_blocks` reads them."""
    found: dict[str, dict] = {}
    for path, content in files.items():
        if path.endswith(".tf") and isinstance(content, str):
            for block in _plain_hcl(content).get("resource", []):
                found.update(block.get(kind, {}))
    return found


def _plain_hcl(text: str) -> dict:
    """python-hcl2's reading of `text` as plain values (imported here: only the tests that read HCL pay for it)."""
    import hcl2
    from hcl2 import SerializationOptions

    return hcl2.loads(text, serialization_options=SerializationOptions(strip_string_quotes=True, explicit_blocks=False))


# --- terraform --------------------------------------------------------------------------------


def terraform_missing() -> str | None:
    if shutil.which("terraform") is None:
        return "the terraform binary is not on PATH"
    return None


def mirror_missing(*providers: str) -> str | None:
    """Why `validate` cannot run for `providers` ("hashicorp/aws", ...), or None."""
    missing = terraform_missing()
    if missing:
        return missing
    for provider in providers:
        if not (MIRROR / "registry.terraform.io" / provider).is_dir():
            return f"provider {provider} is not in the offline mirror {MIRROR}"
    return None


@dataclass(frozen=True)
class Terraform:
    """Runs terraform offline: own CLI config with the filesystem mirror, own HOME and plugin cache."""

    home: Path

    @classmethod
    def create(cls, home: Path) -> Terraform:
        home.mkdir(parents=True, exist_ok=True)
        (home / "plugin-cache").mkdir(exist_ok=True)
        (home / "terraform.rc").write_text(
            "provider_installation {\n"
            "  filesystem_mirror {\n"
            f'    path    = "{MIRROR}"\n'
            '    include = ["registry.terraform.io/*/*"]\n'
            "  }\n"
            "  direct {\n"
            '    exclude = ["registry.terraform.io/*/*"]\n'
            "  }\n"
            "}\n"
            f'plugin_cache_dir = "{home / "plugin-cache"}"\n',
            encoding="utf-8",
        )
        return cls(home)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(self.home / "terraform.rc"),
            "CHECKPOINT_DISABLE": "1",
            "HOME": str(self.home),
            "TF_IN_AUTOMATION": "1",
        }

    def run(self, directory: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run(["terraform", *args], cwd=directory, env=self.env(), capture_output=True,
                              text=True, timeout=timeout, check=False)

    def validate(self, directory: Path) -> list[str]:
        """`init -backend=false` + `validate`; the problems as readable lines (empty = valid)."""
        init = self.run(directory, "init", "-backend=false", "-input=false", "-no-color")
        if init.returncode != 0:
            return [f"terraform init failed:\n{init.stdout}\n{init.stderr}"]
        result = self.run(directory, "validate", "-json", "-no-color")
        report = json.loads(result.stdout)
        return [_diagnostic_line(d) for d in report.get("diagnostics", [])
                if d.get("severity") == "error" or not report.get("valid", False)]

    def validate_together(self, modules: Mapping[str, Path], workdir: Path) -> list[str]:
        """Validate several root modules with one `init` and one `validate`.

        A generated root module `workdir` calls each of `modules` (name -> directory) as a child
        module, so the provider schema is loaded once; problems name the module's own files.
        Root modules with their own `provider` blocks may be called this way (no count/for_each).
        """
        workdir.mkdir(parents=True, exist_ok=True)
        calls = [
            f'module "{name}" {{\n  source = "{os.path.relpath(directory, workdir)}"\n}}\n'
            for name, directory in sorted(modules.items())
        ]
        (workdir / "main.tf").write_text("\n".join(calls), encoding="utf-8")
        return self.validate(workdir)

    def fmt_check(self, directory: Path) -> str:
        """The diff `terraform fmt` would apply (empty when every file is canonical)."""
        result = self.run(directory, "fmt", "-check", "-diff", "-recursive", "-no-color")
        return "" if result.returncode == 0 else result.stdout + result.stderr


def assert_aws_root_deploys(root: Path, home: Path) -> None:
    """`terraform validate` (the offline hashicorp/aws provider), `terraform fmt` and checkov find nothing in the
    AWS root module `root` (terraform's HOME: `home`); the calling test skips with the reason when terraform or
    the provider is missing, or after validate and fmt when checkov is."""
    import pytest

    missing = mirror_missing("hashicorp/aws")
    if missing:
        pytest.skip(missing)
    terraform = Terraform.create(home)
    assert terraform.validate(root) == []
    assert terraform.fmt_check(root) == ""
    if checkov_missing():
        pytest.skip(checkov_missing())
    assert checkov_failures(root) == []


def _diagnostic_line(diagnostic: dict) -> str:
    where = diagnostic.get("range") or {}
    place = f"{where.get('filename', '?')}:{(where.get('start') or {}).get('line', '?')}"
    return f"{place}: {diagnostic.get('severity')}: {diagnostic.get('summary')}: {diagnostic.get('detail', '')}"


# --- checkov ----------------------------------------------------------------------------------


def checkov_missing() -> str | None:
    if not CHECKOV.exists():
        return f"checkov is not installed at {CHECKOV} (make security creates .venv-checkov)"
    return None


def checkov_report(directory: Path, checkov: Path = CHECKOV, *, quiet: bool = True) -> list[dict]:
    """Checkov's JSON report (one dict per framework run) for `directory`, offline.

    `quiet` lists failed checks only; without it passed and skipped checks are listed too.
    """
    flags = ["--quiet"] if quiet else []
    result = subprocess.run(
        [str(checkov), "-d", str(directory), "--framework", "terraform", *flags, "--compact",
         "-o", "json", "--skip-download"],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    if not result.stdout.strip():
        raise RuntimeError(f"checkov printed nothing (exit {result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def checkov_failures(directory: Path, checkov: Path = CHECKOV, report: list[dict] | None = None) -> list[str]:
    """`CHECK_ID file resource: name` for every failed check (empty = clean); parse errors too.

    Pass a `report` from `checkov_report` to read it instead of running checkov again.
    """
    failures = []
    for run in report if report is not None else checkov_report(directory, checkov):
        results = run.get("results") or {}
        failures.extend(f"PARSE-ERROR {path}" for path in results.get("parsing_errors", []))
        for check in results.get("failed_checks", []):
            failures.append(f"{check['check_id']} {check.get('file_path', '?')} "
                            f"{check.get('resource', '?')}: {check.get('check_name', '')}")
    return sorted(failures)


def checkov_skips(directory: Path, checkov: Path = CHECKOV,
                  report: list[dict] | None = None) -> list[tuple[str, str, str]]:
    """(check id, resource, reason) of every inline `checkov:skip`, sorted (`report`: as above,
    from a run with `quiet=False`)."""
    skips = set()
    for run in report if report is not None else checkov_report(directory, checkov, quiet=False):
        for check in (run.get("results") or {}).get("skipped_checks", []):
            reason = (check.get("check_result") or {}).get("suppress_comment", "")
            skips.add((check["check_id"], check.get("resource", "?"), reason))
    return sorted(skips)


def undocumented_skips(directory: Path, report: list[dict]) -> list[str]:
    """Inline checkov skips under `directory` without a reason, or not listed in docs/terraform.md."""
    documented = (REPO / "docs" / "terraform.md").read_text(encoding="utf-8")
    problems = []
    for check, resource, reason in checkov_skips(directory, report=report):
        if not reason:
            problems.append(f"{check} on {resource} has no reason")
        if f"`{check}`" not in documented:
            problems.append(f"{check} ({resource}) is not listed in docs/terraform.md")
    return problems


# --- serverless packages ----------------------------------------------------------------------


#: Runner modules for `emit_pipeline(..., runner_sources=runners_saying(...))`: each says which it is.
RUNNER_TEMPLATE = ("PIPELINE = {name!r}\n\n\ndef run_node(node, event):\n"
                   "    return {{'pipeline': PIPELINE, 'ran': node, 'event': event}}\n")


def runners_saying(*pipelines: str) -> dict[str, str]:
    """A runner module per pipeline whose `run_node` returns the pipeline, the node and the event."""
    return {name: RUNNER_TEMPLATE.format(name=name) for name in pipelines}


def zip_names(content: bytes) -> list[str]:
    return [info.filename for info in zipfile.ZipFile(io.BytesIO(content)).infolist()]


def zip_summary(content: bytes) -> dict[str, object]:
    """What a snapshot shows of an emitted zip: its hash, each entry's name, time and mode, and the texts."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {
        "sha256": hashlib.sha256(content).hexdigest(),
        "entries": [(i.filename, i.date_time, oct(i.external_attr >> 16)) for i in archive.infolist()],
        "files": {i.filename: archive.read(i).decode() for i in archive.infolist()},
    }


def extract(content: bytes, root: Path) -> Path:
    """Unpack a package zip into `root`; returns `root`."""
    zipfile.ZipFile(io.BytesIO(content)).extractall(root)
    return root


def top_level_functions(source: str) -> set[str]:
    """Names of the module-level functions of a generated Python module (it must compile)."""
    compile(source, "<generated>", "exec")
    return {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


def load_module(path: Path, name: str):
    """Import the generated module at `path` under a unique `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
