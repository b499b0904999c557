"""Checks: pure functions from (parts of) the IR to diagnostics. One module per concern."""
