"""Names checked against the `glacier` library's surface (`glacier._api`): an unknown name imported from
the library, an unknown method of a provider / executor / bucket, an unknown keyword of the language's
calls. The frontend only observes them (`values.Observation`); the rules GLC212-GLC214 judge."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from glacierc.frontend.values import ExecutorVal, Observation, ProviderVal, StorageVal, Where

#: Old-API names reported by GLC101/GLC102 (and rewritten by `glacierc migrate`), not as unknown names.
LEGACY = frozenset({"AWSProvider", "GCPProvider", "AzureProvider", "LocalProvider", "GlacierEnv", "providers", "core"})
_KINDS = ((ProviderVal, "Provider"), (ExecutorVal, "ExecutionResource"), (StorageVal, "Bucket"))


def _kind(value: object) -> str:
    return next(name for cls, name in _KINDS if isinstance(value, cls))


def library_name(qualified: str, where: Where) -> Iterator[Observation]:
    """`glacier.config.LambdaConfg` (imported, or used as `gc.LambdaConfg`) names nothing in the library."""
    from glacier._api import module_names

    module, _, name = qualified.rpartition(".")
    known = module_names(module)
    if known is None or name in known or name in LEGACY:
        return
    yield Observation("unknown-library-name", name, where, module, tuple(known))


def attribute(value: object, attr: str, where: Where) -> Iterator[Observation]:
    """`provider.serverles`, `raw.scann`: a method the object does not have."""
    from glacier._api import METHODS

    kind = _kind(value)
    legacy = value.legacy if isinstance(value, ProviderVal) else getattr(value, "provider").legacy
    if legacy is None and attr not in METHODS[kind] and not attr.startswith("__"):
        yield Observation("unknown-attribute", attr, where, kind, tuple(METHODS[kind]))


def keywords(call: str, given: Iterable[tuple[str, Where]]) -> Iterator[Observation]:
    """Keyword arguments of `Provider(...)`, `provider.bucket(...)`, `@pipeline(...)`, `@x.task(...)`... that the
    call does not take. `call` is a key of `glacier._api.CALLS` or `Kind.method`."""
    from glacier._api import CALLS, METHODS

    kind, _, method = call.partition(".")
    accepted = METHODS[kind][method] if method else CALLS[call]
    for keyword, where in given:
        if keyword not in accepted:
            yield Observation("unknown-keyword", keyword, where, call, tuple(accepted))
