"""GLC301-305: config objects checked against the `glacier.config` catalogue, the one source of truth
for fields, defaults, clouds and limits that the library itself validates with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from glacierc.checks.glc301_unknown_config_field import CODE as UNKNOWN_CONFIG_FIELD
from glacierc.checks.glc302_config_out_of_limits import CODE as CONFIG_OUT_OF_LIMITS
from glacierc.checks.glc303_config_wrong_cloud import CODE as CONFIG_WRONG_CLOUD
from glacierc.checks.glc304_missing_config_field import CODE as MISSING_CONFIG_FIELD
from glacierc.checks.glc305_config_wrong_role import CODE as CONFIG_WRONG_ROLE
from glacierc.frontend.values import ConfigVal, Unknown, is_constant

if TYPE_CHECKING:
    from glacier._catalogue import Config


@dataclass(frozen=True, slots=True)
class Problem:
    """A config field that is out of its limits or unknown, found by the catalogue's checker."""

    code: str
    message: str
    field: str | None = None
    help: str | None = None


def config_problems(config_type: str, fields: dict[str, object], role: str, cloud: str) -> list[Problem]:
    from glacier.config import CATALOGUE, fields_of

    cls = CATALOGUE.get(config_type)
    if cls is None:
        return [Problem(UNKNOWN_CONFIG_FIELD, f"`{config_type}` is not a config class of `glacier.config`")]
    problems = _role_and_cloud(config_type, cls, role, cloud)
    specs = {spec.name: spec for spec in fields_of(cls)}
    for name, value in fields.items():
        problems += _field_problems(config_type, specs, name, value)
    for spec in specs.values():
        if spec.required and spec.name not in fields:
            problems.append(Problem(MISSING_CONFIG_FIELD, f"`{config_type}` requires `{spec.name}`",
                                    help=f"add `{spec.name}=...`: {spec.doc}"))
    if not any(p.code in (UNKNOWN_CONFIG_FIELD, CONFIG_OUT_OF_LIMITS) for p in problems):
        problems += _cross_field(config_type, specs, fields)
    return problems


def _cross_field(config_type: str, specs: dict, fields: dict[str, object]) -> list[Problem]:
    """Limits that depend on other fields (the catalogue's `field_rules`), judged on the fields
    known statically; the library raises the same message."""
    from glacier.config import canonical, cross_field_problems

    known = {name: canonical(config_type, name, _plain(value)) for name, value in fields.items()
             if name in specs and not isinstance(value, Unknown) and _checkable(value)}
    return [Problem(CONFIG_OUT_OF_LIMITS, message, field, help=_limit_help(specs[field]))
            for field, message in cross_field_problems(config_type, known)]


_CLOUD_NAMES = {"aws": "an AWS", "gcp": "a GCP", "azure": "an Azure", "local": "a local", "any": "a"}


def _role_and_cloud(config_type: str, cls: type[Config], role: str, cloud: str) -> list[Problem]:
    if cls.ROLE != role:
        return [Problem(CONFIG_WRONG_ROLE, f"`{config_type}` configures {_article(cls.ROLE)} resource, not "
                        f"{_article(role)} one", help=_role_help(role, cloud))]
    if cls.ROLE != "provider" and cloud != "local" and cls.CLOUD not in ("any", cloud):
        return [Problem(CONFIG_WRONG_CLOUD, f"`{config_type}` is {_CLOUD_NAMES[cls.CLOUD]} config but the provider is "
                        f"{cloud.upper()}", help=_role_help(cls.ROLE, cloud))]
    return []


def _field_problems(config_type: str, specs: dict, name: str, value: object) -> list[Problem]:
    from glacier.config import check_value

    if name.startswith("#"):
        return [Problem(UNKNOWN_CONFIG_FIELD, f"`{config_type}` takes keyword arguments only",
                        help=f"name the field: {', '.join(specs)}")]
    if name not in specs:
        import difflib

        close = difflib.get_close_matches(name, list(specs), n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"known fields: {', '.join(specs)}"
        return [Problem(UNKNOWN_CONFIG_FIELD, f"`{config_type}` has no field `{name}`", name, hint)]
    if isinstance(value, Unknown) or not _checkable(value):
        return []
    message = check_value(config_type, name, _plain(value))
    if message is None:
        return []
    spec = specs[name]
    return [Problem(CONFIG_OUT_OF_LIMITS, message, name, help=_limit_help(spec))]


def _checkable(value: object) -> bool:
    return is_constant(value, (ConfigVal,))


def _plain(value: object) -> object:
    """Nested configs are checked on their own; give the catalogue plain dicts for them."""
    if isinstance(value, ConfigVal):
        return {k: _plain(v) for k, v in value.fields.items() if not k.startswith("#")}
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


def _limit_help(spec) -> str | None:
    if spec.choices:
        return "allowed: " + ", ".join(repr(c) for c in spec.choices)
    if spec.minimum is not None or spec.maximum is not None:
        low = "" if spec.minimum is None else spec.minimum
        high = "" if spec.maximum is None else spec.maximum
        return f"allowed range: {low}..{high} {spec.unit}".rstrip()
    return spec.doc or None


def _role_help(role: str, cloud: str) -> str | None:
    from glacier.config import CATALOGUE

    fits = sorted(name for name, cls in CATALOGUE.items()
                  if cls.ROLE == role and cls.CLOUD in ("any", cloud))
    return f"use {' or '.join(f'`{f}`' for f in fits)}" if fits else None


def _article(role: str) -> str:
    return {"serverless": "a serverless", "vm": "a vm", "cluster": "a cluster", "storage": "a storage",
            "provider": "a provider", "rule": "a lifecycle-rule"}.get(role, f"a {role}")
