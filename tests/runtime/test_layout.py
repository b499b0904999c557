"""The runtime as runners carry it: verbatim, imports merged, nothing of glacierc, no template."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from glacierc.backends.runner.runtime import reserved_names, runner_modules, section
from tests.test_runner_support import EXAMPLES, runner_text

ROOT = Path(__file__).resolve().parents[2]


def test_runtime_modules_import_only_the_standard_library_and_polars():
    for name in (*runner_modules(), "plan"):
        for line in section(name).imports:
            top = line.split()[1].split(".")[0]
            assert top in sys.stdlib_module_names or top == "polars", (name, line)


def test_no_name_is_bound_by_two_runtime_modules():
    seen: dict[str, str] = {}
    for name in runner_modules():
        for statement in ast.parse(section(name).body).body:
            bound = getattr(statement, "name", None) or getattr(getattr(statement, "targets", [None])[0], "id", None)
            if bound:
                assert bound not in seen, (bound, seen.get(bound), name)
                seen[bound] = name


def test_the_runner_carries_every_module_verbatim_and_the_reserved_names():
    text = runner_text(EXAMPLES / "aws_etl" / "pipeline.py")
    for name in runner_modules():
        assert section(name).body in text, name
    assert "TYPE_CHECKING" not in text and "glacierc.runtime" not in text
    names = reserved_names()
    assert {"run_node", "main", "Bucket", "BUCKETS", "NODES", "SOURCE_MAP", "pl", "json"} <= set(names)
    assert names["pl"].module == "polars"


def test_emitting_a_runner_renders_no_template():
    probe = ("import sys; from pathlib import Path; from tests.test_runner_support import runner_text; "
             "runner_text(Path('examples/aws_etl/pipeline.py')); print('jinja2' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_runtime_index_is_current_and_gives_what_the_parse_gives():
    """runtime_index.py saves a build the parse of every runtime module; it must match the modules as they
    are (regenerate with `python -m glacierc.backends.runner.runtime`), and a section built from it equals
    one built from the parse."""
    from glacierc.backends.runner import runtime
    from glacierc.backends.runner.runtime_index import INDEX

    index_file = Path(runtime.__file__).with_name("runtime_index.py")
    assert index_file.read_text(encoding="utf-8") == runtime.index_source(), \
        "stale: run `python -m glacierc.backends.runner.runtime`"
    for module, (_, *facts) in INDEX.items():
        path = runtime.RUNTIME_DIR / f"{module}.py"
        assert tuple(facts) == runtime.parsed_facts(path, path.read_text(encoding="utf-8"))


def test_a_runtime_module_edited_since_the_index_is_parsed(tmp_path, monkeypatch):
    from glacierc.backends.runner import runtime

    edited = tmp_path / "storage.py"
    original = (runtime.RUNTIME_DIR / "storage.py").read_text(encoding="utf-8")
    edited.write_text(original + "\n\ndef added_since_the_index():\n    return 1\n", encoding="utf-8")
    monkeypatch.setattr(runtime, "RUNTIME_DIR", tmp_path)
    runtime.section.cache_clear()
    try:
        assert "added_since_the_index" in runtime.section("storage").bound
    finally:
        runtime.section.cache_clear()
