"""What the readers of `glacierc run --cloud` share: their two errors, the applied Terraform's `pipelines`
output, and JSON over HTTPS with the standard library (urllib: no SDK is needed for GCP or Azure).

Nothing here prints; a secret (an access token, a function key, a status URL carrying a key) is sent in a
header or used as given, and never put into an error message.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

#: How long one HTTP request may take (a status query answers at once; a start only queues the run).
HTTP_TIMEOUT = 60.0


class CloudUsage(Exception):
    """Something the user must fix before an execution can start (exit status 2)."""


class CloudError(Exception):
    """The service refused a request or could not be reached (exit status 1)."""


def pipeline_output(module: Path, pipeline: str, key: str, what: str, flag: str) -> str:
    """`key` (`what` it is, for the messages) of `pipeline` in the `pipelines` output of the Terraform
    applied in `module`."""
    if not module.is_dir():
        raise CloudUsage(f"{module} does not exist: pass the directory you built and applied (-o OUT) or {flag}")
    terraform = shutil.which("terraform")
    if terraform is None:
        raise CloudUsage(f"terraform is not on PATH, so the deployed pipeline cannot be looked up in {module}; "
                         f"pass {flag}")
    done = subprocess.run([terraform, f"-chdir={module}", "output", "-json", "-no-color", "pipelines"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CloudUsage(f"`terraform -chdir={module} output -json pipelines` failed (was it applied?): "
                         f"{done.stderr.strip() or done.stdout.strip()}")
    try:
        pipelines = json.loads(done.stdout)
    except ValueError:
        raise CloudUsage(f"`terraform output` of {module} is not JSON: {done.stdout[:200]!r}")
    found = pipelines.get(pipeline) if isinstance(pipelines, dict) else None
    if not isinstance(found, dict) or not found.get(key):
        names = ", ".join(sorted(pipelines)) if isinstance(pipelines, dict) else "none"
        raise CloudUsage(f"the Terraform in {module} has no {what} for pipeline `{pipeline}` "
                         f"(its pipelines: {names or 'none'})")
    return str(found[key])


def http_json(method: str, url: str, headers: dict[str, str], body: object = None) -> dict:
    """The JSON object a request answers (an empty body is {}); CloudError for an error status, an
    unreachable host or an answer that is not a JSON object. The error names the method and status only."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Accept": "application/json", **headers,
                                              **({"Content-Type": "application/json"} if data is not None else {})})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:  # noqa: S310 (https or a test URL)
            text = answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")[:500]
        raise CloudError(f"{method} answered {error.code} {error.reason}: {_message(detail)}") from None
    except (urllib.error.URLError, OSError) as error:
        raise CloudError(f"{method} failed: {getattr(error, 'reason', error)}") from None
    if not text.strip():
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        raise CloudError(f"{method} answered something that is not JSON: {text[:200]!r}") from None
    if not isinstance(found, dict):
        raise CloudError(f"{method} answered JSON that is not an object: {text[:200]!r}")
    return found


def _message(detail: str) -> str:
    """The message of a Google (`{"error": {"message"}}`) or Azure error body, else the text."""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail.strip()
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])
    return detail.strip()


def seconds(stamp: object) -> float | None:
    """Epoch seconds of an RFC 3339 timestamp (`2026-01-31T06:00:01.123456789Z`, any precision), or None."""
    if not isinstance(stamp, str) or not stamp:
        return None
    text = stamp.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # fromisoformat takes at most microseconds
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:  # the Durable Functions history writes UTC without a zone
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()
