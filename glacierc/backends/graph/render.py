"""Render DOT to SVG or PNG with Graphviz's `dot` binary (a subprocess; nothing imported)."""

from __future__ import annotations

import shutil
import subprocess

RENDERED_FORMATS = ("svg", "png")
INSTALL_HINT = (
    "Graphviz's `dot` program is needed to render svg/png and was not found on PATH.\n"
    "Install it with one of:\n"
    "  sudo apt-get install graphviz     (Debian, Ubuntu)\n"
    "  sudo dnf install graphviz         (Fedora, RHEL)\n"
    "  brew install graphviz             (macOS)\n"
    "  choco install graphviz            (Windows)\n"
    "or ask for text instead: --format dot or --format mermaid."
)
TIMEOUT_SECONDS = 120


class RenderError(Exception):
    """`dot` is missing or failed; the message is meant for the user as it is."""


def find_dot() -> str | None:
    return shutil.which("dot")


def render(dot_source: str, fmt: str) -> bytes:
    """The picture of `dot_source` in `fmt` ("svg" or "png")."""
    if fmt not in RENDERED_FORMATS:
        expected = ", ".join(RENDERED_FORMATS)
        raise RenderError(f"cannot render format '{fmt}'; expected one of {expected}")
    dot = find_dot()
    if dot is None:
        raise RenderError(INSTALL_HINT)
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True,
            timeout=TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"`dot -T{fmt}` did not finish within {TIMEOUT_SECONDS} s") from None
    except OSError as error:
        raise RenderError(f"could not run `{dot}`: {error.strerror or error}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"`dot -T{fmt}` failed (exit {done.returncode}): {detail}")
    return done.stdout
