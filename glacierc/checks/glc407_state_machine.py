"""GLC407 state-machine: what the Step Functions state machine of an AWS pipeline runs.

Reported by `glacierc/backends/terraform/aws.py` at build time (a `note:` line of `glacierc build`); this
module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, LOCAL_HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC407"
NAME = "state-machine"
SEVERITY = Severity.INFO
TITLE = "the states of an AWS pipeline and the nodes that share one invocation"
WHAT = ("Reports, for every pipeline deployed to AWS, how many Step Functions states its state machine has and "
        "which nodes are fused: nodes on one executor that feed each other run in one invocation (a Lambda "
        "invocation, an EMR step, an AWS Batch job or a Databricks run), so their LazyFrames flow in memory; only "
        "values crossing an executor boundary are staged. It also names the nodes the machine does not run yet, "
        "after `not orchestrated yet, the machine fails at:`: nodes on an executor of another provider, and the "
        "nodes after them (a mapped node is a Distributed Map on every executor kind); an execution that reaches one ends in `glacier.NotOrchestrated`.")
WHY = ("States and invocations are what a run costs on AWS, and a fused group fails and retries as one; "
       "the build says so rather than leaving it to be discovered in the console, and says which nodes a "
       "deployed execution would stop at.")

#: Its messages (templates: the reporting site fills in the fields).
#: `fused` and `stops` are clauses (`; ...`) of terraform/aws_orchestration.py `note_fields`.
STATES = Message(CODE, SEVERITY, "pipeline `{pipeline}`: Step Functions state machine with {states} for {groups} of "
                 "nodes{fused}{stops}")

INVALID = (
    invalid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@local_exec.task()
def clean(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.drop_nulls()

@pipeline(name='p')
def p():
    return clean(load(raw))
""",
          (5, 12, 5, 58, "pipeline `p`: Step Functions state machine with 2 states for 1 group of nodes; "
                         "one invocation each for load + clean"),
          stage="build"),
)
VALID = (
    valid(LOCAL_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""", stage="build"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
