"""GLC219 partitions-of-a-file: `.partitions()` of storage whose path names one file, not a dataset.

Reported by `glacierc/frontend/mapping.py` while lowering a pipeline body; this module holds its code,
documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC219"
NAME = "partitions-of-a-file"
SEVERITY = Severity.ERROR
TITLE = "`.partitions()` of storage that is not a dataset"
WHAT = ("Reports `storage.partitions()` in a `@pipeline` body where the storage's `path` is one file: a dataset's "
        "path is a glob (`events/2026/*.parquet`) or a prefix ending in `/` (`events/`).")
WHY = "A file has no partitions: the library refuses the call at run time, and nothing could be mapped over it."

#: Its messages (templates: the reporting site fills in the fields).
NOT_A_DATASET = Message(CODE, SEVERITY, "`{storage}.partitions()` in pipeline `{pipeline}`: storage `{storage}` "
                        "(path `{path}`) is one file, not a dataset",
                        "make its path a glob (`dir/*.parquet`) or a prefix ending in `/` to map a task over "
                        "its objects, or pass the storage to the task itself")

_TASKS = """\
@local_exec.task()
def clean(part) -> pl.LazyFrame:
    return part.scan()

@local_exec.task()
def combine(parts: list) -> pl.DataFrame:
    return pl.concat(parts).collect()

"""

INVALID = (
    invalid(HEAD + _TASKS + """\
@pipeline(name='p')
def p():
    return combine([clean(part) for part in raw.partitions()])
""",
            (19, 45, 19, 61, "`raw.partitions()` in pipeline `p`: storage `raw` (path `raw.parquet`) is one "
                             "file, not a dataset")),
)
VALID = (
    valid(HEAD.replace('path="raw.parquet"', 'path="raw/*.parquet"') + _TASKS + """\
@pipeline(name='p')
def p():
    return combine([clean(part) for part in raw.partitions()])
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
