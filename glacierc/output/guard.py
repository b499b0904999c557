"""Where a build may write: never over its inputs, never through a symbolic link.

The rule (docs/cli.md, `build`): OUT must not be an input, contain an input, or lie inside an input
directory; paths are compared after resolving symbolic links. Every input lies in its project root, so an
OUT that is or contains the project root (`-o .` from a repository root) is refused too. OUT may lie inside
the project beside the inputs (`glacierc build examples/aws_etl -o out/aws`). OUT itself must not be a
symbolic link: a build would write somewhere the user did not name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class OutputError(Exception):
    """The output directory cannot be written (a file is in the way, no permission...): exit 1."""


class OutputRefused(OutputError):
    """Writing to OUT could destroy what glacierc did not write; nothing was touched: exit 2."""


def refuse_unsafe_out(out: Path, inputs: Sequence[str | Path]) -> None:
    """Raise OutputRefused when building into `out` could overwrite or delete an input."""
    if out.is_symlink():
        raise OutputRefused(f"refusing to build into `{out}`: it is a symbolic link (to `{os.readlink(out)}`); "
                            "name the real directory instead")
    real = Path(os.path.realpath(out))
    for raw in inputs:
        if not os.path.lexists(raw):
            continue  # reported as GLC005 by the compiler
        relation = _relation(real, Path(os.path.realpath(raw)))
        if relation:
            raise OutputRefused(f"refusing to build into `{out}`: it {relation} the input `{raw}`, and a build "
                                "must not write over its sources; choose an OUT outside the inputs")


def _relation(out: Path, source: Path) -> str | None:
    if out == source:
        return "is"
    if source.is_relative_to(out):
        return "contains"
    if out.is_relative_to(source):
        return "lies inside"
    return None
