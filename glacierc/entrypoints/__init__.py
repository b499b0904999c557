"""The fixed part of each cloud package's entry module: ordinary Python, read and type-checked as such,
never imported by glacierc.

A generated entry module (e.g. a Lambda package's `handler.py`) is this module's docstring and imports,
then the tables and entry functions generated for the package (glacierc/backends/terraform/entry_module.py
writes them as Python literals), then the rest of this module verbatim. The tables are declared under
`if TYPE_CHECKING:` (with the comment the generated module gives them) so that readers and type checkers
know them; that block is not copied. A module of this package that a fixed module imports from under
`TYPE_CHECKING` (serverless.py: what the Lambda, Cloud Functions and Azure Functions entry modules share)
is laid out after the fixed module's code, its imports merged with the fixed module's.
"""
