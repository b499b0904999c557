"""The skeleton of the tests' stand-ins of cloud HTTP APIs: a threaded HTTP server on a free port of 127.0.0.1
that hands every request, whatever its method, to one function of the stand-in and sends back what it
answers. Each stand-in (tests/gcp_workflows_api.py, tests/azure_durable_api.py, the GCS store and metadata
server of the listing tests, ...) keeps only its API: `answer(request) -> (status, body[, headers])`.

A body is sent as it is when it is bytes, as nothing when it is None, else as JSON (with `Content-Type:
application/json` unless the headers say otherwise); `Content-Length` is always set, and a HEAD request gets
the headers of the GET without its body.

The emulators that run as processes (moto_server, Azurite) start and stop through `emulator`; `environment`
sets os.environ for a block, as a stand-in's callee (a Lambda handler, a Cloud Function) sees it.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import Message

Answer = tuple[int, object] | tuple[int, object, Mapping[str, str]]


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent: the route, then the query
    headers: Message
    body: bytes

    @property
    def route(self) -> str:
        """The path without its query, percent-decoding left to the stand-in."""
        return urllib.parse.urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True))

    def json(self) -> object:
        """The body as JSON (None when there is none)."""
        return json.loads(self.body) if self.body else None


@contextlib.contextmanager
def serving(answer: Callable[[Request], Answer]) -> Iterator[str]:
    """Serve `answer` until the block ends; yields the server's base URL, `http://127.0.0.1:PORT` (no slash)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(answer))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _handler(answer: Callable[[Request], Answer]) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(self.command, self.path, self.headers, self.rfile.read(length) if length else b"")
            status, body, *more = answer(request)
            data, headers = _encoded(body, dict(more[0]) if more else {})
            self.send_response(status)
            for name, value in {"Content-Length": str(len(data)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 (the handler's protocol)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _encoded(body: object, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    if isinstance(body, bytes):
        return body, headers
    if body is None:
        return b"", headers
    return json.dumps(body).encode(), {"Content-Type": "application/json", **headers}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def emulator(command: list[str], port: int, seconds: float = 30) -> Iterator[bool]:
    """Run an emulator process (`command` has it listen on `port` of 127.0.0.1) until the block ends; yields
    whether its port opened within `seconds` (False when it exited or stayed closed: the caller says why)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield _opened(port, process, seconds)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _opened(port: int, process: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """os.environ with `values` for the block, as it was after (a variable that was unset is unset again)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
