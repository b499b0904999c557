"""The fixed part of each cloud package's entry module: ordinary Python, read and type-checked as such,
never imported by glacierc.

A generated entry module (e.g. a Lambda package's `handler.py`) is this module's docstring and imports,
then the tables and entry functions generated for the package (glacierc/backends/terraform/entry_module.py
writes them as Python literals), then the rest of this module verbatim. The tables are declared under
`if TYPE_CHECKING:` (with the comment the generated module gives them) so that readers and type checkers
know them; that block is not copied.
"""
