"""What every Terraform target shares: names, tags, source comments, templates and HCL layout.

The cloud modules (aws.py, gcp.py, azure.py, ...) compute every value in Python and hand plain
dicts and strings to a Jinja2 template; `render` then brings the text into the layout
`terraform fmt` produces, so the output is canonical without running terraform.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from glacierc.backends.escaping import environment, py_literal, visible
from glacierc.backends.terraform.blocks import Expr  # noqa: F401 (one raw-expression type for every target)
from glacierc.backends.names import identifier
from glacierc.ir.nodes import Config, Project, Provider, Task
from glacierc.source import Span

MANAGED_BY = "glacier"
DEFAULT_NAME_PREFIX = "glacier"
#: Longest `name_prefix` the generated `variables.tf` accepts; cloud names are sized with it.
NAME_PREFIX_MAX = 20

_CLOUD_BAD = re.compile(r"[^a-z0-9-]+")


# --- names ------------------------------------------------------------------------------------


def label(name: str) -> str:
    """A Terraform block label for `name` (see `glacierc.backends.names.identifier`)."""
    return identifier(name)


def unique_labels(names: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """A distinct label for every name; clashes after sanitising (or with `reserved` labels of
    generated resources) get `_2`, `_3`, ... in sorted order. Labels differ even ignoring case,
    so `cloud_name(label)` is distinct too."""
    result: dict[str, str] = {}
    taken: set[str] = {item.lower() for item in reserved}
    for name in sorted(set(names)):
        base = candidate = label(name)
        counter = 1
        while candidate.lower() in taken:  # case-insensitively: cloud names derive from labels
            counter += 1
            candidate = f"{base}_{counter}"
        taken.add(candidate.lower())
        result[name] = candidate
    return result


def cloud_name(name: str, max_length: int) -> str:
    """A lower-case, hyphenated cloud resource name part of at most `max_length` characters.

    Too long names keep their start and get a short stable hash, so two long names stay distinct.
    """
    cleaned = _CLOUD_BAD.sub("-", name.lower().replace("_", "-")).strip("-") or "unnamed"
    if len(cleaned) <= max_length:
        return cleaned
    import hashlib

    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{cleaned[: max_length - 7].rstrip('-')}-{digest}"


def prefixed(name: str, max_length: int) -> str:
    """An HCL string template `${var.name_prefix}-<name>` fitting `max_length` with the longest prefix."""
    return "${var.name_prefix}-" + cloud_name(name, max_length - NAME_PREFIX_MAX - 1)


# --- tags, comments -----------------------------------------------------------------------------


def default_tags(pipelines: Iterable[str], *, separator: str = " ", allowed: str = r"[^\w .:/=+@-]",
                 max_length: int = 256) -> dict[str, str]:
    """Tags/labels every generated resource carries (merged with the user's `var.tags`).

    `glacier_pipeline` lists the pipelines; characters outside `allowed` (a regex of what to
    replace, per cloud) become `_`, and a too long value is cut with `cloud_name`'s hash rule.
    """
    names = [re.sub(allowed, "_", name) for name in sorted(set(pipelines))]
    value = separator.join(names)
    if len(value) > max_length:
        import hashlib

        value = value[: max_length - 7] + "-" + hashlib.sha256(value.encode()).hexdigest()[:6]
    return {"glacier_pipeline": value, "managed_by": MANAGED_BY}


def provider_pipelines(project: Project, provider: Provider) -> tuple[str, ...]:
    """Pipelines with at least one node on an executor of `provider`, sorted."""
    executors = {e.name for e in project.executors if e.provider == provider.name}
    names = {p.name for p in project.pipelines if any(n.executor in executors for n in p.nodes)}
    return tuple(sorted(names))


def tasks_by_executor(project: Project) -> dict[str, list[Task]]:
    """Executor name -> its tasks, sorted by name."""
    result: dict[str, list[Task]] = {}
    for task in sorted(project.tasks, key=lambda t: t.name):
        result.setdefault(task.executor, []).append(task)
    return result


def source_comment(items: Iterable[tuple[Span, str]]) -> str:
    """`# source: pipeline.py:12 (task clean), ...` — where a generated block comes from."""
    return "# " + source_text(items)


def source_text(items: Iterable[tuple[Span, str]]) -> str:
    """`source: pipeline.py:12 (task clean), ...`: the text of a `source_comment` (for `Block.comments`)."""
    parts = sorted({(span.file, span.line, what) for span, what in items})
    return "source: " + ", ".join(f"{visible(file)}:{line} ({visible(what)})" for file, line, what in parts)


@dataclass(frozen=True, slots=True)
class Skip:
    """A checkov check deliberately not met, with the reason shown to the user."""

    check: str
    reason: str

    def comment(self) -> str:
        return "# " + self.text

    @property
    def text(self) -> str:
        """The comment's text (for a `blocks.Comment` inside the skipped resource)."""
        return f"checkov:skip={visible(self.check)}:{visible(self.reason)}"


# --- config values ----------------------------------------------------------------------------


def config_values(config: Config | None, class_name: str) -> dict[str, object]:
    """Every field of `class_name` with the user's value or the catalogue default.

    A config of another class (reported by GLC303/GLC305) contributes nothing but the defaults.
    """
    from glacier.config import fields_of

    values = {spec.name: spec.default for spec in fields_of(class_name)}
    if config is not None and config.type == class_name:
        values.update((key, value) for key, value in config.fields if key in values)
    return values


# --- HCL values -------------------------------------------------------------------------------


def hcl_string(value: str) -> str:
    """A quoted HCL string; `${`/`%{` are escaped so user text never becomes an interpolation."""
    return '"' + _hcl_chars(value).replace("${", "$${").replace("%{", "%%{") + '"'


def hcl_template(value: str) -> str:
    """A quoted HCL string template: like `hcl_string` but `${...}` stays an interpolation (only
    for templates glacierc builds, e.g. `prefixed`); `%{` directives are still escaped."""
    return '"' + _hcl_chars(value).replace("%{", "%%{") + '"'


_HCL_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hcl_chars(value: str) -> str:
    """The body of an HCL quoted string: quotes, backslashes and hidden characters escaped."""
    if value.isprintable() and '"' not in value and "\\" not in value:
        return value
    return "".join(_HCL_SIMPLE.get(ch) or (_hcl_escape(ch) if not ch.isprintable() and ch != " " else ch)
                   for ch in value)


def _hcl_escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def hcl(value: object, indent: int = 0) -> str:
    """A Python value as an HCL expression; lists and dicts span lines (aligned by `render`)."""
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return hcl_string(value)
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return _hcl_object(value, indent)
    if isinstance(value, (list, tuple)):
        return _hcl_list(value, indent)
    raise TypeError(f"no HCL form for {type(value).__name__}")


def hcl_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else hcl_string(key)


def _hcl_object(value: Mapping, indent: int) -> str:
    if not value:
        return "{}"
    pad = "  " * (indent + 1)
    lines = [f"{pad}{hcl_key(k)} = {hcl(v, indent + 1)}" for k, v in value.items()]
    return "{\n" + "\n".join(lines) + "\n" + "  " * indent + "}"


def _hcl_list(value: list | tuple, indent: int) -> str:
    items = [hcl(v, indent + 1) for v in value]
    if all("\n" not in item for item in items) and sum(len(i) + 2 for i in items) < 80:
        return "[" + ", ".join(items) + "]"
    pad = "  " * (indent + 1)
    return "[\n" + "".join(f"{pad}{item},\n" for item in items) + "  " * indent + "]"


# --- templates and layout ---------------------------------------------------------------------


def templates_dir() -> Path:
    """The templates folder: `glacierc/templates` in a wheel, `<repo>/templates` in a checkout."""
    import importlib.resources

    import glacierc

    shipped = importlib.resources.files("glacierc") / "templates"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(glacierc.__file__).resolve().parent.parent / "templates"


@functools.cache
def _environment():
    """Templates print only escaped values (see glacierc/backends/escaping.py)."""
    import jinja2

    loader = jinja2.FileSystemLoader(str(templates_dir()))
    return environment(loader, {"hcl": hcl, "q": hcl_string, "tpl": hcl_template, "key": hcl_key})


@functools.cache
def _template(name: str):
    return _environment().get_template(name)


def render_text(template: str, **context: object) -> str:
    """Render a non-HCL template (e.g. a generated Python module) as is."""
    return str(_template(template).render(**context))


def render(template: str, **context: object) -> str:
    """Render `template` (relative to templates/) and bring it into `terraform fmt` layout."""
    return canonical(str(_template(template).render(**context)))


def canonical(text: str) -> str:
    """`terraform fmt` layout for the HCL subset the templates produce.

    Removes trailing spaces, keeps at most one blank line in a row and none after an opening or
    before a closing bracket, and aligns the `=` of consecutive one-line attributes as hclwrite does.
    """
    out: list[str] = []
    chain: list[tuple[str, str]] = []
    previous = ""
    for raw in text.split("\n"):  # not splitlines: U+2028 and friends are not line breaks here
        line = raw.rstrip()
        if not line:
            if previous and previous[-1] not in "{[(":
                _flush(chain, out)
                out.append("")
                previous = ""
            continue
        if not previous and out and line.lstrip()[0] in "}])":
            out.pop()
        previous = line
        split = _assignment(line) if "=" in line else None
        if split is None:
            _flush(chain, out)
            out.append(line)
        else:
            chain.append(split)
    _flush(chain, out)
    return "\n".join(out).strip("\n") + "\n"


def _flush(chain: list[tuple[str, str]], out: list[str]) -> None:
    if len(chain) == 1:
        out.append(f"{chain[0][0]} {chain[0][1]}")
    elif chain:
        width = max(len(lead) for lead, _ in chain)
        out.extend(f"{lead.ljust(width)} {rest}" for lead, rest in chain)
    chain.clear()


#: `key =` or `"quoted key" =` at the start of a line (not `==` / `=>`).
_ATTRIBUTE = re.compile(r'[ \t]*(?:[A-Za-z_][\w-]*|"(?:[^"\\]|\\.)*")[ \t]*=(?![=>])')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[][{}()]")


def _assignment(line: str) -> tuple[str, str] | None:
    """(`lead`, `= value`) when the line is `key = value` and the value closes its brackets on
    the same line (hclwrite counts the net brackets after `=`; `key = {` starts no alignment)."""
    match = _ATTRIBUTE.match(line)
    if match is None:
        return None
    equals = match.end() - 1
    value = line[equals:]
    if _BRACKET.search(value):
        value = _STRING.sub("", value) if '"' in value else value
        opened = value.count("{") + value.count("[") + value.count("(")
        if opened != value.count("}") + value.count("]") + value.count(")"):
            return None
    return line[:equals].rstrip(), line[equals:]


@dataclass(frozen=True, slots=True)
class Output:
    """One `output` block: a map of values keyed by the names used in the pipeline code."""

    name: str
    description: str
    values: tuple[tuple[str, str], ...]
