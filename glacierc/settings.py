"""`[tool.glacierc]` in pyproject.toml and `--select`/`--ignore`: rule selection and resource limits.

Configuration fails closed, as ruff's does: an unknown code or prefix, a pyproject.toml that does not parse,
an unknown key or a value of the wrong type raises `ConfigurationError` (exit status 2 with its message),
never a silently different set of rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from glacierc.errors import ConfigurationError
from glacierc.frontend.loader import DEFAULT_MAX_FILE_BYTES

KEYS = ("select", "ignore", "max-file-bytes")


__all__ = ["ConfigurationError", "Settings", "load_settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES

    def enabled(self, code: str) -> bool:
        if self.select and not any(code.startswith(prefix) for prefix in self.select):
            return False
        return not any(code.startswith(prefix) for prefix in self.ignore)

    def with_cli(self, select: list[str] | None, ignore: list[str] | None) -> Settings:
        chosen = tuple(known_codes(_split(select), "--select"))
        return replace(self, select=chosen or self.select,
                       ignore=self.ignore + tuple(known_codes(_split(ignore), "--ignore")))


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def known_codes(codes: list[str], where: str) -> list[str]:
    """`codes`, each a code or a prefix of one (`GLC2`, as ruff takes prefixes); raises on any other."""
    from glacierc.diagnostics.codes import RULES
    from glacierc.diagnostics.render import printable

    for code in codes:
        if not any(known.startswith(code) for known in RULES):
            raise ConfigurationError(f"{where}: `{printable(code)}` is not a glacierc code or a prefix of one "
                                     "(`glacierc rule all` lists them)")
    return codes


def load_settings(paths: list[str]) -> Settings:
    """Settings from the nearest pyproject.toml above the first PATH (or the working directory)."""
    start = Path(os.path.realpath(paths[0])) if paths else Path.cwd()  # realpath never raises on link loops
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return _from_pyproject(candidate)
    return Settings()


def _from_pyproject(path: Path) -> Settings:
    from glacierc.diagnostics.render import printable

    shown = printable(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"{shown}: cannot be read: {printable(str(error))}") from None
    if "glacierc" not in text:  # no [tool.glacierc] table: skip loading the TOML parser
        return Settings()
    import tomllib

    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{shown}: not valid TOML: {printable(str(error))}") from None
    table = tool.get("glacierc", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigurationError(f"{shown}: `tool.glacierc` must be a table")
    return _from_table(table, shown)


def _from_table(table: dict, shown: str) -> Settings:
    from glacierc.diagnostics.render import printable

    for key in sorted(table):
        if key not in KEYS:
            raise ConfigurationError(f"{shown}: unknown key `{printable(key)}` in [tool.glacierc] (known: "
                                     f"{', '.join(KEYS)})")
    limit = table.get("max-file-bytes", DEFAULT_MAX_FILE_BYTES)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise ConfigurationError(f"{shown}: [tool.glacierc] `max-file-bytes` must be a positive integer")
    return Settings(select=_codes(table, "select", shown), ignore=_codes(table, "ignore", shown),
                    max_file_bytes=limit)


def _codes(table: dict, key: str, shown: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{shown}: [tool.glacierc] `{key}` must be a list of code strings")
    return tuple(known_codes(value, f"{shown}: [tool.glacierc] `{key}`"))
