"""A small interpreter of exactly the Cloud Workflows subset glacierc emits (glacierc/backends/terraform/
gcp_workflows.py), for the test suite: there is no Workflows emulator offline.

Supported, and nothing else (anything else is an `Unsupported` error, so the generator cannot drift out
of the subset unnoticed): a definition of `main` and subworkflows (`params`, `steps`); steps `assign`,
`call` (`http.post` with `auth: {type: OIDC}`, a connector the caller provides, or a subworkflow),
`try` / `retry` (`predicate` naming a subworkflow, `max_retries`, `backoff`) / `except` (`as`, `steps`),
`parallel` (`branches`, run one after another: the branches of one level never depend on each other), `raise`
and `return`. Expressions are whole values `${...}`: a variable, `sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")`
or a JSON string literal. An HTTP status of 400 or more raises `{"code", "message", "tags": ["HttpError"]}`
as Workflows does; a connector's exception raises `{"message", "tags": ["OperationError"]}`.

Each attempt of a `try` step is recorded as a step entry in the shape of the Workflows Executions API's
`stepEntries` (`name`, `entryId`, `step`, `routine`, `state`, `createTime`, `updateTime` and, when it
failed, `exception.payload`), for a stand-in of that API (tests/gcp_workflows_api.py).

`render_template` fills a definition written for Terraform's `templatefile` (`${name}` variables, `$${`
escapes) as Terraform would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

_TEMPLATE = re.compile(r"\$\$\{|%%\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EXPRESSION = re.compile(r"\$\{(.*)\}", re.S)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
EXECUTION_ID_ENV = 'sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")'


def render_template(text: str, variables: Mapping[str, str]) -> str:
    """`templatefile(text, variables)` for what `template_json` writes (variables land inside JSON strings)."""
    def fill(match: re.Match) -> str:
        if match.group(0) == "$${":
            return "${"
        if match.group(0) == "%%{":
            return "%{"
        return json.dumps(variables[match.group(1)])[1:-1]

    return _TEMPLATE.sub(fill, text)


class Unsupported(Exception):
    """The definition uses something outside the subset glacierc emits."""


class WorkflowError(Exception):
    """An error raised in the workflow (`raise`, a failed call): `value` is what Workflows would raise."""

    def __init__(self, value: object) -> None:
        super().__init__(value)
        self.value = value


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


@dataclass
class Interpreter:
    definition: Mapping
    #: http.post: (url, body, timeout) -> (status, response body)
    http: Callable[[str, object, int | None], tuple[int, object]]
    connectors: Mapping[str, Callable[[Mapping], object]] = field(default_factory=dict)
    execution_id: str = "00000000-0000-4000-8000-000000000000"
    #: Every call made: (function, args), in order; and every retry delay the policy asked for.
    calls: list[tuple[str, object]] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    #: The step entries of the `try` steps' attempts, as the Executions API lists them (replaced, not mutated).
    entries: list[dict] = field(default_factory=list)

    def run(self, args: object = None) -> object:
        return self.subworkflow("main", [args])

    def subworkflow(self, name: str, args: list) -> object:
        body = self.definition[name]
        _only(body, {"params", "steps"}, name)
        scope = dict(zip(body.get("params", []), args))
        try:
            self.steps(body["steps"], scope)
        except _Return as done:
            return done.value
        return None

    # --- steps ------------------------------------------------------------------------------------

    def steps(self, steps: list, scope: dict) -> None:
        for step in steps:
            ((name, body),) = step.items()
            self.step(name, body, scope)

    def step(self, name: str, body: Mapping, scope: dict) -> None:
        if "assign" in body:
            _only(body, {"assign"}, name)
            for item in body["assign"]:
                ((key, value),) = item.items()
                scope[key] = self.value(value, scope)
        elif "call" in body:
            _only(body, {"call", "args"}, name)
            self.call(body["call"], self.value(body.get("args", {}), scope))
        elif "try" in body:
            _only(body, {"try", "retry", "except"}, name)
            self.try_step(name, body, scope)
        elif "parallel" in body:
            _only(body, {"parallel"}, name)
            _only(body["parallel"], {"branches"}, name)
            for branch in body["parallel"]["branches"]:
                ((_, inner),) = branch.items()
                _only(inner, {"steps"}, name)
                self.steps(inner["steps"], dict(scope))  # branches read the parent's variables
        elif "raise" in body:
            _only(body, {"raise"}, name)
            raise WorkflowError(self.value(body["raise"], scope))
        elif "return" in body:
            _only(body, {"return"}, name)
            raise _Return(self.value(body["return"], scope))
        else:
            raise Unsupported(f"step {name}: {sorted(body)}")

    def try_step(self, name: str, body: Mapping, scope: dict) -> None:
        retry = body.get("retry")
        attempts = 1 + (retry["max_retries"] if retry else 0)
        delay = retry["backoff"]["initial_delay"] if retry else 0
        for attempt in range(attempts):
            entry = self._entry_started(name)
            try:
                self.step(f"{name}.try", body["try"], scope)
                self._entry_ended(entry, "STATE_SUCCEEDED")
                return
            except WorkflowError as error:
                self._entry_ended(entry, "STATE_FAILED", {"payload": json.dumps(error.value)})
                last = error
                if retry is None or attempt + 1 == attempts or not self.retries(retry, error.value, scope):
                    break
                self.delays.append(delay)
                delay = min(delay * retry["backoff"]["multiplier"], retry["backoff"]["max_delay"])
        handler = body.get("except")
        if handler is None:
            raise last
        _only(handler, {"as", "steps"}, name)
        self.steps(handler["steps"], {**scope, handler["as"]: last.value})

    def _entry_started(self, step: str) -> int:
        number = len(self.entries)
        self.entries.append({"name": f"{self.execution_id}/stepEntries/{number + 1}", "entryId": str(number + 1),
                             "step": step, "routine": "main", "state": "STATE_IN_PROGRESS",
                             "createTime": _now(), "updateTime": _now()})
        return number

    def _entry_ended(self, number: int, state: str, exception: dict | None = None) -> None:
        ended = {**self.entries[number], "state": state, "updateTime": _now()}
        self.entries[number] = {**ended, "exception": exception} if exception else ended

    def retries(self, retry: Mapping, error: object, scope: dict) -> bool:
        _only(retry, {"predicate", "max_retries", "backoff"}, "retry")
        predicate = _EXPRESSION.fullmatch(retry["predicate"])
        if predicate is None or predicate.group(1) not in self.definition:
            raise Unsupported(f"retry predicate {retry['predicate']!r}: only a subworkflow of the definition")
        return bool(self.subworkflow(predicate.group(1), [error]))

    def call(self, function: str, args: Mapping) -> object:
        self.calls.append((function, args))
        if function == "http.post":
            _only(args, {"url", "auth", "body", "timeout"}, function)
            if args.get("auth") != {"type": "OIDC"}:
                raise Unsupported("http.post without OIDC authentication")
            status, response = self.http(args["url"], args.get("body"), args.get("timeout"))
            if status >= 400:
                raise WorkflowError({"code": status, "message": f"HTTP server responded with error code {status}",
                                     "tags": ["HttpError"], "body": response})
            return {"code": status, "body": response}
        if function in self.connectors:
            try:
                return self.connectors[function](args)
            except Exception as error:  # the operation failed: the connector raises
                raise WorkflowError({"message": str(error), "tags": ["OperationError"]}) from error
        if function in self.definition:
            return self.subworkflow(function, [args])
        raise Unsupported(f"call {function}")

    # --- expressions -------------------------------------------------------------------------------

    def value(self, value: object, scope: Mapping) -> object:
        if isinstance(value, str):
            match = _EXPRESSION.fullmatch(value)
            return self.expression(match.group(1), scope) if match else value
        if isinstance(value, dict):
            return {k: self.value(v, scope) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, scope) for v in value]
        return value

    def expression(self, text: str, scope: Mapping) -> object:
        text = text.strip()
        if text == EXECUTION_ID_ENV:
            return self.execution_id
        if _IDENTIFIER.fullmatch(text):
            if text in scope:
                return scope[text]
            raise Unsupported(f"unknown variable {text}")
        if text.startswith('"'):
            return json.loads(text)
        raise Unsupported(f"expression ${{{text}}}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _only(body: Mapping, allowed: set[str], where: str) -> None:
    extra = set(body) - allowed
    if extra:
        raise Unsupported(f"{where}: {sorted(extra)}")
