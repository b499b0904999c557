"""One test per case of every rule module (Fixit style): an INVALID case reports exactly its expected
diagnostics of the rule's code (span and message), a VALID case none of that code. Cases are real files in
a project directory, compiled (or built) as a user would."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from glacierc.checks.registry import RULE_MODULES, rule_modules
from glacierc.checks.catalogue import RULES
from tests.helpers import ROOT
from tests.rule_cases import observed, run_case

CASES = [pytest.param(rule.code, kind, index, id=f"{rule.code}-{kind}-{index}")
         for rule in RULES.values() for kind in ("invalid", "valid")
         for index in range(len(getattr(rule, kind)))]


@pytest.mark.parametrize(("code", "kind", "index"), CASES)
def test_case(code, kind, index, tmp_path):
    case = getattr(RULES[code], kind)[index]
    found = observed(run_case(case, tmp_path), code)
    expected = sorted((e.line, e.column, e.end_line, e.end_column, e.message, e.file) for e in case.expect)
    assert found == expected
    assert (kind == "invalid") == bool(expected), "an INVALID case expects diagnostics, a VALID one none"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_an_invalid_and_a_valid_case(code):
    rule = RULES[code]
    assert rule.invalid and rule.valid
    assert all(case.expect for case in rule.invalid)


def test_one_module_per_code_in_code_order():
    modules = rule_modules()
    codes = [module.CODE for module in modules]
    assert codes == sorted(codes) == sorted(RULES) and len(set(codes)) == len(codes)
    for name, module in zip(RULE_MODULES, modules):
        assert name == f"glc{module.CODE[3:]}_{module.NAME.replace('-', '_')}"
        assert module.NAME == RULES[module.CODE].name


def test_every_rule_module_is_registered():
    on_disk = sorted(p.stem for p in (ROOT / "glacierc" / "checks").glob("glc[0-9][0-9][0-9]_*.py"))
    assert on_disk == sorted(RULE_MODULES)


#: The fuzzer's data names codes on purpose and the command table's help text shows an example code; every other
#: module reports through the rule modules' constants.
ALLOWED = ("glacierc/fuzzing/", "glacierc/cli_table.py")
#: A rule's documentation may name another rule.
DOCUMENTATION = ("TITLE", "WHAT", "WHY")
_CODE = re.compile(r"GLC\d{3}")


def _code_literals(path: Path) -> list[tuple[int, str]]:
    """Codes in string literals of `path`, docstrings and rule documentation left out (they document, they do
    not report)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    docstrings |= {id(constant) for node in tree.body if isinstance(node, ast.Assign)
                   and any(isinstance(t, ast.Name) and t.id in DOCUMENTATION for t in node.targets)
                   for constant in ast.walk(node.value)}
    return [(node.lineno, code) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            for code in _CODE.findall(node.value)]


def test_no_code_literal_outside_its_rule_module():
    found = []
    for path in sorted((ROOT / "glacierc").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(ALLOWED):
            continue
        own = f"GLC{path.stem[3:6]}" if re.fullmatch(r"glc\d{3}_\w+", path.stem) else None
        found += [f"{relative}:{line}: {code}" for line, code in _code_literals(path) if code != own]
    assert found == [], "use the rule module's CODE constant"


@pytest.mark.parametrize("module", rule_modules(), ids=lambda m: m.CODE)
def test_message_templates_belong_to_their_rule(module):
    """A rule's messages (templates filled in where they are reported) carry its own code and severity, and
    every field of a template can be filled in."""
    from string import Formatter

    from glacierc.diagnostics.model import Message
    from glacierc.source import Span

    for name, message in vars(module).items():
        if not isinstance(message, Message):
            continue
        assert (message.code, message.severity) == (module.CODE, module.SEVERITY), name
        fields = {f for template in (message.text, message.help or "")
                  for _, f, _, _ in Formatter().parse(template) if f}
        filled = message.diagnostic(Span("f.py", 1, 1, 1, 2), **{f: 1 for f in fields})
        assert filled.code == module.CODE and "{" not in filled.message


#: The frontend reports through the rule modules' messages; only problems the configuration catalogue words
#: (their code comes with the problem) go through `Context.report_problem` (context.py, the reporting channel).
def test_frontend_reports_rule_messages():
    found = []
    for path in sorted((ROOT / "glacierc" / "frontend").rglob("*.py")):
        if path.name == "context.py":
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}:{text.count(chr(10), 0, m.start()) + 1}"
                  for m in re.finditer(r"\breporter\.emit\(|\bDiagnostic\(", text)]
    assert found == [], "report a Message of the rule module (ctx.report / reporter.report)"


#: The backends report through the rule modules' messages too (`Message.diagnostic`, fields filled in where the
#: problem is found): no module of glacierc/backends builds a diagnostic of its own text.
def test_backends_report_rule_messages():
    found = []
    for path in sorted((ROOT / "glacierc" / "backends").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT).as_posix()}:{text.count(chr(10), 0, m.start()) + 1}"
                  for m in re.finditer(r"\breporter\.emit\(|\bDiagnostic\(", text)]
    assert found == [], "report a Message of the rule module (MESSAGE.diagnostic(span, **fields))"


