"""Fuzz inputs: a small project (files and `-e` values), the seed corpus it is made from, and case number N
of a run (the same seed and number always give the same input)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from glacierc.fuzzing import generate, mutate
from glacierc.fuzzing.chooser import Chooser, for_case

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = (REPO / "examples", REPO / "tests" / "fixtures")
EXAMPLES_ONLY = (REPO / "examples",)
ENV_VALUES = {"GLACIER_CLOUD": ("aws", "gcp", "azure", "local", "", "AWS"), "ENV": ("prod", "dev", "x" * 300),
              "REGION": ("us-east-1", "mars-1", ""), "BUCKET": ("data", "", "a/b", "\u202e", "*", "..", "a\udcff"),
              # `-e` values as Python decodes argv on Linux: non-UTF-8 bytes become lone surrogates
              "SOURCE_BUCKET": ("*", "acme-raw", "a\udcff\udcfe", "\x1b[2J", "/etc"),
              "SOURCE_PATH": ("../x.csv", "/etc/passwd.csv", "*/x.csv", "raw.parquet", "a\udc80.csv")}


@dataclass(frozen=True, slots=True)
class Case:
    files: tuple[tuple[str, bytes], ...]  # relative path -> content
    env: tuple[tuple[str, str], ...] = ()
    target: str = "pipeline.py"  # the path given to the compiler, relative to the project ("." = the directory)
    origin: str = ""  # how the case was made, for the report

    def write(self, root: Path) -> list[str]:
        """Materialise the project under `root` (emptied first); returns the paths to compile."""
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        for name, content in self.files:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        (root.parent / f"{root.name}.json").write_text(json.dumps(
            {"env": dict(self.env), "target": self.target, "origin": self.origin}))
        return [str(root / self.target)]

    @staticmethod
    def read(root: Path) -> Case:
        meta = json.loads((root.parent / f"{root.name}.json").read_text())
        files = tuple(sorted((p.relative_to(root).as_posix(), p.read_bytes()) for p in root.rglob("*") if p.is_file()))
        return Case(files, tuple(sorted(meta["env"].items())), meta["target"], meta["origin"])


@dataclass(frozen=True, slots=True)
class Corpus:
    texts: tuple[tuple[str, str], ...]  # (name, source) of every seed file
    projects: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = field(default=())  # multi-file seeds

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.texts)


def load_corpus(directories: tuple[Path, ...] = DEFAULT_CORPUS) -> Corpus:
    texts, projects = [], []
    for directory in directories:
        for path in sorted(directory.rglob("*.py")) if directory.is_dir() else ():
            text = path.read_bytes().decode("utf-8", errors="replace")
            texts.append((path.relative_to(directory.parent).as_posix(), text))
        for package in sorted(directory.rglob("__init__.py")) if directory.is_dir() else ():
            top = package.parent
            if (top.parent / "__init__.py").exists() or top.parent == directory:
                continue
            files = tuple((p.relative_to(top.parent).as_posix(), p.read_text(errors="replace"))
                          for p in sorted(top.parent.rglob("*.py")))
            projects.append((top.parent.relative_to(directory.parent).as_posix(), files))
    return Corpus(tuple(texts) or (("generated", generate.program(for_case(0, 0))),), tuple(projects))


def make_case(seed: int, index: int, corpus: Corpus) -> Case:
    return make(for_case(seed, index), corpus)


def make(c: Chooser, corpus: Corpus) -> Case:
    roll = c.integer(0, 99)
    if roll < 45:
        name, text = c.choice(corpus.texts)
        return Case((("pipeline.py", mutate.mutate(text, c, corpus.sources)),), origin=f"mutated {name}")
    if roll < 55 and corpus.projects:
        return _mutated_project(c, corpus)
    if roll < 85:
        text = generate.program(c)
        if c.chance(40):
            return Case((("pipeline.py", mutate.mutate(text, c, corpus.sources)),), origin="generated, mutated")
        return Case((("pipeline.py", text.encode()),), _env(c), origin="generated")
    return _hostile(c, corpus)


def _mutated_project(c: Chooser, corpus: Corpus) -> Case:
    name, files = c.choice(corpus.projects)
    victim = c.integer(0, len(files) - 1)
    encoded = tuple((path, mutate.mutate(text, c, corpus.sources) if i == victim else text.encode())
                    for i, (path, text) in enumerate(files))
    return Case(encoded, _env(c), ".", origin=f"mutated {files[victim][0]} of {name}")


def _env(c: Chooser) -> tuple[tuple[str, str], ...]:
    if not c.chance(30):
        return ()
    return tuple(sorted((name, c.choice(values)) for name, values in ENV_VALUES.items() if c.chance(50)))


def _hostile(c: Chooser, corpus: Corpus) -> Case:
    """Inputs no editor produces: raw bytes, nothing at all, huge files, odd limits, odd project layouts."""
    text = c.choice(corpus.sources)
    kind = c.integer(0, 7)
    if kind == 0:
        data = bytes(c.integer(0, 255) for _ in range(c.integer(0, 400)))
        return Case((("pipeline.py", data),), origin="random bytes")
    if kind == 1:
        data = c.choice((b"", b"\xef\xbb\xbf", b"\n" * 1000, b"#" * 10, b"\\", b"'''", b"(", b"\t\t", b" \x0c"))
        return Case((("pipeline.py", data),), origin="tiny")
    if kind == 2 and c.chance(10):
        return Case((("pipeline.py", mutate.grow(text, c, ()).encode()),), origin="huge")
    if kind == 3:
        limits = c.choice(("max-file-bytes = 100", "max-file-bytes = 0", "max-file-bytes = 'x'", "select = 5",
                           "ignore = ['GLC']", "select = ['GLC2']", "max-file-bytes = 1e9", "[broken"))
        toml = f"[tool.glacierc]\n{limits}\n".encode()
        return Case((("pyproject.toml", toml), ("pipeline.py", text.encode())), target=".", origin=f"settings {limits}")
    if kind == 4:
        layout = (("pkg/__init__.py", b"from .. import outside\nfrom . import missing\n"),
                  ("pkg/mod.py", text.encode()), ("pkg/sub/__init__.py", b"from ...pkg import mod\n"),
                  ("x.py/inner.py", b"x = 1\n"), (".hidden/skip.py", b"(\n"), ("notes.txt", b"\xff"))
        return Case(tuple(layout[:c.integer(1, len(layout))]), target=".", origin="layout")
    if kind == 5:
        return Case((("pipeline.py", text.encode()),), _env(c) or (("GLACIER_CLOUD", "aws"),), origin="env")
    return Case((("pipeline.py", mutate.mutate(text, c, corpus.sources)),), origin="mutated")
