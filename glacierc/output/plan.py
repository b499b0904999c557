"""What a build changes in OUT: the manifest of the files glacierc owns, and the plan of writes and removals.

A file glacierc must write may replace only a file it wrote before (listed in the manifest), an identical
file, or - in an OUT from a glacierc from before manifests - a file of that earlier build. Anything else in
its way (a user's file, a directory, a symbolic link) refuses the build, with every such path listed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from glacierc.output.guard import OutputRefused

Files = Mapping[str, "str | bytes"]
MANIFEST = ".glacierc-manifest.json"
_SHOWN = 10  # conflicting paths listed in a refusal


@dataclass(frozen=True, slots=True)
class Manifest:
    files: dict[str, str]  # relative path -> sha256 hex of what glacierc wrote
    dirs: tuple[str, ...]  # directories glacierc created (removed again only when empty)

    def to_bytes(self) -> bytes:
        body = {"generator": "glacierc", "version": 1, "files": dict(sorted(self.files.items())),
                "dirs": sorted(self.dirs)}
        return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode("utf-8")


@dataclass(frozen=True, slots=True)
class Plan:
    writes: dict[str, bytes]  # relative path -> content, the manifest included when it changes
    removes: tuple[str, ...]  # files of the old build no longer produced (and unchanged since)
    new_dirs: tuple[str, ...]  # directories to create, shallowest first (OUT itself first when new)
    prune: tuple[str, ...]  # directories glacierc created that the new build no longer needs


def _bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha_of(data: bytes | None) -> str | None:
    return None if data is None else _sha(data)


def manifest_for(files: Files, dirs: tuple[str, ...]) -> Manifest:
    return Manifest({name: _sha(_bytes(content)) for name, content in files.items()}, dirs)


def read_manifest(out: Path) -> Manifest | None:
    try:
        body = json.loads((out / MANIFEST).read_bytes())
        files = {str(k): str(v) for k, v in body["files"].items()}
        return Manifest(files, tuple(str(d) for d in body.get("dirs", ())))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def current(path: Path) -> bytes | None:
    """The bytes of a regular file at `path` (not through a link), or None."""
    try:
        return path.read_bytes() if stat.S_ISREG(os.lstat(path).st_mode) else None
    except OSError:
        return None


def make_plan(out: Path, files: Files) -> Plan:
    old = read_manifest(out)
    owned = old.files if old else {}
    adopt = old is None and _earlier_build(out)
    contents = {name: _bytes(content) for name, content in files.items()}
    writes, conflicts = {}, []
    for name in sorted(contents):
        problem = _blocked(out, name)
        existing = None if problem else current(out / name)
        if problem is None and existing is not None and existing != contents[name] \
                and name not in owned and not adopt:
            problem = f"`{out / name}` (not written by glacierc)"
        if problem:
            conflicts.append(problem)
        elif existing != contents[name]:
            writes[name] = contents[name]
    if conflicts:
        raise OutputRefused(_refusal(out, conflicts))
    return _complete(out, old, contents, writes)


def _complete(out: Path, old: Manifest | None, contents: dict[str, bytes], writes: dict[str, bytes]) -> Plan:
    owned = old.files if old else {}
    removes = tuple(n for n in sorted(owned) if n not in contents and _unchanged(out / n, owned[n]))
    needed = {str(parent) for name in contents for parent in PurePosixPath(name).parents if str(parent) != "."}
    new_dirs = tuple(sorted((d for d in needed if not os.path.lexists(out / d)), key=lambda d: (d.count("/"), d)))
    old_dirs = set(old.dirs) if old else set()
    manifest = Manifest({n: _sha(d) for n, d in contents.items()},
                        tuple(sorted(d for d in needed if d in old_dirs or d in new_dirs)))
    if writes or removes or current(out / MANIFEST) != manifest.to_bytes():
        writes[MANIFEST] = manifest.to_bytes()
    prune = tuple(sorted(d for d in old_dirs if d not in needed))
    return Plan(writes, removes, (".",) * (not out.exists()) + new_dirs, prune)


def _unchanged(path: Path, sha: str) -> bool:
    data = current(path)
    return data is not None and _sha(data) == sha


def _blocked(out: Path, name: str) -> str | None:
    """Why `name` cannot be written in OUT: a link or a file where a directory goes, or a non-file."""
    parts = PurePosixPath(name).parts
    for depth in range(1, len(parts)):
        path = out.joinpath(*parts[:depth])
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            return f"`{path}` (a {'symbolic link' if path.is_symlink() else 'file'} where glacierc writes a directory)"
    path = out / name
    if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
        return f"`{path}` (a {'symbolic link' if path.is_symlink() else 'directory'}, not a file glacierc wrote)"
    return None


def _earlier_build(out: Path) -> bool:
    """OUT written by a glacierc from before manifests: its `ir.json` is the IR schema."""
    try:
        body = json.loads((out / "ir.json").read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and {"version", "providers", "pipelines"} <= body.keys()


def _refusal(out: Path, conflicts: list[str]) -> str:
    shown = "\n".join(f"  {c}" for c in conflicts[:_SHOWN])
    more = f"\n  ... and {len(conflicts) - _SHOWN} more" if len(conflicts) > _SHOWN else ""
    return (f"refusing to build into `{out}`: glacierc would overwrite what it did not write:\n{shown}{more}\n"
            "move these away, or choose another OUT; nothing was changed")
