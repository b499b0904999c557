"""GLC216 unused-storage-parameter: storage is passed to a task parameter that the task body never uses."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC216"
NAME = "unused-storage-parameter"
SEVERITY = Severity.WARNING
TITLE = "storage passed to a parameter the task never uses"
WHAT = "Reports a bucket passed to a task parameter that the task body never mentions. Nothing is granted " \
       "on it: the task's identity gets no access to storage it does not touch."
WHY = "Either the argument is a mistake (the task reads another bucket than the one the pipeline names), or " \
      "it is dead weight; granting read and write on it, as an unproven access would be, widens IAM for nothing."
_HEAD = "from glacier import Provider, pipeline\nfrom glacier.config import LocalConfig\nimport polars as pl\n\n" \
        "provider = Provider(config=LocalConfig())\nlocal_exec = provider.local()\n" \
        "raw = provider.bucket(bucket='data', path='raw.csv')\n\n"
EXAMPLE = _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return pl.LazyFrame({'x': [1]})\n\n" \
                  "@pipeline(name='p')\ndef p():\n    load(raw)\n"
INSTEAD = _HEAD + "@local_exec.task()\ndef load(source) -> pl.LazyFrame:\n    return source.scan()\n\n" \
                  "@pipeline(name='p')\ndef p():\n    load(raw)\n"


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "unused-storage-parameter":
            storage = fact.candidates[0]
            yield Diagnostic(CODE, SEVERITY, f"task `{fact.context}` never uses parameter `{fact.subject}`, which "
                             f"is given storage `{storage}`; nothing is granted on it", fact.span,
                             f"use `{fact.subject}` in the task (`.scan()`, `.write(...)`), or stop passing it")
