"""The compiler never imports or executes user code: module level, defaults, decorators and annotations
of these files would all write a marker, open a socket or exit the process."""

from __future__ import annotations

import pytest

from tests.helpers import glacierc

HOSTILE = '''
import os, socket, sys
open({marker!r}, "w").write("module level ran")
socket.create_connection(("127.0.0.1", 9))
from glacier import Provider, pipeline
from glacier.config import LocalConfig

def side_effect(*args, **kwargs):
    open({marker!r}, "w").write("decorator ran")
    sys.exit(3)

provider = Provider(config=LocalConfig(base_path=open({marker!r}, "w").write("argument ran") and "./d"))
local_exec = provider.local()
raw = provider.bucket(bucket="b", path="x.csv")

@side_effect
@local_exec.task()
def load(source=open({marker!r}, "w").write("default ran")) -> open({marker!r}, "w").write("annotation"):
    return source.scan()

@pipeline(name=str(os.system("touch " + {marker!r})))
def p():
    return load(raw)

if __name__ != "__never__":
    sys.exit(4)
'''


@pytest.mark.parametrize("command", [["check"], ["analyze", "--format", "json"], ["build", "-o", "OUT"]])
def test_nothing_runs(tmp_path, command):
    marker = tmp_path / "marker"
    source = tmp_path / "hostile.py"
    source.write_text(HOSTILE.format(marker=str(marker)))
    args = [a if a != "OUT" else str(tmp_path / "out") for a in command]
    result = glacierc(*args, str(source))
    assert result.returncode in (0, 1), result.stderr
    assert not marker.exists()
    assert "Traceback" not in result.stderr
