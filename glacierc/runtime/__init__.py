"""The code that runs pipelines: copied into every runner (and cloud package), never imported by it.

Each module here is ordinary Python, read and type-checked as such, but it is written to run as one
section of a runner: all the sections and the generated plan share the runner's globals. So a
module refers to the plan (`STORAGE`, `NODES`, `LEVELS`, `OUTPUTS`, `TASKS`, `PIPELINE`, `PLAN_ID`,
`SOURCES`, `SOURCE_MAP`, see `plan.py`) and to the other sections by their bare names, and imports
them only under `if TYPE_CHECKING:` for readers and type checkers. The runner backend
(glacierc/backends/runner/runtime.py) lays a module out verbatim: its docstring becomes the
section's `#` header (first line: the title), its imports are merged with the other sections' at
the top of the runner, its `TYPE_CHECKING` block is dropped and the rest is copied line for line.
The runtime's unit tests (tests/runtime/) lay the same modules out over a plan of their own.

Rules for these modules: only the standard library and polars; a header of docstring, imports and
the `TYPE_CHECKING` block, then the code; no name defined twice across modules.
"""

#: The sections of a runner, in order: before the copied task code (which may use buckets when it
#: is imported) and after it.
BEFORE_CODE = ("storage",)
AFTER_CODE = ("checkpoints", "commit", "run", "selection", "execute", "listing", "mapping", "report", "cli", "node")
