"""Whether a job's requirement set is installed already: the fast path of the nodes that install it themselves.

Copied into every job package and job folder as `glacier_installed.py`, beside the `requirements.txt` glacierc
computed for the runners it carries (docs/cloud.md, "Packages"). `python glacier_installed.py requirements.txt`
exits 0 when every line is a bare distribution name that is installed, or `name==version` installed at exactly
that version (`--index-url` / `--extra-index-url` lines name where pip installs from and are skipped), and 1
otherwise, so a bootstrap action or job command runs `pip install -r requirements.txt`
only when something is missing. A line it cannot judge without pip (another specifier, extras, a marker)
counts as missing: pip decides. Only the standard library, any Python 3.9 or newer: it runs before anything
is installed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from importlib import metadata

#: `name` or `name==version`, nothing else (the lines this check can judge by itself).
_SIMPLE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==\s*([A-Za-z0-9.+!_-]+))?")


def installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


#: Option lines that choose where pip installs from, not what: they leave the check's verdict alone.
INDEX_OPTIONS = ("--index-url ", "--extra-index-url ")


def satisfied(lines: Iterable[str], version_of: Callable[[str], str | None] = installed_version) -> bool:
    """True when every requirement line is installed as it asks (comments, blank lines and the package index
    options ignored)."""
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(INDEX_OPTIONS):
            continue
        match = _SIMPLE.fullmatch(line)
        if match is None:
            return False
        found = version_of(match.group(1))
        if found is None or (match.group(2) is not None and found != match.group(2)):
            return False
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: glacier_installed.py REQUIREMENTS_TXT", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return 1
    return 0 if satisfied(lines) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
