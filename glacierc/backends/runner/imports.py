"""The top-level modules a runner imports, without parsing the whole runner.

A runner is the runtime's sections (glacierc/runtime/, whose imports are all in their module headers and are
merged into the runner's header) around the code copied from the sources, which starts at the layout's
`CODE_HEADER` line and ends before its `TASKS_HEADER` line. So what a runner imports is the runtime's known
imports plus those of the copied code, parsed alone: about 50 lines where the runner has 2,300. A text that is not
laid out so (no such lines, or a part that does not parse on its own) is parsed whole.
"""

from __future__ import annotations

import functools

from glacierc.backends.imports import imported_modules
from glacierc.backends.runner.layout import CODE_HEADER, TASKS_HEADER
from glacierc.backends.runner.runtime import FIRST_IMPORTS, merged_imports, runner_modules


def runner_imports(text: str) -> frozenset[str] | None:
    """The top-level module names the runner `text` imports anywhere (absolute imports), as `imported_modules`
    of the whole text gives them; None when the text does not parse."""
    start = text.find(f"\n{CODE_HEADER}\n")
    end = text.rfind(f"\n{TASKS_HEADER}\n")  # the last: the copied code may hold a line like it, the runtime not
    copied = imported_modules(text[start + 1:end + 1]) if 0 <= start < end else None
    if copied is None:
        return imported_modules(text)
    return copied | runtime_imports()


@functools.cache
def runtime_imports() -> frozenset[str]:
    """The top-level modules the runtime's sections import (the runner's header)."""
    lines = (*FIRST_IMPORTS, *(line for part in merged_imports(runner_modules()) for line in part))
    return frozenset(line.split()[1].split(".")[0] for line in lines)
