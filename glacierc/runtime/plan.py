"""the plan: what one runner runs, as data

Not copied into runners: the plan glacierc generates for the pipeline stands in its place, under
these names and in these shapes. Here for readers, type checkers and the runtime's unit tests, which
lay the runtime out over a plan of their own.
"""

#: The pipeline's name and a hash of everything the runner was generated from (checkpoints of
#: another build are refused).
PIPELINE: str = ""
PLAN_ID: str = ""
#: The source files the runner was generated from, relative to the project.
SOURCES: tuple = ()
#: storage name -> {"cloud", "bucket", "path", "format", "uri"}
STORAGE: dict = {}
#: node id -> {"task", "executor", "kind", "source", "call", "retries", "timeout", "lazy", "args",
#: "needs", "after", "reads", "writes"}; args are (parameter, how passed, kind, value).
NODES: dict = {}
#: executor -> {"reads", "writes"}: the storage its nodes may touch, the same sets its cloud identity is
#: granted (glacierc/ir/access.py); the Bucket shim refuses the rest.
ACCESS: dict = {}
#: The order of execution: tuples of node ids that do not depend on each other.
LEVELS: tuple = ()
#: The nodes whose results the pipeline function returns.
OUTPUTS: tuple = ()
#: task name -> the function of the copied task code.
TASKS: dict = {}
#: (first line, last line) of copied code in the runner -> (source file, its first line)
SOURCE_MAP: tuple = ()
