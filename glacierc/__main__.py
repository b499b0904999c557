"""`python -m glacierc`: the CLI. The working directory is taken off `sys.path` first, so a `libcst.py` or
`typer.py` sitting next to the user's pipeline can never be imported (the compiler runs no user code)."""

import os
import sys

sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]

from glacierc.entry import main  # noqa: E402

main()
