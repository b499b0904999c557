"""GLC301-305: config objects checked against the `glacier.config` catalogue, the one source of truth
for fields, defaults, clouds and limits that the library itself validates with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from glacierc.checks import glc301_unknown_config_field as unknown_config_field
from glacierc.checks import glc302_config_out_of_limits as config_out_of_limits
from glacierc.checks import glc303_config_wrong_cloud as config_wrong_cloud
from glacierc.checks import glc304_missing_config_field as missing_config_field
from glacierc.checks import glc305_config_wrong_role as config_wrong_role
from glacierc.diagnostics.model import Severity

if TYPE_CHECKING:
    from glacier._catalogue import Config

UNKNOWN_CONFIG_FIELD = unknown_config_field.CODE
CONFIG_OUT_OF_LIMITS = config_out_of_limits.CODE
CONFIG_WRONG_CLOUD = config_wrong_cloud.CODE
MISSING_CONFIG_FIELD = missing_config_field.CODE
CONFIG_WRONG_ROLE = config_wrong_role.CODE
_SEVERITY = {rule.CODE: rule.SEVERITY for rule in (unknown_config_field, config_out_of_limits, config_wrong_cloud,
                                                    missing_config_field, config_wrong_role)}


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


#: The value of a field that is set but not a constant known statically: its name is checked, its value not.
UNCHECKED = _Unchecked()


@dataclass(frozen=True, slots=True)
class Problem:
    """A config field that is out of its limits or unknown, found by the catalogue's checker."""

    code: str
    message: str
    field: str | None = None
    help: str | None = None

    @property
    def severity(self) -> Severity:
        return _SEVERITY[self.code]


def config_problems(config_type: str, fields: dict[str, object], role: str, cloud: str) -> list[Problem]:
    """The problems of a `config_type(**fields)` configuring a `role` on `cloud`. `fields` holds plain values
    (a nested config as a dict of its fields), or UNCHECKED for a value not known statically."""
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

    known = {name: canonical(config_type, name, value) for name, value in fields.items()
             if name in specs and value is not UNCHECKED}
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
    if value is UNCHECKED:
        return []
    message = check_value(config_type, name, value)
    if message is None:
        return []
    spec = specs[name]
    return [Problem(CONFIG_OUT_OF_LIMITS, message, name, help=_limit_help(spec))]


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
