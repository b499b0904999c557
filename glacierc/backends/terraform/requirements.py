"""What a deployment package must be able to import: the requirement set of the code it bundles.

A package bundles the runners of its pipelines, which hold the runtime (the standard library and Polars)
and the task code copied from the sources, tree-shaken to what runs. So the distributions a package needs
are read from the runners' own import statements (`ast`, never importing anything): every top-level
module name imported, at any depth of the code, minus the standard library (`sys.stdlib_module_names`),
`glacier`/`glacierc` and the project's own modules. Polars is always in the set.

An import name becomes a distribution through `DISTRIBUTIONS` where the two differ (`yaml` is PyYAML),
else the same name. Its version comes from the project's own pins (`Pins`: requirements.txt and the
`[project] dependencies` of pyproject.toml next to the pipeline, read by the driver), else Polars gets
`POLARS_REQUIREMENT` (the version the runtime is tested with) and any other distribution its bare name.
The same `Requirement`s feed the AWS Lambda layer, GCP's and Azure's requirements.txt, and the
`requirements.txt` of every job package and job folder (EMR, AWS Batch, Databricks, Dataproc, Cloud Batch,
Azure VM Run Commands), which its bootstrap action, command or script installs with `install_step` unless
`glacier_installed.py` (glacierc/runtime/installed.py, shipped beside it) finds it installed already.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glacierc.backends.imports import imported_modules

#: The Polars the runtime is built and tested against: every package installs exactly it unless the project
#: pins Polars itself.
POLARS_REQUIREMENT = "polars==2.1.0"
POLARS_VERSION = POLARS_REQUIREMENT.split("==")[1]
#: The requirement set of a job package or job folder, and the check shipped beside it.
REQUIREMENTS_FILE = "requirements.txt"
INSTALLED_CHECK = "glacier_installed.py"
#: Import name -> distribution, where they differ (the common cases; any other import is its own distribution).
DISTRIBUTIONS = {
    "attr": "attrs", "bs4": "beautifulsoup4", "cv2": "opencv-python-headless", "dateutil": "python-dateutil",
    "docx": "python-docx", "dotenv": "python-dotenv", "fitz": "PyMuPDF", "git": "GitPython", "jwt": "PyJWT",
    "magic": "python-magic", "MySQLdb": "mysqlclient", "OpenSSL": "pyOpenSSL", "PIL": "Pillow",
    "pptx": "python-pptx", "psycopg2": "psycopg2-binary", "serial": "pyserial", "skimage": "scikit-image",
    "sklearn": "scikit-learn", "yaml": "PyYAML", "zmq": "pyzmq",
}
#: Never distributions of their own: the library the pipeline files import, the compiler, `from __future__`.
NOT_DISTRIBUTIONS = frozenset({"__future__", "glacier", "glacierc"})
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def canonical(name: str) -> str:
    """A distribution name in the form the packaging standards compare (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, slots=True)
class Requirement:
    """A distribution a package needs: its name, the requirement line (name and version specifier, as a
    requirements.txt line) and the import names that need it (empty for Polars when nothing else asks)."""

    distribution: str
    line: str
    imported_as: tuple[str, ...] = ()

    @property
    def pinned(self) -> bool:
        return "==" in self.line


#: Distribution (canonical name) -> the project's requirement line for it.
Pins = Mapping[str, str]


def _imports(source: str, known: Mapping[str, frozenset[str]]) -> frozenset[str]:
    found = known.get(source)
    if found is None:
        found = imported_modules(source)
    return found or frozenset()  # runners are generated and compile; nothing to find in anything else


def third_party(names: Iterable[str], own_modules: Iterable[str] = ()) -> list[str]:
    """`names` minus the standard library, glacier and the project's own top-level modules, sorted."""
    own = set(own_modules) | NOT_DISTRIBUTIONS | set(sys.stdlib_module_names)
    return sorted(n for n in set(names) if n not in own and _NAME.fullmatch(n))


def requirement_set(sources: Iterable[str], pins: Pins | None = None, own_modules: Iterable[str] = (),
                    known: Mapping[str, frozenset[str]] | None = None) -> tuple[Requirement, ...]:
    """The requirements of a package bundling `sources`, Polars first, then by distribution name. `known`: the
    imports of some of the sources (source -> top-level modules), found by whoever laid them out."""
    pins = pins or {}
    known = known or {}
    by_distribution: dict[str, list[str]] = {"polars": []}
    names = set().union(*(_imports(s, known) for s in sources))
    for name in third_party(names, own_modules):
        by_distribution.setdefault(canonical(DISTRIBUTIONS.get(name, name)), []).append(name)
    found = []
    for key, imported in by_distribution.items():
        shown = next((DISTRIBUTIONS[n] for n in imported if n in DISTRIBUTIONS), imported[0] if imported else key)
        line = pins.get(key) or (POLARS_REQUIREMENT if key == "polars" else shown)
        found.append(Requirement(shown if key != "polars" else "polars", line, tuple(sorted(imported))))
    return tuple(sorted(found, key=lambda r: (r.distribution != "polars", canonical(r.distribution))))


def requirements_txt(requirements: Iterable[Requirement], extra: Iterable[str] = (), index_url: str | None = None
                     ) -> str:
    """A requirements.txt: `--index-url` when the build names a package index (a validated URL:
    glacierc/settings.py), the entry modules' own requirements (`extra`), then the set."""
    index = (f"--index-url {index_url}",) if index_url else ()
    return "".join(f"{line}\n" for line in (*index, *extra, *(r.line for r in requirements)))


def module_roots(module_names: Iterable[str]) -> set[str]:
    """The top-level names of the project's modules (`pkg.mod` -> `pkg`): imports of them are not
    distributions."""
    return {name.split(".")[0] for name in module_names if name}


def install_step(folder: str, python: str, pip: str, options: str = "--quiet --no-input") -> str:
    """A shell command installing the requirement set of the job folder `folder` (a shell word, quoted
    already, e.g. `"$folder"`): `python` runs the check, `pip` (a command that may run as root) installs
    with `pip install -r` only when the check says something is missing."""
    check, requirements = f"{folder}/{INSTALLED_CHECK}", f"{folder}/{REQUIREMENTS_FILE}"
    return f"{python} {check} {requirements} || {pip} install {options} -r {requirements}"
