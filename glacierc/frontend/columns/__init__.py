"""Column-level contracts: which columns (and, where certain, dtypes) flow along every edge of the DAG.

`declared.py` reads `schema=` of storage, `body.py` runs a task body over abstract frames (`frames.py` for frame
methods, `joins.py` for joins and concatenation, `expressions.py` and `conditional.py` for expressions,
`dtypes.py` for Polars' dtype rules), `flow.py` does it node by node along a pipeline. Anything not understood makes the
schema unknown from there on — never a false error."""
