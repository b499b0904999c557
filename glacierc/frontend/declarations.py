"""Turn evaluated values into IR declarations: providers, storage and executors (with their names,
clouds, URIs and formats), reporting what is not static or not part of the language."""

from __future__ import annotations

import posixpath

import libcst as cst

from glacierc.checks import glc002_not_static as not_static
from glacierc.checks import glc101_provider_class as provider_class
from glacierc.checks.config import UNCHECKED, config_problems
from glacierc.frontend.context import Context
from glacierc.frontend.values import (ConfigVal, DeclRef, ExecutorVal, ProviderVal, Qual, StorageVal, Unknown, Where,
                                      is_constant, is_scalar)
from glacierc.ir import nodes as ir

CLOUD_OF_CONFIG = {"AwsConfig": ir.Cloud.AWS, "GcpConfig": ir.Cloud.GCP, "AzureConfig": ir.Cloud.AZURE,
                   "LocalConfig": ir.Cloud.LOCAL}
SCHEME = {"aws": "s3", "gcp": "gs", "azure": "az"}
NEW_FORM = {"AWSProvider": "AwsConfig", "GCPProvider": "GcpConfig", "AzureProvider": "AzureConfig",
            "LocalProvider": "LocalConfig"}


def provider_ir(ctx: Context, value: ProviderVal) -> ir.Provider:
    if value.legacy:
        config_type = NEW_FORM[value.legacy]
        ctx.report(provider_class.LEGACY_PROVIDER, value.where, legacy=value.legacy, config_type=config_type)
    config = value.config
    if config is None:
        ctx.report(not_static.PROVIDER_CONFIG, value.where)
        return ir.Provider(value.name or "provider", ir.Cloud.LOCAL, ir.Config("LocalConfig"), ctx.span(value.where))
    cloud = CLOUD_OF_CONFIG.get(config.type, ir.Cloud.LOCAL)  # not a provider config: GLC305 from config_ir
    return ir.Provider(value.name or "provider", cloud, config_ir(ctx, config, "provider", cloud),
                       ctx.span(value.where))


def storage_ir(ctx: Context, value: StorageVal) -> ir.Storage | None:
    provider = ctx.provider_of(value.provider)
    bucket = _known_string(ctx, value.bucket, "bucket", value.where)
    path = _known_string(ctx, value.path, "path", value.where)
    fmt = value.format
    if isinstance(fmt, Unknown) or (fmt is not None and not isinstance(fmt, str)):
        _not_static(ctx, fmt, "format", value.where)
        fmt = None
    if bucket is None or path is None:
        return None
    detected = detect_format(path, fmt)
    if detected is None:
        ctx.report(not_static.STORAGE_FORMAT, value.where, path=path)
        detected = "parquet"
    config = config_ir(ctx, value.config, "storage", provider.cloud) if value.config else None
    return ir.Storage(value.name or bucket, provider.name, bucket, path, detected,
                      storage_uri(provider, bucket, path), config, ctx.span(value.where),
                      ctx.span(value.bucket_where or value.where, exact=True),
                      ctx.span(value.path_where or value.where, exact=True), _schema(ctx, value),
                      _existing(ctx, value))


def _existing(ctx: Context, value: StorageVal) -> bool:
    """`existing=`: True or False known statically; anything else is GLC002 (and the bucket is generated)."""
    if isinstance(value.existing, bool):
        return value.existing
    where = value.existing_where or value.where
    if isinstance(value.existing, Unknown):
        ctx.report(not_static.VALUE, value.existing.where or where, what="existing", reason=value.existing.reason)
    else:
        ctx.report(not_static.VALUE, where, what="existing", reason="it must be True or False")
    return False


def _schema(ctx: Context, value: StorageVal) -> tuple[tuple[str, str], ...] | None:
    """The declared columns of `schema=`; GLC002 when they cannot be read statically."""
    if value.schema_where is None or (isinstance(value.schema_where.node, cst.Name)
                                      and value.schema_where.node.value == "None"):
        return None
    from glacierc.frontend.columns.declared import declared_schema

    found = declared_schema(ctx.evaluator, value.schema_where)
    if isinstance(found, str):
        ctx.report(not_static.SCHEMA, value.schema_where, reason=found)
        return None
    return found


def executor_ir(ctx: Context, value: ExecutorVal) -> ir.Executor:
    provider = ctx.provider_of(value.provider)
    config = None
    if value.config is not None:
        config = config_ir(ctx, value.config, value.kind, provider.cloud)
    elif value.kind != "local":
        ctx.report(not_static.EXECUTOR_CONFIG, value.where, kind=value.kind)
    return ir.Executor(value.name or value.kind, provider.name, value.kind, config, ctx.span(value.where))


