"""glacierc: the static compiler for Glacier pipelines (infrastructure from code)."""

__version__ = "0.1.0"
