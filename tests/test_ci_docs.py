"""docs/ci.md's pre-commit `rev:` names the release tag of this version (`v` + pyproject's version), and
the hook entries it documents exist in .pre-commit-hooks.yaml."""

from __future__ import annotations

import re
import tomllib

import glacierc
from tests.helpers import ROOT

CI = (ROOT / "docs" / "ci.md").read_text()
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_documented_rev_is_the_tag_of_this_version():
    revs = re.findall(r"^\s*rev:\s*(\S+)", CI, re.MULTILINE)
    assert revs and set(revs) == {f"v{VERSION}"}
    assert glacierc.__version__ == VERSION  # the tag, the package and `glacierc --version` agree


def test_the_documented_hooks_exist():
    hooks = set(re.findall(r"^- id: (\S+)", (ROOT / ".pre-commit-hooks.yaml").read_text(), re.MULTILINE))
    documented = set(re.findall(r"^\s*#?\s*- id: (\S+)", CI, re.MULTILINE))
    assert documented and documented <= hooks
