"""Wheels from a wheelhouse, chosen for one Lambda platform and unpacked into a layer zip.

`Wheelhouse` is a directory of `.whl` files the user filled (docs/cloud.md, "Packages"): it is the one input
of a build read from outside the project, listed when the build starts and read only while a layer is
packed. `resolve` picks, for a `Platform` (architecture, Python version, glibc of the Lambda runtime), the
newest wheel of each requirement that installs there, then the wheels those depend on (their
`Requires-Dist`, markers evaluated for the platform), and says what it could not find. `layer_zip` unpacks
the chosen wheels under `python/` (where Lambda puts layers on `sys.path`): sorted entries, fixed
timestamps, modes 0644 or 0755, deflated, so the same wheels give the same bytes.

`packaging` (the PyPA library) parses names, versions, tags and markers; it is imported only by a build.
"""

from __future__ import annotations

import email.parser
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from packaging.tags import Tag
    from packaging.version import Version

_DATE = (1980, 1, 1, 0, 0, 0)
#: Lambda's Python runtimes: Amazon Linux 2 (glibc 2.26) up to 3.11, Amazon Linux 2023 (glibc 2.34) after.
GLIBC = {(3, 9): 26, (3, 10): 26, (3, 11): 26}
GLIBC_AL2023 = 34
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
_LEGACY = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}


@dataclass(frozen=True, slots=True)
class Platform:
    """Where a layer runs: the Lambda architecture (`x86_64` / `arm64`) and Python runtime (`python3.11`)."""

    architecture: str
    runtime: str

    @property
    def python(self) -> tuple[int, int]:
        major, minor = self.runtime.removeprefix("python").split(".")
        return int(major), int(minor)

    @property
    def machine(self) -> str:
        return MACHINES[self.architecture]

    def tags(self) -> list[Tag]:
        """The wheel tags that install here, most specific first."""
        from packaging.tags import Tag

        major, minor = self.python
        machine, glibc = self.machine, GLIBC.get(self.python, GLIBC_AL2023)
        platforms = []
        for version in range(glibc, 4 if machine == "x86_64" else 16, -1):
            platforms.append(f"manylinux_2_{version}_{machine}")
            if version in _LEGACY and (machine == "x86_64" or version == 17):
                platforms.append(f"{_LEGACY[version]}_{machine}")
        cp = f"cp{major}{minor}"
        found = [Tag(cp, abi, p) for abi in (cp, "none") for p in platforms]
        found += [Tag(f"cp{major}{m}", "abi3", p) for m in range(minor, 1, -1) for p in platforms]
        found += [Tag(py, "none", p) for py in (f"py{major}{minor}", f"py{major}") for p in platforms]
        found += [Tag(py, "none", "any") for py in (cp, f"py{major}{minor}", f"py{major}",
                                                      *(f"py{major}{m}" for m in range(minor - 1, -1, -1)))]
        return found

    def markers(self) -> dict[str, str]:
        """The environment `Requires-Dist` markers are evaluated in."""
        major, minor = self.python
        return {"implementation_name": "cpython", "platform_python_implementation": "CPython",
                "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                "platform_machine": self.machine, "python_version": f"{major}.{minor}",
                "python_full_version": f"{major}.{minor}.0", "extra": ""}


@dataclass(frozen=True, slots=True)
class Wheel:
    path: Path
    name: str  # canonical
    version: Any  # packaging.version.Version
    tags: frozenset[Any]  # packaging.tags.Tag


class Wheelhouse:
    """The `.whl` files of one directory (listed once; a file that is not a valid wheel name is ignored)."""

    def __init__(self, directory: Path, shown: str | None = None) -> None:
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename

        self.directory, self.shown = directory, shown or str(directory)  # `shown`: as the user wrote it
        found = []
        for path in sorted(directory.glob("*.whl")):
            try:
                name, version, _, tags = parse_wheel_filename(path.name)
            except InvalidWheelFilename:
                continue
            found.append(Wheel(path, str(name), version, frozenset(tags)))
        self.wheels = tuple(found)

    def best(self, requirement: Any, platform: Platform) -> Wheel | None:
        """The newest wheel of `requirement` (a packaging Requirement) that installs on `platform`."""
        from packaging.utils import canonicalize_name

        supported = {tag: rank for rank, tag in enumerate(platform.tags())}
        name = canonicalize_name(requirement.name)
        fitting = [w for w in self.wheels if w.name == name and requirement.specifier.contains(w.version, prereleases=True)
                   and any(t in supported for t in w.tags)]
        if not fitting:
            return None
        return max(fitting, key=lambda w: (w.version, -min(supported[t] for t in w.tags if t in supported),
                                           w.path.name))


@dataclass(frozen=True, slots=True)
class Resolution:
    wheels: tuple[Wheel, ...]  # sorted by name
    missing: tuple[str, ...]  # requirement lines nothing in the wheelhouse satisfies


def resolve(lines: Iterable[str], wheelhouse: Wheelhouse, platform: Platform) -> Resolution:
    """The wheels of `lines` (requirement lines) and of what they depend on, for `platform`."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    chosen: dict[str, Wheel] = {}
    missing: list[str] = []
    pending = list(lines)
    environment = platform.markers()
    while pending:
        line = pending.pop(0)
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            missing.append(line)
            continue
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        if canonicalize_name(requirement.name) in chosen:
            continue
        wheel = wheelhouse.best(requirement, platform)
        if wheel is None:
            missing.append(line)
            continue
        chosen[wheel.name] = wheel
        pending += _dependencies(wheel)
    return Resolution(tuple(chosen[name] for name in sorted(chosen)), tuple(dict.fromkeys(missing)))


def _dependencies(wheel: Wheel) -> list[str]:
    """The `Requires-Dist` lines of a wheel's METADATA (those of extras evaluate false: a layer installs none)."""
    with zipfile.ZipFile(wheel.path) as archive:
        name = next((n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")), None)
        if name is None:
            return []
        metadata = email.parser.BytesParser().parsebytes(archive.read(name), headersonly=True)
    return list(metadata.get_all("Requires-Dist") or [])


def layer_zip(wheels: Iterable[Wheel]) -> bytes:
    """The layer: every file of `wheels` under `python/` (a wheel's `.data/purelib` and `.data/platlib`
    too; its scripts, headers and data are not importable and stay out), deterministically."""
    files: dict[str, tuple[bytes, int]] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel.path) as archive:
            for info in archive.infolist():
                target = None if info.is_dir() else _installed_path(info.filename)
                if target is None:
                    continue
                executable = (info.external_attr >> 16) & 0o111
                files.setdefault(f"python/{target}", (archive.read(info), 0o100755 if executable else 0o100644))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        for name in sorted(files):
            content, mode = files[name]
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.external_attr, info.create_system, info.compress_type = mode << 16, 3, zipfile.ZIP_DEFLATED
            out.writestr(info, content)
    return buffer.getvalue()


def installed_size(wheels: Iterable[Wheel]) -> int:
    """The bytes `layer_zip(wheels)` unzips to (its files, as it takes them), read from the wheels' directories
    only: nothing is decompressed."""
    sizes: dict[str, int] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel.path) as archive:
            for info in archive.infolist():
                target = None if info.is_dir() else _installed_path(info.filename)
                if target is not None:
                    sizes.setdefault(target, info.file_size)
    return sum(sizes.values())


def _installed_path(name: str) -> str | None:
    """Where a wheel's file goes in site-packages (None: not installed there, or not a safe relative path)."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in name:
        return None
    if parts[0].endswith(".data"):
        if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
            return None
        return "/".join(parts[2:])
    return name
