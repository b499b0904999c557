"""State shared by the frontend passes of one compilation: sources, evaluator, reporter, registries."""

from __future__ import annotations

from dataclasses import dataclass, field

from glacierc.diagnostics.model import Diagnostic, Fix, Message, Reporter, Severity
from glacierc.frontend.evaluate import Evaluator
from glacierc.frontend.loader import SourceFile
from glacierc.frontend.positions import Locator
from glacierc.frontend.values import ProviderVal, Where
from glacierc.ir import nodes as ir
from glacierc.source import Span


@dataclass(slots=True)
class Context:
    """What the lowering passes share: sources, the evaluator, the reporter and IR built so far."""

    sources: dict[str, SourceFile]  # by module name
    evaluator: Evaluator
    reporter: Reporter
    locators: dict[str, Locator] = field(default_factory=dict)
    providers: dict[int, ir.Provider] = field(default_factory=dict)  # id(ProviderVal) -> IR
    task_names: dict[tuple[str, str], str] = field(default_factory=dict)  # (module, function) -> task name

    def locator(self, module: str) -> Locator:
        locator = self.locators.get(module)
        if locator is None:
            source = self.sources[module]
            assert source.tree is not None  # project.analyse keeps only the sources that parsed
            locator = self.locators[module] = Locator(source.name, source.tree, source.text)
        return locator

    def span(self, where: Where | None, *, exact: bool = False) -> Span:
        if where is None:
            return Span.whole_file("<unknown>")
        locator = self.locator(where.module)
        statement = locator.tree.body[where.index]
        if where.node is statement and not exact:
            return locator.statement_span(where.index)
        return locator.span(where.node, where.index)

    def report(self, message: Message, where: Where | None, /, *, fix: Fix | None = None, **fields: object) -> None:
        """Report one of a rule's messages (its templates filled with `fields`) at the exact node."""
        self.reporter.report(message, self.span(where, exact=True), fix=fix, **fields)

    def report_problem(self, code: str, severity: Severity, message: str, where: Where | None, *,
                       help: str | None = None) -> None:
        """Report a problem the configuration catalogue worded (its code and severity come with it)."""
        self.reporter.add(Diagnostic(code, severity, message, self.span(where, exact=True), help))

    def provider_of(self, value: ProviderVal) -> ir.Provider:
        from glacierc.frontend.declarations import provider_ir

        known = self.providers.get(id(value))
        if known is None:
            known = self.providers[id(value)] = provider_ir(self, value)
        return known
