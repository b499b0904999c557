"""`glacierc build PATH -o OUT` never deletes or replaces what glacierc did not write.

An OUT that is, contains or lies inside an input (so also `-o .` from a repository root), or that is a
symbolic link, is refused with exit 2 and nothing touched. In an accepted OUT glacierc replaces and removes
only the files of its manifest: Terraform's working files and the user's own files survive every rebuild,
a real `terraform init` included, and `build --check` looks at glacierc's files only.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from glacierc.output import MANIFEST
from tests.helpers import EXAMPLES, glacierc
from tests.terraform_tools import Terraform, mirror_missing

AWS = EXAMPLES / "aws_etl" / "pipeline.py"
LOCAL = EXAMPLES / "quickstart" / "pipeline.py"
USER_FILES = {  # what users and Terraform put next to the generated Terraform
    "terraform/backend.tf": 'terraform {\n  backend "s3" {}\n}\n',
    "terraform/prod.tfvars": 'region = "eu-west-1"\n',
    "terraform/terraform.tfstate": '{"version": 4}\n',
    "terraform/terraform.tfstate.backup": '{"version": 4}\n',
    "terraform/.terraform.lock.hcl": "# lock\n",
    "terraform/.terraform/providers/marker": "provider\n",
    "notes.md": "my notes\n",
}


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under `root` (links not followed): kind, mode, modification time and content."""
    found = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(directory, name)
            status = os.lstat(path)
            content = os.readlink(path) if path.is_symlink() else path.read_bytes() if path.is_file() else None
            found[path.relative_to(root).as_posix()] = (status.st_mode, status.st_mtime_ns, content)
    return found


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture()
def project(tmp_path) -> Path:
    """A repository: the pipeline, its data and its `.git`."""
    root = tmp_path / "proj"
    (root / "data").mkdir(parents=True)
    shutil.copy(AWS, root / "pipeline.py")
    (root / "data" / "in.csv").write_text("a,b\n1,2\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def _refusals(project: Path) -> dict[str, tuple[list[str], Path]]:
    """(arguments, working directory) of each OUT that must be refused."""
    tmp = project.parent
    (tmp / "elsewhere").mkdir()
    (tmp / "elsewhere" / "keep.txt").write_text("not glacierc's")
    (tmp / "link").symlink_to(tmp / "elsewhere")
    return {
        "OUT is the input file's directory": (["proj/pipeline.py", "-o", "proj"], tmp),
        "-o . from the repository root": (["pipeline.py", "-o", "."], project),
        "OUT inside the input directory": (["proj", "-o", "proj/out"], tmp),
        "OUT containing the input": (["proj/pipeline.py", "-o", "."], tmp),
        "OUT is the input file": (["proj/pipeline.py", "-o", "proj/pipeline.py"], tmp),
        "OUT a symlink elsewhere": (["proj/pipeline.py", "-o", "link"], tmp),
    }


@pytest.mark.parametrize("case", ["OUT is the input file's directory", "-o . from the repository root",
                                  "OUT inside the input directory", "OUT containing the input",
                                  "OUT is the input file", "OUT a symlink elsewhere"])
@pytest.mark.parametrize("check", [False, True])
def test_an_out_over_the_inputs_is_refused_and_nothing_touched(project, case, check):
    arguments, cwd = _refusals(project)[case]
    before = snapshot(project.parent)
    result = glacierc("build", *arguments, *(["--check"] * check), cwd=cwd)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: refusing to build into") and "Traceback" not in result.stderr
    assert snapshot(project.parent) == before


def test_out_inside_the_project_beside_the_inputs_is_fine(project):
    """The common layout: the build goes to a folder of the repository that is not an input."""
    result = glacierc("build", "pipeline.py", "-o", "out/aws", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "out" / "aws" / "ir.json").is_file() and (project / "data" / "in.csv").is_file()


def _add_user_files(out: Path) -> None:
    for name, text in USER_FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)


def _user_part(snap: dict[str, tuple]) -> dict[str, tuple]:
    return {name: entry for name, entry in snap.items() if name in USER_FILES}


