"""A third-party distribution that exists nowhere but here, and throwaway Python environments to install it into:
what the job-requirements tests use to run a node's install step for real, offline.

`build_probe_wheel(folder)` writes glacier_probe-1.0-py3-none-any.whl (import name `glacier_probe`, holding
PROBE). `throwaway(root)` makes a venv without pip of its own whose `.pth` file adds this machine's
site-packages: Polars, boto3 and pip itself are found there (so they count as installed), while what pip
installs lands in the throwaway venv. `pip_env(wheels)` points pip at the wheel folder only
(`PIP_NO_INDEX`, `PIP_FIND_LINKS`): nothing can come from anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

PROBE = "THRESHOLD = 0.0\nFACTOR = 10.0\n"


def build_probe_wheel(folder: Path) -> Path:
    info = "glacier_probe-1.0.dist-info"
    files = {"glacier_probe/__init__.py": PROBE,
             f"{info}/METADATA": "Metadata-Version: 2.1\nName: glacier-probe\nVersion: 1.0\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: glacier-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [f"{path},sha256={_digest(text)},{len(text.encode())}" for path, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    with zipfile.ZipFile(folder / "glacier_probe-1.0-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)
    return folder


def _digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def throwaway(root: Path) -> tuple[Path, Path]:
    """A venv (its bin folder, its site-packages) that sees this machine's packages but installs into itself."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(root), "platbase": str(root)}))
    (site / "glacier_shared.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return root / "bin", site


def pip_env(wheels: Path) -> dict[str, str]:
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
