"""The old API, name by name, and what each piece becomes in the current language.

Config knowledge (fields, clouds, limits) comes from `glacier.config`, the one catalogue; this
module only adds the old spellings: provider classes and decorator arguments. Executor strings are in
`glacierc/frontend/executor_strings.py`, which the frontend reads too (GLC103's help).
"""

from __future__ import annotations

import ast

from glacier.config import CATALOGUE, check_value, fields_of

#: Old provider class -> the config class that now decides the cloud.
OLD_PROVIDERS: dict[str, str] = {
    "AWSProvider": "AwsConfig",
    "GCPProvider": "GcpConfig",
    "AzureProvider": "AzureConfig",
    "LocalProvider": "LocalConfig",
}
ENV_CLASS = "GlacierEnv"
#: Names that only the old API exported; their imports go once nothing uses them.
OLD_NAMES = frozenset({*OLD_PROVIDERS, ENV_CLASS})

#: Names glacier exports, old and new: an unbound use of one of them can only mean glacier's.
GLACIER_NAMES = frozenset({*OLD_NAMES, "Provider", "task", "pipeline", *CATALOGUE})

#: Arguments the current decorators accept (the rest of the old ones are dropped and reported).
TASK_ARGS = frozenset({"name", "depends_on", "retries", "timeout"})
PIPELINE_ARGS = frozenset({"name"})
#: Old `provider.serverless(...)` arguments that name the function rather than configure it.
SERVERLESS_IDENTITY_ARGS = ("function_name", "name", "handler")

SERVERLESS_CONFIG = {"aws": "LambdaConfig", "gcp": "CloudFunctionConfig", "azure": "AzureFunctionConfig"}


def config_role(name: str) -> str | None:
    cls = CATALOGUE.get(name)
    return cls.ROLE if cls is not None else None


def config_cloud(name: str) -> str | None:
    cls = CATALOGUE.get(name)
    return cls.CLOUD if cls is not None else None


def field_names(config: str) -> tuple[str, ...]:
    return tuple(spec.name for spec in fields_of(config))


def required_fields(config: str) -> tuple[str, ...]:
    return tuple(spec.name for spec in fields_of(config) if spec.required)


def literal_problem(config: str, field: str, source: str) -> str | None:
    """Why the literal `source` cannot be `config.field`; None if it can or is not a literal."""
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return check_value(config, field, value)