def test_user_files_survive_rebuilds_and_do_not_make_out_stale(tmp_path):
    out = tmp_path / "out"
    assert glacierc("build", str(AWS), "-o", str(out)).returncode == 0
    _add_user_files(out)
    before = snapshot(out)
    assert glacierc("build", "--check", str(AWS), "-o", str(out)).returncode == 0  # user files do not count
    assert glacierc("build", str(AWS), "-o", str(out)).returncode == 0
    assert snapshot(out) == before  # the same input: not one file rewritten, not even its time
    assert glacierc("build", str(LOCAL), "-o", str(out)).returncode == 0  # a build without Terraform ...
    assert _user_part(snapshot(out)) == _user_part(before)
    assert not (out / "terraform" / "compute.tf").exists()  # ... removes the generated Terraform only
    assert not (out / "terraform" / "lambda").exists()  # and the directory glacierc made for it
    assert glacierc("build", str(AWS), "-o", str(out)).returncode == 0
    assert _user_part(snapshot(out)) == _user_part(before)


def test_a_file_no_longer_produced_is_removed_a_user_file_is_not(tmp_path):
    out = tmp_path / "out"
    assert glacierc("build", str(AWS), "-o", str(out)).returncode == 0
    (out / "graphs" / "mine.dot").write_text("digraph {}")
    assert glacierc("build", str(LOCAL), "-o", str(out)).returncode == 0
    assert sorted(p.name for p in (out / "graphs").iterdir()) == ["mine.dot", "quickstart.dot"]
    assert not (out / "terraform").exists()  # created by glacierc, now empty
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["graphs/quickstart.dot", "ir.json", "runners/quickstart.py"]


def test_a_generated_file_the_user_edited_is_not_removed(tmp_path):
    out = tmp_path / "out"
    assert glacierc("build", str(AWS), "-o", str(out)).returncode == 0
    (out / "runners" / "aws_etl.py").write_text("# my changes\n")
    assert glacierc("build", str(LOCAL), "-o", str(out)).returncode == 0
    assert (out / "runners" / "aws_etl.py").read_text() == "# my changes\n"


def test_a_user_file_where_glacierc_writes_refuses_the_build(tmp_path):
    out = tmp_path / "out"
    (out / "graphs").mkdir(parents=True)
    (out / "graphs" / "aws_etl.dot").write_text("my own graph")
    (out / "ir.json").write_text("{}")
    before = snapshot(tmp_path)
    result = glacierc("build", str(AWS), "-o", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"`{out / 'graphs' / 'aws_etl.dot'}` (not written by glacierc)" in result.stderr
    assert f"`{out / 'ir.json'}`" in result.stderr and "nothing was changed" in result.stderr
    assert snapshot(tmp_path) == before


def test_a_symlinked_directory_inside_out_is_not_written_through(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "terraform").symlink_to(elsewhere)
    result = glacierc("build", str(AWS), "-o", str(out))
    assert result.returncode == 2 and "symbolic link where glacierc writes a directory" in result.stderr
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in out.iterdir()) == ["terraform"]


def test_an_out_from_before_manifests_is_adopted_without_deleting(tmp_path):
    out = tmp_path / "out"
    assert glacierc("build", str(AWS), "-o", str(out)).returncode == 0
    (out / MANIFEST).unlink()  # what a glacierc from before manifests left
    (out / "ir.json").write_text((out / "ir.json").read_text().replace("us-east-1", "eu-west-1"))
    _add_user_files(out)
    assert glacierc("build", "--check", str(AWS), "-o", str(out)).returncode == 1
    assert glacierc("build", str(LOCAL), "-o", str(out)).returncode == 0
    assert (out / "terraform" / "compute.tf").is_file()  # not known to be glacierc's: kept
    assert all((out / name).read_text() == text for name, text in USER_FILES.items())
    assert json.loads((out / "ir.json").read_text())["pipelines"][0]["name"] == "quickstart"


def test_terraform_init_between_two_builds_survives(tmp_path):
    missing = mirror_missing("hashicorp/aws")
    if missing:
        pytest.skip(missing)
    out = tmp_path / "out"
    assert glacierc("build", str(AWS), "-o", str(out)).returncode == 0
    terraform = Terraform.create(tmp_path / "tf-home")
    init = terraform.run(out / "terraform", "init", "-backend=false", "-input=false", "-no-color")
    assert init.returncode == 0, init.stdout + init.stderr
    before = snapshot(out / "terraform")
    assert ".terraform.lock.hcl" in before and any(n.startswith(".terraform/") for n in before)
    result = glacierc("build", str(AWS), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert snapshot(out / "terraform") == before  # .terraform/, the lock file and every .tf untouched
    assert glacierc("build", "--check", str(AWS), "-o", str(out)).returncode == 0
    validate = terraform.run(out / "terraform", "validate", "-no-color")
    assert validate.returncode == 0, validate.stdout + validate.stderr  # still initialised: no init needed
