"""What a build's packages take from outside the pipeline code (docs/cloud.md, "Packages"), read here, by the
driver, so the backends stay pure: the project's requirement pins, the wheelhouse directory and the package index.

Pins: the `[project] dependencies` of `pyproject.toml` and the lines of `requirements.txt` in the project root
of every path built (the root `glacierc` finds for the path: see frontend/walk.py), requirements.txt winning
for a distribution both name. A line is kept as written (`polars==2.1.0`, `pyyaml>=6; python_version>"3"`);
options (`-r`, `--hash`), URLs, direct references and unprintable lines are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from glacierc.errors import ConfigurationError
from glacierc.settings import FileSettings, package_index, wheelhouse as configured_wheelhouse

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([<>=!~;( ]|$)")


def package_options(settings: FileSettings, paths: Sequence[str | Path], wheelhouse: str | None
                    ) -> tuple[dict[str, str], tuple[Path, str] | None, str | None]:
    """(pins, wheelhouse, package index) of a build of `paths`; `wheelhouse` from the command line wins over
    the configuration. A wheelhouse that is not a directory is a configuration error."""
    chosen = (Path(wheelhouse), wheelhouse) if wheelhouse else configured_wheelhouse(settings, paths)
    if chosen is not None and not chosen[0].is_dir():
        from glacierc.diagnostics.render import printable

        raise ConfigurationError(f"wheelhouse {printable(chosen[1])!r} is not a directory (fill it with `pip "
                                 "download`, docs/cloud.md \"Packages\")")
    return project_pins(paths), chosen, package_index(settings, paths)


def project_pins(paths: Sequence[str | Path]) -> dict[str, str]:
    """Canonical distribution name -> the project's requirement line for it."""
    from glacierc.backends.terraform.requirements import canonical
    from glacierc.frontend.walk import root_for

    pins: dict[str, str] = {}
    roots = sorted({root_for(Path(p) if Path(p).is_dir() else Path(p).parent) for p in paths}, key=str)
    for root in roots:
        for line in (*_pyproject_dependencies(root / "pyproject.toml"), *_requirement_lines(root / "requirements.txt")):
            match = _NAME.match(line)
            if match and "://" not in line and " @ " not in line and line.isprintable():
                pins[canonical(match.group(1))] = line.strip()
    return pins


def _requirement_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    lines = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-"))]


def _pyproject_dependencies(path: Path) -> list[str]:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    project = data.get("project")
    dependencies = project.get("dependencies") if isinstance(project, dict) else None
    if not isinstance(dependencies, list):
        return []
    return [d for d in dependencies if isinstance(d, str)]
