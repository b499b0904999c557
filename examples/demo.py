"""`make demo`: run the quickstart pipeline in-process on its sample data and show the result."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from glacier.storage import use_data_dir

EXAMPLES = Path(__file__).resolve().parent


def load_example(name: str) -> ModuleType:
    """Import examples/<name>/pipeline.py as a module (examples are not a package)."""
    path = EXAMPLES / name / "pipeline.py"
    spec = importlib.util.spec_from_file_location(f"glacier_example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_quickstart() -> None:
    quickstart = load_example("quickstart")
    data_dir = EXAMPLES / "quickstart" / "data"
    result = quickstart.quickstart.run(mode="local", data_dir=data_dir)
    with use_data_dir(data_dir):
        written = quickstart.summary.get_uri()
    print("== quickstart: revenue by region ==")
    print(result)
    print(f"written to {_shown(Path(written))}")


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it lies below it."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def main() -> None:
    run_quickstart()


if __name__ == "__main__":
    main()
