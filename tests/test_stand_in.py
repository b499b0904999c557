"""tests/stand_in.py, the skeleton of the stand-in API servers: real requests over a real socket."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from stand_in import Request, serving


def _answer(request: Request):
    if request.route == "/json":
        return 200, {"method": request.method, "query": request.query, "body": request.json()}
    if request.route == "/bytes":
        return 206, b"raw", {"Content-Type": "application/octet-stream", "ETag": '"e"'}
    return 404, None


def test_every_method_reaches_the_answer_and_bodies_are_sent_as_they_are_said():
    with serving(_answer) as url:
        assert url.startswith("http://127.0.0.1:") and not url.endswith("/")
        posted = urllib.request.Request(f"{url}/json?a=1&b=", data=b'{"x": [1]}', method="PUT")
        with urllib.request.urlopen(posted, timeout=10) as response:
            assert response.headers["Content-Type"] == "application/json"
            assert json.loads(response.read()) == {"method": "PUT", "query": {"a": "1", "b": ""}, "body": {"x": [1]}}
        with urllib.request.urlopen(f"{url}/bytes", timeout=10) as response:
            assert (response.status, response.read(), response.headers["ETag"]) == (206, b"raw", '"e"')
        head = urllib.request.Request(f"{url}/bytes", method="HEAD")
        with urllib.request.urlopen(head, timeout=10) as response:
            assert (response.headers["Content-Length"], response.read()) == ("3", b"")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/other", timeout=10)
        assert refused.value.code == 404 and refused.value.read() == b""
