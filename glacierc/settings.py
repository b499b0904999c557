"""`[tool.glacierc]` in pyproject.toml: rule selection and resource limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from glacierc.frontend.loader import DEFAULT_MAX_FILE_BYTES


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
        return replace(self, select=tuple(_split(select)) or self.select,
                       ignore=self.ignore + tuple(_split(ignore)))


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def load_settings(paths: list[str]) -> Settings:
    """Settings from the nearest pyproject.toml above the first PATH (or the working directory)."""
    start = Path(os.path.realpath(paths[0])) if paths else Path.cwd()  # realpath never raises on link loops
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return _from_pyproject(candidate)
    return Settings()


def _from_pyproject(path: Path) -> Settings:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Settings()
    if "glacierc" not in text:  # no [tool.glacierc] table: skip loading the TOML parser
        return Settings()
    import tomllib

    try:
        table = tomllib.loads(text).get("tool", {}).get("glacierc", {})
    except tomllib.TOMLDecodeError:
        return Settings()
    if not isinstance(table, dict):
        return Settings()
    limit = table.get("max-file-bytes", DEFAULT_MAX_FILE_BYTES)
    return Settings(select=_codes(table.get("select")), ignore=_codes(table.get("ignore")),
                    max_file_bytes=limit if isinstance(limit, int) and limit > 0 else DEFAULT_MAX_FILE_BYTES)


def _codes(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
