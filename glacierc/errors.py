"""The one error channel for mistakes the user can fix: raised anywhere, printed as `error: ...` and mapped
to exit status 2 by the entry point (no traceback). A module of its own so that the entry point can catch
them without importing the compiler."""

from __future__ import annotations


class UserError(Exception):
    """A mistake of the user's (command line or configuration), not a bug."""

    exit_status = 2


class UsageError(UserError):
    """A command line that parsed but cannot be used: an unknown format, exclusive flags, a bad `-e`."""


class ConfigurationError(UserError):
    """A configuration mistake: an unknown code in --select/--ignore/`# noqa:`/[tool.glacierc], a
    pyproject.toml that does not parse, an unknown key, a value of the wrong type."""
