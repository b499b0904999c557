"""LibCST in, IR out. Nothing here imports or executes user code."""
