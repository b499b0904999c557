"""`terraform-backend` in [tool.glacierc]: every generated root module declares an empty (partial) backend block,
through the real `glacierc build`; an unknown value is a configuration error (exit 2); AWS validates offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions
from helpers import EXAMPLES, FIXTURES, glacierc
from terraform_tools import Terraform, mirror_missing

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
PIPELINES = {
    "aws": EXAMPLES / "aws_etl" / "pipeline.py",
    "gcp": EXAMPLES / "gcp_analytics" / "pipeline.py",
    "azure": FIXTURES / "terraform_azure" / "functions_vm" / "pipeline.py",
}


def _project(tmp_path: Path, cloud: str, setting: str | None) -> Path:
    project = tmp_path / f"{cloud}-{setting or 'local'}"
    project.mkdir()
    shutil.copy(PIPELINES[cloud], project / "pipeline.py")
    table = f'terraform-backend = "{setting}"\n' if setting else ""
    (project / "pyproject.toml").write_text(f"[project]\nname = 'p'\n\n[tool.glacierc]\n{table}", encoding="utf-8")
    return project


def _build(project: Path) -> Path:
    result = glacierc("build", "pipeline.py", "-o", "out", cwd=project)
    assert result.returncode == 0, result.stderr
    return project / "out"


def _backends(versions: Path) -> list[dict]:
    """The `backend` blocks of a versions.tf, without their comment lines (an empty body: a partial configuration)."""
    (terraform,) = hcl2.loads(versions.read_text(encoding="utf-8"), serialization_options=PLAIN)["terraform"]
    return [{name: {k: v for k, v in body.items() if k != "__comments__"} for name, body in found.items()}
            for found in terraform.get("backend", [])]


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".glacierc-manifest.json"}  # the manifest holds the files' hashes


@pytest.mark.parametrize(("cloud", "backend"), [("aws", "s3"), ("gcp", "gcs"), ("azure", "azurerm"), ("aws", "gcs")])
def test_every_root_module_declares_the_chosen_backend_and_nothing_else_changes(tmp_path, cloud, backend) -> None:
    with_backend = _build(_project(tmp_path, cloud, backend))
    without = _build(_project(tmp_path, cloud, None))
    roots = sorted(p.parent.relative_to(with_backend) for p in with_backend.rglob("versions.tf"))
    assert roots, "no root module was generated"
    for root in roots:
        assert _backends(with_backend / root / "versions.tf") == [{backend: {}}], root
        assert _backends(without / root / "versions.tf") == [], root
    changed = {path for path, content in _tree(with_backend).items() if _tree(without).get(path) != content}
    assert changed == {f"{root}/versions.tf" for root in roots}


def test_databricks_root_module_declares_it_too(tmp_path) -> None:
    project = tmp_path / "databricks"
    project.mkdir()
    shutil.copy(FIXTURES / "terraform_aws" / "databricks" / "pipeline.py", project / "pipeline.py")
    (project / "pyproject.toml").write_text('[tool.glacierc]\nterraform-backend = "s3"\n', encoding="utf-8")
    out = _build(project)
    assert _backends(out / "terraform" / "databricks" / "versions.tf") == [{"s3": {}}]
    assert _backends(out / "terraform" / "versions.tf") == [{"s3": {}}]


@pytest.mark.parametrize("value", ['"consul"', '"S3"', "true", '["s3"]'])
def test_an_unknown_backend_is_a_configuration_error(tmp_path, value: str) -> None:
    project = _project(tmp_path, "aws", None)
    (project / "pyproject.toml").write_text(f"[tool.glacierc]\nterraform-backend = {value}\n", encoding="utf-8")
    for command in (("build", "pipeline.py", "-o", "out"), ("check", "pipeline.py")):
        result = glacierc(*command, cwd=project)
        assert result.returncode == 2, (command, result.stderr)
        assert "`terraform-backend` must be one of 'azurerm', 'gcs', 's3'" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (project / "out").exists()


def test_paths_configured_differently_cannot_be_built_together(tmp_path) -> None:
    first, second = _project(tmp_path, "aws", "s3"), _project(tmp_path, "gcp", "gcs")
    result = glacierc("build", str(first / "pipeline.py"), str(second / "pipeline.py"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "`terraform-backend` differs between the paths built together" in result.stderr
    assert not (tmp_path / "out").exists()


def test_aws_module_with_a_backend_validates_offline(tmp_path) -> None:
    reason = mirror_missing("hashicorp/aws")
    if reason:
        pytest.skip(reason)
    out = _build(_project(tmp_path, "aws", "s3"))
    assert Terraform.create(tmp_path / "tf-home").validate(out / "terraform") == []


def test_every_setting_has_a_line_in_the_cli_docs() -> None:
    from glacierc.settings import KEYS

    documented = (FIXTURES.parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    assert [key for key in KEYS if f"`{key}`" not in documented and f"`{key} =" not in documented] == []