def _checked_fields(value: ConfigVal) -> dict[str, object]:
    """The fields as the catalogue checks them: constants as plain values, the rest UNCHECKED."""
    return {name: _plain(field) if not isinstance(field, Unknown) and is_constant(field, (ConfigVal,)) else UNCHECKED
            for name, field in value.fields.items()}


def _plain(value: object) -> object:
    """Nested configs are checked on their own; give the catalogue plain dicts for them."""
    if isinstance(value, ConfigVal):
        return {k: _plain(v) for k, v in value.fields.items() if not k.startswith("#")}
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


def config_ir(ctx: Context, value: ConfigVal, role: str, cloud: str, *, check: bool = True) -> ir.Config:
    """The IR form of a config; `check` reports its problems (nested configs are checked with their parent)."""
    for problem in config_problems(value.type, _checked_fields(value), role, cloud) if check else ():
        node = value.field_nodes.get(problem.field) if problem.field else None
        where = Where(value.where.module, value.where.index, node) if node is not None else value.where
        ctx.report_problem(problem.code, problem.severity, problem.message, where, help=problem.help)
    fields = []
    for key in sorted(k for k in value.fields if not k.startswith("#")):
        field = value.fields[key]
        if not isinstance(field, Unknown) and not _is_data(field):  # a task, a module, `print`, bytes...
            field = Unknown(_not_data_reason(field))
        if isinstance(field, Unknown):
            node = value.field_nodes.get(key)
            where = Where(value.where.module, value.where.index, node) if node is not None else value.where
            _not_static(ctx, field, f"{value.type}.{key}", where)
            continue
        fields.append((key, freeze(ctx, _canonical(value.type, key, field), value.where)))
    return ir.Config(value.type, tuple(fields))


def _canonical(config_type: str, field: str, value: object) -> object:
    """A choice in the catalogue's own spelling (`tier="hot"` is emitted as Terraform's `Hot`)."""
    from glacier.config import CATALOGUE, canonical, fields_of

    if not isinstance(value, str) or config_type not in CATALOGUE:
        return value
    return canonical(config_type, field, value) if any(s.name == field for s in fields_of(config_type)) else value


def _is_data(value: object) -> bool:
    """What a config field can hold in the IR (and the catalogue can check)."""
    return is_constant(value, (ConfigVal,), str_keys=True)


def _not_data_reason(value: object) -> str:
    if isinstance(value, DeclRef):
        return f"`{value.name}` is a task or pipeline, not a constant"
    if isinstance(value, Qual):
        return f"`{value.name}` is not a constant"
    if isinstance(value, (bytes, complex)):
        return f"a `{type(value).__name__}` value cannot be a config value"
    return "the value is not a constant"


def freeze(ctx: Context, value: object, where: Where) -> object:
    """A JSON-like, hashable form of an evaluated config value."""
    if isinstance(value, ConfigVal):
        return config_ir(ctx, value, "rule", "any", check=False)
    if isinstance(value, (list, tuple)):
        return tuple(freeze(ctx, v, where) for v in value)
    if isinstance(value, dict):
        return ir.Config("dict", tuple(sorted((str(k), freeze(ctx, v, where)) for k, v in value.items())))
    if is_scalar(value):
        return value
    return repr(value)


def storage_uri(provider: ir.Provider, bucket: str, path: str) -> str:
    if provider.cloud == "local":
        base = str(provider.config.get("base_path", "./data"))
        return posixpath.join(base, bucket, path)
    return f"{SCHEME[provider.cloud]}://{bucket}/{path}"


def detect_format(path: str, fmt: str | None) -> str | None:
    from glacier.formats import detect_format as detect

    try:
        return detect(path, fmt)
    except ValueError:
        return None


def _known_string(ctx: Context, value: object, what: str, where: Where) -> str | None:
    if isinstance(value, str) and value:
        return value
    _not_static(ctx, value, what, where)
    return None


def _not_static(ctx: Context, value: object, what: str, where: Where) -> None:
    if isinstance(value, Unknown):
        ctx.report(not_static.VALUE, value.where or where, what=what, reason=value.reason)
    else:
        ctx.report(not_static.NOT_A_NAME, where, what=what, described=_describe(value))


def _describe(value: object) -> str:
    return "a constant of another type" if value is not None else "None"