def _template_fields(message) -> set[str]:
    from string import Formatter

    return {f for template in (message.text, message.help or "") for _, f, _, _ in Formatter().parse(template) if f}


def _messages_in_scope(tree: ast.Module, path: Path) -> dict[str, object]:
    """The messages a module can name: `NAME` imported from a rule module, `alias.NAME` of a rule module imported
    as `alias` (`from glacierc.checks import glc201_dependency_cycle as dependency_cycle`), a rule module's own."""
    import importlib

    from glacierc.diagnostics.model import Message

    scope: dict[str, object] = {}

    def add(prefix: str, module) -> None:
        scope.update({prefix + name: value for name, value in vars(module).items() if isinstance(value, Message)})

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "glacierc.checks":
            for alias in node.names:
                add(f"{alias.asname or alias.name}.", importlib.import_module(f"glacierc.checks.{alias.name}"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("glacierc.checks.glc"):
            module = importlib.import_module(node.module or "")
            scope.update({alias.asname or alias.name: getattr(module, alias.name) for alias in node.names
                          if isinstance(getattr(module, alias.name, None), Message)})
    if path.parent.name == "checks" and re.fullmatch(r"glc\d{3}_\w+", path.stem):
        add("", importlib.import_module(f"glacierc.checks.{path.stem}"))
    return scope


def _reference(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _helper_fields(tree: ast.Module) -> dict[str, set[str]]:
    """Functions that take a message as a parameter and fill some of its fields themselves (`_limit(member,
    MESSAGE, **fields)` fills `storage`): name -> the fields they fill."""
    found: dict[str, set[str]] = {}
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        parameters = {a.arg for a in (*function.args.posonlyargs, *function.args.args)}
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            if (isinstance(call.func, ast.Attribute) and call.func.attr == "diagnostic"
                    and isinstance(call.func.value, ast.Name) and call.func.value.id in parameters):
                found[function.name] = {k.arg for k in call.keywords if k.arg}
    return found


def _imported_helpers(tree: ast.Module, own_helpers: dict) -> dict[str, set[str]]:
    """The helpers (`_helper_fields`) that `tree` imports from another glacierc module, by the name it binds."""
    found: dict[str, set[str]] = {}
    for statement in (n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module):
        path = ROOT / (statement.module.replace(".", "/") + ".py")
        for alias in statement.names:
            if alias.name in own_helpers.get(path, {}):
                found[alias.asname or alias.name] = own_helpers[path][alias.name]
    return found


def _report_sites():
    """(place, message, fields given, whether more are spread in with `**`) for every place in glacierc that
    reports a rule module's message: `MESSAGE.diagnostic(span, ...)`, `ctx.report(MESSAGE, where, ...)`,
    `reporter.report(...)`, a helper called with the message, `self.ATTRIBUTE.diagnostic(...)` of a class
    attribute bound to messages (`UNSUPPORTED_EXECUTOR = AWS_EXECUTOR`)."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "glacierc").rglob("*.py"))}
    scopes = {path: _messages_in_scope(tree, path) for path, tree in trees.items()}
    attributes: dict[str, list] = {}
    for path, tree in trees.items():
        for statement in (s for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for s in c.body):
            if isinstance(statement, ast.Assign) and _reference(statement.value) in scopes[path]:
                for target in (t for t in statement.targets if isinstance(t, ast.Name)):
                    attributes.setdefault(target.id, []).append(scopes[path][_reference(statement.value)])

    def messages(node: ast.expr, scope) -> list:
        if _reference(node) in scope:
            return [scope[_reference(node)]]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return attributes.get(node.attr, [])
        return []

    own_helpers = {path: _helper_fields(tree) for path, tree in trees.items()}
    for path, tree in trees.items():
        scope, helpers = scopes[path], {**_imported_helpers(tree, own_helpers), **own_helpers[path]}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            function = call.func
            if isinstance(function, ast.Attribute) and function.attr == "diagnostic":
                found = messages(function.value, scope)
            else:
                found = [m for argument in call.args for m in messages(argument, scope)]
            given = {k.arg for k in call.keywords if k.arg and k.arg != "fix"}
            if isinstance(function, ast.Name):
                given |= helpers.get(function.id, set())
            spread = any(k.arg is None for k in call.keywords)
            place = f"{path.relative_to(ROOT).as_posix()}:{call.lineno}"
            yield from ((place, message, given, spread) for message in found)


def test_every_report_site_fills_its_templates_fields():
    """A field the site does not give would be a KeyError (a traceback) on the user's input; one the template
    does not name is a value that never reaches the user. Sites spreading `**fields` in give a part."""
    wrong = [f"{place}: {message.code} gives {sorted(given)}, its template names {sorted(_template_fields(message))}"
             for place, message, given, spread in _report_sites()
             if (given - _template_fields(message) if spread else given ^ _template_fields(message))]
    assert wrong == []


def test_every_message_template_is_reported_somewhere():
    reported = {id(message) for _, message, _, _ in _report_sites()}
    from glacierc.diagnostics.model import Message

    unused = [f"{module.CODE} {name}" for module in rule_modules() for name, value in vars(module).items()
              if isinstance(value, Message) and id(value) not in reported]
    assert unused == []
