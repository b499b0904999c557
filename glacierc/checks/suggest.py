"""Did-you-mean: the closest known name, as the help line of a diagnostic."""

from __future__ import annotations

from collections.abc import Iterable


def closest(name: str, known: Iterable[str]) -> str | None:
    import difflib  # only on this path: a clean check never loads it

    candidates = sorted(set(known))
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not close:
        folded = {c.casefold(): c for c in candidates}
        close = [folded[name.casefold()]] if name.casefold() in folded else []
    return close[0] if close else None


def did_you_mean(name: str, known: Iterable[str], *, listing: str = "") -> str | None:
    """`did you mean `X`?`, else `listing` followed by the known names (or None without a listing)."""
    known = sorted(set(known))
    match = closest(name, known)
    if match is not None:
        return f"did you mean `{match}`?"
    return f"{listing}: {', '.join(known)}" if listing and known else None
