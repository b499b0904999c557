"""Errors that end a command with exit status 2 and a message (no traceback): they are the user's to fix.
A module of its own so that the entry point can catch them without importing the compiler."""

from __future__ import annotations


class ConfigurationError(Exception):
    """A configuration mistake: an unknown code in --select/--ignore/`# noqa:`/[tool.glacierc], a
    pyproject.toml that does not parse, an unknown key, a value of the wrong type."""
