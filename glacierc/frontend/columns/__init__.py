"""Column-level contracts: which columns (and, where certain, dtypes) flow along every edge of the DAG.

`declared.py` reads `schema=` of storage, `body.py` runs a task body over abstract frames (`expressions.py`,
`frames.py`, `dtypes.py`), `flow.py` does it node by node along a pipeline. Anything not understood makes the
schema unknown from there on — never a false error."""
