"""A polars 2.1.0 wheel that installs `size` bytes while its file is tiny: its native library is zeros,
bzip2-compressed (250 MB take 370 bytes). Sizes are read from a wheel's directory, so GLC415 sees what
installing it would take. The wheelhouses of the fixtures under tests/fixtures/packages/ hold the wheels
`write_fixture_wheels` writes (`python -m tests.sized_wheel` rewrites them, byte for byte the same).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from glacierc.checks.glc415_lambda_too_large import LIMIT_BYTES

NAME = "polars-2.1.0-py3-none-any.whl"
PACKAGES = Path(__file__).resolve().parent / "fixtures" / "packages"
#: fixture -> the bytes its wheel installs: at the limit (the package tips it over), and far below it
FIXTURE_SIZES = {"lambda_too_large": LIMIT_BYTES, "lambda_below_limit": 1 << 20}
_DATE = (2024, 1, 1, 0, 0, 0)
_BLOCK = bytes(1 << 22)


def sized_wheel(directory: Path, size: int) -> Path:
    """`directory/NAME`, whose `polars/polars.abi3.so` is `size` zero bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / NAME
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("polars/__init__.py", date_time=_DATE), "")
        native = zipfile.ZipInfo("polars/polars.abi3.so", date_time=_DATE)
        native.compress_type = zipfile.ZIP_BZIP2
        with archive.open(native, "w", force_zip64=True) as out:
            for start in range(0, size, len(_BLOCK)):
                out.write(_BLOCK[: min(len(_BLOCK), size - start)])
        archive.writestr(zipfile.ZipInfo("polars-2.1.0.dist-info/METADATA", date_time=_DATE),
                         "Metadata-Version: 2.1\nName: polars\nVersion: 2.1.0\n")
    return path


def write_fixture_wheels() -> None:
    for fixture, size in FIXTURE_SIZES.items():
        sized_wheel(PACKAGES / fixture / "wheels", size)


if __name__ == "__main__":
    write_fixture_wheels()
