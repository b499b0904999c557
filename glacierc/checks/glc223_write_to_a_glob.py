"""GLC223 write-to-a-glob: a task writes storage whose path is a glob (a dataset it can only be read as)."""

from __future__ import annotations

from collections.abc import Iterator

from glacier.datasets import GLOB_CHARACTERS

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir import nodes as ir

CODE = "GLC223"
NAME = "write-to-a-glob"
SEVERITY = Severity.ERROR
TITLE = "a task writes storage whose path is a glob"
WHAT = ("Reports a pipeline call of a task that writes storage (through the storage passed to it or module-level "
        "storage in its body) whose `path` holds a glob character (`*`, `?`, `[`): `events/*.parquet`.")
WHY = ("A glob names the objects that match it; it is no key to write. Locally the write would make a file "
       "literally named `*.parquet`, in the cloud an object with `*` in its key that the IAM grant of the prefix "
       "may not cover, and the next read of the glob would find it or not depending on the pattern.")

#: Its messages (templates: the reporting site fills in the fields).
WRITES_A_GLOB = Message(CODE, SEVERITY, "task `{task}` writes storage `{storage}`, whose path `{path}` is a glob",
                        "write to storage whose path is one file (`events/day.parquet`) or a prefix ending in `/` "
                        "(`events/`: a write adds an object below it), and read the glob")

_WRITER = """\
@local_exec.task()
def load(target) -> None:
    target.write(pl.DataFrame({"x": [1]}))

"""

INVALID = (
    invalid(HEAD.replace('path="raw.parquet"', 'path="raw/*.parquet"') + _WRITER + """\
@pipeline(name='p')
def p():
    load(raw)
""",
            (15, 5, 15, 14, "task `load` writes storage `raw`, whose path `raw/*.parquet` is a glob")),
)
VALID = (
    valid(HEAD.replace('path="raw.parquet"', 'path="raw/", format="parquet"') + _WRITER + """\
@pipeline(name='p')
def p():
    load(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    paths = {storage.name: storage.path for storage in project.storage}
    for pipeline in project.pipelines:
        for node in pipeline.nodes:
            for name in node.writes:
                path = paths.get(name, "")
                if any(character in path for character in GLOB_CHARACTERS):
                    yield WRITES_A_GLOB.diagnostic(node.span, task=node.task, storage=name, path=path)
