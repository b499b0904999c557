"""File paths as CI services want them: relative to the repository root, wherever the command runs."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=8)
def repository_root(cwd: str) -> str:
    """The nearest directory at or above `cwd` holding `.git` (a directory, or a worktree's file), else `cwd`."""
    directory = cwd
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return cwd
        directory = parent


def from_root(path: str) -> str:
    """`path` (as given, relative to the working directory or absolute) relative to the repository root,
    with `/` separators; unchanged (but with `/`) when it lies outside the repository."""
    root = repository_root(os.getcwd())
    full = os.path.abspath(path)
    if full == root or full.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(full, root).replace(os.sep, "/")
    return path.replace(os.sep, "/")
