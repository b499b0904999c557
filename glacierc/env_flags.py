"""`-e NAME=VALUE`: the compile-time environment the command line gives (`check`, `build`, `graph`, `run`...)."""

from __future__ import annotations

from glacierc.errors import UsageError


def parse_env(pairs: list[str] | None) -> dict[str, str]:
    """`-e NAME=VALUE` flags as a mapping."""
    from glacierc.diagnostics.render import printable

    env = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise UsageError(f"`-e {printable(pair)}` is not of the form NAME=VALUE")
        if printable(pair) != pair:  # non-UTF-8 bytes arrive as lone surrogates (surrogateescape)
            raise UsageError(f"`-e {printable(pair)}`: the value must be UTF-8 text without control characters")
        env[name] = value
    return env
