"""`[tool.glacierc]` in pyproject.toml (or `--config PATH`) and the command line: rule selection, per-file
ignores, exclusions and resource limits, per file.

Which configuration applies to a file: the one `--config` names, else the nearest `pyproject.toml` above the
file *that has a `[tool.glacierc]` table* (a closer one without the table does not stop the search), else the
defaults. Selection is layered as ruff's: the configuration, then the command line; in each layer `select`
replaces what came before, `extend-select` adds, `ignore` removes. So `--select GLC204` re-enables a rule the
configuration ignores, and `--ignore` always wins over the configuration.

Configuration fails closed, as ruff's does: an unknown code or prefix, a pyproject.toml that does not parse,
an unknown key or a value of the wrong type raises `ConfigurationError` (exit status 2 with its message),
never a silently different set of rules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol, overload

from glacierc.errors import ConfigurationError

DEFAULT_MAX_FILE_BYTES = 5_000_000
#: Skipped by directory walks unless `exclude` replaces them (`extend-exclude` adds to them).
DEFAULT_EXCLUDE = (".*/", "__pycache__/", "venv/", "node_modules/", "build/", "dist/")
KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude", "respect-gitignore",
        "max-file-bytes", "package-index", "terraform-backend", "wheelhouse")
#: `terraform-backend`: the remote state backends a generated root module may declare (an empty, partial
#: `backend "<name>" {}` block, filled by `terraform init -backend-config=...`).
TERRAFORM_BACKENDS = ("azurerm", "gcs", "s3")

__all__ = ["ConfigurationError", "Layer", "Settings", "load_settings"]


@dataclass(frozen=True, slots=True)
class Layer:
    """One source of rule selection (the configuration, or the command line)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings of one configuration file (or the defaults), with the command line's layers."""

    layers: tuple[Layer, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    respect_gitignore: bool = True
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    terraform_backend: str | None = None  # one of TERRAFORM_BACKENDS; None: local state
    wheelhouse: str | None = None  # the directory of wheels Lambda layers are packed from, relative to `root`
    package_index: str | None = None  # the package index job nodes and function builds install from; None: PyPI
    root: str = ""  # the directory the globs are relative to: the configuration's, or the working directory
    source: str = ""  # the configuration file, if any

    def enabled(self, code: str) -> bool:
        """Whether the selection layers report `code` (`per_file_ignores` are applied by
        glacierc/suppression.py, which matches their globs)."""
        on = True
        for layer in self.layers:
            if layer.select is not None:
                on = starts(code, layer.select)
            on = (on or starts(code, layer.extend_select)) and not starts(code, layer.ignore)
        return on

    def relative(self, path: str) -> str:
        """`path` relative to `root` (POSIX), or its absolute form when it lies outside it."""
        full = os.path.abspath(path)
        base = self.root or os.getcwd()
        relative = os.path.relpath(full, base) if full.startswith(base.rstrip(os.sep) + os.sep) else full
        return relative.replace(os.sep, "/")

    def with_cli(self, select: list[str] | None = None, ignore: list[str] | None = None,
                 extend_select: list[str] | None = None) -> Settings:
        return replace(self, layers=(*self.layers, cli_layer(select, ignore, extend_select)))

    def for_file(self, path: str | Path) -> Settings:
        return self


class FileSettings(Protocol):
    """What compiling needs of settings: those of each file (Settings: one for all; PathSettings: per file)."""

    def for_file(self, path: str | Path) -> Settings: ...


def cli_layer(select: list[str] | None, ignore: list[str] | None, extend_select: list[str] | None) -> Layer:
    chosen = tuple(known_codes(_split(select), "--select"))
    return Layer(select=chosen or None, extend_select=tuple(known_codes(_split(extend_select), "--extend-select")),
                 ignore=tuple(known_codes(_split(ignore), "--ignore")))


@dataclass(slots=True)
class PathSettings:
    """The settings of each file: from `config` for all, or from the nearest configuration above each file,
    with the command line's `cli` layer on top."""

    cli: Layer = field(default_factory=Layer)
    config: str | None = None
    exclude: tuple[str, ...] | None = None  # `--exclude`: replaces the configuration's (or the default) list
    extend_exclude: tuple[str, ...] = ()  # `--extend-exclude`: added to it
    _by_directory: dict[str, Settings] = field(default_factory=dict)

    def for_file(self, path: str | Path) -> Settings:
        real = Path(os.path.realpath(path))  # realpath never raises on link loops
        directory = str(real if real.is_dir() else real.parent)
        if directory not in self._by_directory:
            base = _from_file(Path(self.config)) if self.config else _nearest(Path(directory))
            exclude = base.exclude if self.exclude is None else self.exclude
            self._by_directory[directory] = replace(base, layers=(*base.layers, self.cli),
                                                    exclude=exclude + self.extend_exclude)
        return self._by_directory[directory]

    @property
    def max_file_bytes(self) -> int:
        return self.for_file(os.getcwd()).max_file_bytes


def starts(code: str, prefixes: tuple[str, ...]) -> bool:
    """Whether `code` is one of `prefixes` or starts with one (`GLC2` covers GLC201...)."""
    return any(code.startswith(prefix) for prefix in prefixes)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def known_codes(codes: list[str], where: str) -> list[str]:
    """`codes`, each a code or a prefix of one (`GLC2`, as ruff takes prefixes); raises on any other."""
    if not codes:  # nothing to look up: the catalogue (every rule module) is not loaded for it
        return codes
    from glacierc.checks.catalogue import RULES
    from glacierc.diagnostics.render import printable

    for code in codes:
        if not any(known.startswith(code) for known in RULES):
            raise ConfigurationError(f"{where}: `{printable(code)}` is not a glacierc code or a prefix of one "
                                     "(`glacierc rule all` lists them)")
    return codes


def load_settings(paths: list[str], *, config: str | None = None, cli: Layer | None = None,
                  exclude: list[str] | None = None, extend_exclude: list[str] | None = None) -> PathSettings:
    """Settings per file for a compile of `paths` (see the module docstring for which file applies);
    `exclude`/`extend-exclude` from the command line (comma-separated globs, repeatable) replace or extend
    the configuration's."""
    if config is not None and not Path(config).is_file():
        from glacierc.diagnostics.render import printable

        raise ConfigurationError(f"--config: `{printable(config)}` is not a file")
    return PathSettings(cli or Layer(), config, tuple(_split(exclude)) if exclude is not None else None,
                        tuple(_split(extend_exclude)))


def _nearest(start: Path) -> Settings:
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            found = _from_file(candidate, required=False)
            if found is not None:
                return found
    return Settings(root=os.getcwd())


@overload
def _from_file(path: Path, required: Literal[True] = True) -> Settings: ...
@overload
def _from_file(path: Path, required: bool) -> Settings | None: ...


def _from_file(path: Path, required: bool = True) -> Settings | None:
    """The settings of a configuration file; None for a pyproject.toml without [tool.glacierc] (unless
    `required`, as for `--config`: then its defaults)."""
    from glacierc.diagnostics.render import printable

    shown = printable(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"{shown}: cannot be read: {printable(str(error))}") from None
    root = str(path.resolve().parent)
    is_pyproject = path.name == "pyproject.toml"
    if is_pyproject and "glacierc" not in text:  # no [tool.glacierc] table: skip loading the TOML parser
        return Settings(root=root, source=str(path)) if required else None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{shown}: not valid TOML: {printable(str(error))}") from None
    tool = data.get("tool", {}) if is_pyproject else {"glacierc": data}
    table = tool.get("glacierc") if isinstance(tool, dict) else None
    if table is None:
        return Settings(root=root, source=str(path)) if required else None
    if not isinstance(table, dict):
        raise ConfigurationError(f"{shown}: `tool.glacierc` must be a table")
    return _from_table(table, shown, root, str(path))


def _from_table(table: dict, shown: str, root: str, source: str) -> Settings:
    from glacierc.diagnostics.render import printable

    for key in sorted(table):
        if key not in KEYS:
            raise ConfigurationError(f"{shown}: unknown key `{printable(key)}` in [tool.glacierc] (known: "
                                     f"{', '.join(KEYS)})")
    limit = table.get("max-file-bytes", DEFAULT_MAX_FILE_BYTES)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise ConfigurationError(f"{shown}: [tool.glacierc] `max-file-bytes` must be a positive integer")
    gitignore = table.get("respect-gitignore", True)
    if not isinstance(gitignore, bool):
        raise ConfigurationError(f"{shown}: [tool.glacierc] `respect-gitignore` must be true or false")
    backend = table.get("terraform-backend")
    if backend is not None and backend not in TERRAFORM_BACKENDS:
        raise ConfigurationError(f"{shown}: [tool.glacierc] `terraform-backend` must be one of "
                                 f"{', '.join(map(repr, TERRAFORM_BACKENDS))} (got {printable(repr(backend))})")
    layer = Layer(select=_codes(table, "select", shown) if "select" in table else None,
                  extend_select=_codes(table, "extend-select", shown), ignore=_codes(table, "ignore", shown))
    exclude = _strings(table, "exclude", shown) if "exclude" in table else DEFAULT_EXCLUDE
    return Settings(layers=(layer,), per_file_ignores=_per_file_ignores(table, shown),
                    exclude=exclude + _strings(table, "extend-exclude", shown), respect_gitignore=gitignore,
                    max_file_bytes=limit, terraform_backend=backend, root=root, source=source,
                    wheelhouse=_wheelhouse(table, shown), package_index=_package_index(table, shown))


def terraform_backend(settings: FileSettings, paths: Sequence[str | Path]) -> str | None:
    """The `terraform-backend` of a build of `paths`: one value for the whole build (its root modules share
    it); paths configured with different values are a configuration error."""
    found = sorted({settings.for_file(path).terraform_backend or "" for path in paths})
    if len(found) > 1:
        from glacierc.diagnostics.render import printable

        shown = ", ".join(repr(value) if value else "none" for value in found)
        raise ConfigurationError(f"[tool.glacierc] `terraform-backend` differs between the paths built together "
                                 f"({printable(shown)}); build them separately or set one value")
    return (found[0] or None) if found else None


def _wheelhouse(table: dict, shown: str) -> str | None:
    value = table.get("wheelhouse")
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigurationError(f"{shown}: [tool.glacierc] `wheelhouse` must be a directory (a non-empty string)")
    return value


#: A package index URL as it may appear in a generated requirements.txt: http(s), the URL characters of RFC 3986
#: without `#` (a comment there) and without user information (credentials never go into generated files).
_INDEX_URL = re.compile(r"https?://[A-Za-z0-9._~-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~!$&'()*+,;=:%/-]*)?")


def _package_index(table: dict, shown: str) -> str | None:
    value = table.get("package-index")
    if value is None:
        return None
    if not isinstance(value, str) or not _INDEX_URL.fullmatch(value):
        from glacierc.diagnostics.render import printable

        raise ConfigurationError(
            f"{shown}: [tool.glacierc] `package-index` must be an http(s) URL of a package index, without "
            f"credentials, spaces or `#` (got {printable(repr(value))}); give pip the credentials through its "
            "own configuration or keyring")
    return value


def package_index(settings: FileSettings, paths: Sequence[str | Path]) -> str | None:
    """The `package-index` of a build of `paths` (docs/cloud.md, "Packages"): one for the whole build."""
    found = sorted({settings.for_file(path).package_index or "" for path in paths})
    if len(found) > 1:
        raise ConfigurationError("[tool.glacierc] `package-index` differs between the paths built together; build "
                                 "them separately or set one value")
    return (found[0] or None) if found else None


def wheelhouse(settings: FileSettings, paths: Sequence[str | Path]) -> tuple[Path, str] | None:
    """The wheelhouse of a build of `paths` (docs/cloud.md, "Packages"): the directory and its name as
    configured, relative to the configuration's directory; one for the whole build."""
    found = sorted({(Path(s.root or os.getcwd()) / s.wheelhouse, s.wheelhouse) for s in
                    (settings.for_file(path) for path in paths) if s.wheelhouse})
    if len({directory for directory, _ in found}) > 1:
        raise ConfigurationError("[tool.glacierc] `wheelhouse` differs between the paths built together; build "
                                 "them separately or set one value")
    return found[0] if found else None


def _strings(table: dict, key: str, shown: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{shown}: [tool.glacierc] `{key}` must be a list of strings")
    return tuple(value)


def _codes(table: dict, key: str, shown: str) -> tuple[str, ...]:
    return tuple(known_codes(list(_strings(table, key, shown)), f"{shown}: [tool.glacierc] `{key}`"))


def _per_file_ignores(table: dict, shown: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = table.get("per-file-ignores", {})
    where = f"{shown}: [tool.glacierc] `per-file-ignores`"
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where} must be a table of glob = [codes]")
    pairs = []
    for glob in sorted(value):
        codes = value[glob]
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigurationError(f"{where}: `{printable_key(glob)}` must be a list of code strings")
        pairs.append((glob, tuple(known_codes(codes, f"{where}: `{printable_key(glob)}`"))))
    return tuple(pairs)


def printable_key(key: str) -> str:
    from glacierc.diagnostics.render import printable

    return printable(key)
