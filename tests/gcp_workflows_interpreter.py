"""A small interpreter of exactly the Cloud Workflows subset glacierc emits (glacierc/backends/terraform/
gcp_workflows.py), for the test suite: there is no Workflows emulator offline.

Supported, and nothing else (anything else is an `Unsupported` error, so the generator cannot drift out
of the subset unnoticed): a definition of `main` and subworkflows (`params`, `steps`); steps `assign` (to a
variable, or to a key of a map variable: `results["k"]`, which replaces the map rather than changing it),
`call` (`http.post` with `auth: {type: OIDC}`, a connector the caller provides, or a subworkflow; `result`),
`try` / `retry` (`predicate` naming a subworkflow, `max_retries`, `backoff`) / `except` (`as`, `steps`),
`parallel` (`branches`, or a `for` with `value`, `index` and `in`; `shared`, `concurrency_limit`; branches and
iterations run one after another, each in a copy of the scope whose `shared` variables are written back; an
error a branch or iteration does not handle lets the others run, then the step raises Workflows'
`UnhandledBranchError`: `{"message", "tags": ["UnhandledBranchError"], "branches": [{"id", "error"}]}`, `id`
the branch's name or the iteration's index as a string, `error` what it raised), `switch` (conditions with
`condition` and either `next`: a step of the same list, or `end`; or `steps` run in the same scope), `raise`
and `return`.
It also refuses what the documentation says the service refuses (docs/cloud-gcp.md, "Workflows syntax used"):
a switch of more than SWITCH_CONDITIONS_MAX conditions or a condition that is not a boolean; a `parallel` step
of more than PARALLEL_BRANCHES_MAX branches, nested deeper than PARALLEL_DEPTH_MAX (subworkflow calls
included), with a `concurrency_limit` that is not a positive integer, a `shared` variable the parent scope
does not have yet, or a `for` whose variables exist outside it; a variable name outside `[A-Za-z_][A-Za-z0-9_]*`;
an `http.post` timeout over HTTP_TIMEOUT_MAX; a connector that is not one of CONNECTOR_ARGS, an argument its
reference page does not list, or a `connector_params.timeout` over CONNECTOR_TIMEOUT_MAX.
Expressions are whole values `${...}` of: variables, `null`, JSON string and integer literals, `[]`, a map's
key (`a.b`), a list's element (`a[0]`), `+`, `-` of integers, comparisons, and the functions `len`, `string`,
`default`, `map.get`, `list.concat` and
`sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")`. An HTTP status of 400 or more raises
`{"code", "message", "tags": ["HttpError"]}` as Workflows does; a connector's exception raises
`{"message", "tags": ["OperationError"]}`; a missing key `{"message", "tags": ["KeyError"]}`.

Each step run is recorded as a step entry in the shape of the Workflows Executions API's `stepEntries`
(`name`, `entryId`, `step`, `routine`: the subworkflow it runs in, `state`, `createTime`, `updateTime` and,
when it failed, `exception.payload`), each attempt of a `try` step as an entry of its own, for a stand-in of
that API (tests/gcp_workflows_api.py).

`render_template` fills a definition written for Terraform's `templatefile` (`${name}` variables, `$${`
escapes) as Terraform would.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

_TEMPLATE = re.compile(r"\$\$\{|%%\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EXPRESSION = re.compile(r"\$\{(.*)\}", re.S)
_MAP_KEY = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\[("(?:[^"\\]|\\.)*")\]')
EXECUTION_ID = "GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a variable's name, as the Workflows variables page defines it
#: Documented limits the interpreter enforces (docs/cloud-gcp.md, "Workflows syntax used", has the sources).
SWITCH_CONDITIONS_MAX = 50
PARALLEL_BRANCHES_MAX = 10
PARALLEL_DEPTH_MAX = 2
HTTP_TIMEOUT_MAX = 1800
CONNECTOR_TIMEOUT_MAX = 31536000
#: The connectors the generator calls and the arguments each documents (besides `connector_params`).
CONNECTOR_ARGS = {
    "googleapis.storage.v1.objects.list": {"bucket", "delimiter", "endOffset", "includeTrailingDelimiter",
                                           "matchGlob", "maxResults", "pageToken", "prefix", "projection",
                                           "startOffset", "userProject", "versions"},
    "googleapis.dataproc.v1.projects.regions.jobs.submitAsOperation": {"projectId", "region", "body"},
    "googleapis.batch.v1.projects.locations.jobs.create": {"parent", "jobId", "requestId", "body"},
}
_CONNECTOR_PARAMS = {"timeout", "polling_policy", "skip_polling", "scopes"}
_REQUIRED_ARGS = {"googleapis.storage.v1.objects.list": {"bucket"},
                  "googleapis.dataproc.v1.projects.regions.jobs.submitAsOperation": {"projectId", "region", "body"},
                  "googleapis.batch.v1.projects.locations.jobs.create": {"parent", "body"}}
UNHANDLED_BRANCH_MESSAGE = "UnhandledBranchError: One or more branches or iterations encountered an unhandled runtime error"
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}


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
    #: The `concurrency_limit` of every `parallel` step run, in order.
    limits: list[int] = field(default_factory=list)
    _routines: list[str] = field(default_factory=list)  # the subworkflows running, innermost last
    _depth: int = 0  # the `parallel` steps running around the current step (across subworkflow calls)

    def run(self, args: object = None) -> object:
        return self.subworkflow("main", [args])

    def subworkflow(self, name: str, args: list) -> object:
        body = self.definition[name]
        _only(body, {"params", "steps"}, name)
        scope = dict(zip(body.get("params", []), args))
        self._routines.append(name)
        try:
            self.steps(body["steps"], scope)
        except _Return as done:
            return done.value
        finally:
            self._routines.pop()
        return None

    # --- steps ------------------------------------------------------------------------------------

    def steps(self, steps: list, scope: dict) -> None:
        names = [next(iter(step)) for step in steps]
        index = 0
        while index < len(steps):
            ((name, body),) = steps[index].items()
            jump = self.step(name, body, scope) if "try" in body else self.recorded(name, body, scope)
            if jump == "end":
                raise _Return(None)
            if jump is not None and jump not in names:
                raise Unsupported(f"step {name}: next {jump!r} is not a step of its list")
            index = index + 1 if jump is None else names.index(jump)

    def recorded(self, name: str, body: Mapping, scope: dict) -> str | None:
        """`step`, recorded as one step entry (a `try` step records one per attempt itself)."""
        entry = self._entry_started(name)
        try:
            jump = self.step(name, body, scope)
        except WorkflowError as error:
            self._entry_ended(entry, "STATE_FAILED", {"payload": json.dumps(error.value)})
            raise
        except _Return:
            self._entry_ended(entry, "STATE_SUCCEEDED")
            raise
        self._entry_ended(entry, "STATE_SUCCEEDED")
        return jump

    def step(self, name: str, body: Mapping, scope: dict) -> str | None:
        """Run one step; the name of the step to jump to (`next`), or None."""
        if "assign" in body:
            _only(body, {"assign"}, name)
            for item in body["assign"]:
                ((key, value),) = item.items()
                self.assign(key, self.value(value, scope), scope)
        elif "call" in body:
            _only(body, {"call", "args", "result"}, name)
            result = self.call(body["call"], self.value(body.get("args", {}), scope))
            if "result" in body:
                scope[_variable(body["result"], name)] = result
        elif "try" in body:
            _only(body, {"try", "retry", "except"}, name)
            self.try_step(name, body, scope)
        elif "parallel" in body:
            _only(body, {"parallel"}, name)
            self.parallel(name, body["parallel"], scope)
        elif "switch" in body:
            _only(body, {"switch"}, name)
            if not 0 < len(body["switch"]) <= SWITCH_CONDITIONS_MAX:
                raise Unsupported(f"step {name}: a switch of 1 to {SWITCH_CONDITIONS_MAX} conditions")
            for condition in body["switch"]:
                _only(condition, {"condition", "next", "steps"}, name)
                if ("next" in condition) == ("steps" in condition):
                    raise Unsupported(f"step {name}: a condition has one of `next` and `steps`")
                value = self.value(condition["condition"], scope)
                if type(value) is not bool:  # "Each expression must evaluate to true or false"
                    raise Unsupported(f"step {name}: condition {condition['condition']!r} gave {value!r}")
                if value:
                    if "steps" in condition:  # the steps run in the same scope, then the step after the switch
                        self.steps(condition["steps"], scope)
                        return None
                    return condition["next"]
        elif "raise" in body:
            _only(body, {"raise"}, name)
            raise WorkflowError(self.value(body["raise"], scope))
        elif "return" in body:
            _only(body, {"return"}, name)
            raise _Return(self.value(body["return"], scope))
        else:
            raise Unsupported(f"step {name}: {sorted(body)}")
        return None

    def assign(self, key: str, value: object, scope: dict) -> None:
        keyed = _MAP_KEY.fullmatch(key)
        if keyed is None:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                raise Unsupported(f"assign to {key!r}")
            scope[key] = value
            return
        variable, literal = keyed.groups()
        if not isinstance(scope.get(variable), dict):
            raise Unsupported(f"assign to {key!r}: {variable} is not a map")
        scope[variable] = {**scope[variable], json.loads(literal): value}

    def parallel(self, name: str, body: Mapping, scope: dict) -> None:
        _only(body, {"branches", "for", "shared", "concurrency_limit"}, name)
        if ("branches" in body) == ("for" in body):
            raise Unsupported(f"step {name}: a parallel step has one of `branches` and `for`")
        limit = body.get("concurrency_limit", 0)
        if "concurrency_limit" in body and (type(limit) is not int or limit < 1):
            raise Unsupported(f"step {name}: concurrency_limit {limit!r} is not a positive integer")
        self.limits.append(limit)
        shared = body.get("shared", [])
        undeclared = [v for v in shared if v not in scope]
        if undeclared:  # `shared` names writable variables of the parent scope: they exist before the step
            raise Unsupported(f"step {name}: shared {undeclared} not assigned before the parallel step")
        if self._depth + 1 > PARALLEL_DEPTH_MAX:
            raise Unsupported(f"step {name}: parallel steps nested deeper than {PARALLEL_DEPTH_MAX}")
        if "branches" in body:
            if not 2 <= len(body["branches"]) <= PARALLEL_BRANCHES_MAX:
                raise Unsupported(f"step {name}: {len(body['branches'])} branches (2 to {PARALLEL_BRANCHES_MAX})")
            runs = []
            for branch in body["branches"]:
                ((_, inner),) = branch.items()
                _only(inner, {"steps"}, name)
                runs.append((inner["steps"], {}))
            ids = [next(iter(branch)) for branch in body["branches"]]
        else:
            loop = body["for"]
            _only(loop, {"value", "index", "in", "steps"}, name)
            loop_names = [_variable(loop[key], name) for key in ("value", "index") if key in loop]
            outside = [v for v in loop_names if v in scope]
            if outside:  # the loop's variables "must not be used in assignments or expressions outside of the loop"
                raise Unsupported(f"step {name}: loop variables {outside} exist outside the loop")
            items = self.value(loop["in"], scope)
            if not isinstance(items, list):
                raise Unsupported(f"step {name}: `for` over {type(items).__name__}")
            runs = [(loop["steps"], {loop["value"]: item, **({loop["index"]: i} if "index" in loop else {})})
                    for i, item in enumerate(items)]
            ids = [str(i) for i in range(len(items))]
        failed = []
        for branch, (steps, bound) in zip(ids, runs):
            inner = {**scope, **bound}  # branches and iterations read the parent's variables
            self._depth += 1
            try:
                self.steps(steps, inner)
            except WorkflowError as error:  # the others still run (`continueAll`, the only policy)
                failed.append({"id": branch, "error": error.value})
            finally:
                self._depth -= 1
            # Workflows refuses an assignment to a parent's variable that is not `shared`
            assigned = sorted(v for v in scope if v not in shared and v not in bound and inner[v] is not scope[v])
            if assigned:
                raise Unsupported(f"step {name}: a branch assigns {assigned}, which are not shared")
            scope.update((variable, inner[variable]) for variable in shared)
        if failed:
            raise WorkflowError({"message": UNHANDLED_BRANCH_MESSAGE, "tags": ["UnhandledBranchError"],
                                 "branches": failed})

    def try_step(self, name: str, body: Mapping, scope: dict) -> None:
        retry = body.get("retry")
        if retry is not None:
            _only(retry, {"predicate", "max_retries", "backoff"}, f"{name}.retry")
            _only(retry["backoff"], {"initial_delay", "max_delay", "multiplier"}, f"{name}.retry.backoff")
            if type(retry["max_retries"]) is not int or retry["max_retries"] < 0:
                raise Unsupported(f"{name}.retry: max_retries {retry['max_retries']!r}")
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
        scope[_variable(handler["as"], name)] = last.value  # the except steps share the scope (Workflows scopes are per workflow)
        self.steps(handler["steps"], scope)

    def _entry_started(self, step: str) -> int:
        number = len(self.entries)
        self.entries.append({"name": f"{self.execution_id}/stepEntries/{number + 1}", "entryId": str(number + 1),
                             "step": step, "routine": self._routines[-1], "state": "STATE_IN_PROGRESS",
                             "createTime": _now(), "updateTime": _now()})
        return number

    def _entry_ended(self, number: int, state: str, exception: dict | None = None) -> None:
        ended = {**self.entries[number], "state": state, "updateTime": _now()}
        self.entries[number] = {**ended, "exception": exception} if exception else ended

    def retries(self, retry: Mapping, error: object, scope: dict) -> bool:
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
            timeout = args.get("timeout")
            if timeout is not None and (type(timeout) not in (int, float) or not 0 < timeout <= HTTP_TIMEOUT_MAX):
                raise Unsupported(f"http.post timeout {timeout!r} (at most {HTTP_TIMEOUT_MAX} s)")
            status, response = self.http(args["url"], args.get("body"), args.get("timeout"))
            if status >= 400:
                raise WorkflowError({"code": status, "message": f"HTTP server responded with error code {status}",
                                     "tags": ["HttpError"], "body": response})
            return {"code": status, "body": response}
        if function in CONNECTOR_ARGS:
            _connector_args(function, args)
            if function not in self.connectors:
                raise Unsupported(f"call {function}: no stand-in given to the interpreter")
            try:
                return self.connectors[function](args)
            except Exception as error:  # the operation failed: the connector raises
                raise WorkflowError({"message": str(error), "tags": ["OperationError"]}) from error
        if function in self.definition:  # arguments by parameter name, as Workflows passes them
            params = self.definition[function].get("params", [])
            if set(args) != set(params):
                raise Unsupported(f"call {function}: arguments {sorted(args)} for parameters {params}")
            return self.subworkflow(function, [args[p] for p in params])
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
        try:
            tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as error:
            raise Unsupported(f"expression ${{{text}}}") from error
        return self.evaluate(tree, scope, text)

    def evaluate(self, node: ast.expr, scope: Mapping, text: str) -> object:
        if isinstance(node, ast.Constant) and type(node.value) in (str, int):
            return node.value
        if isinstance(node, ast.List) and not node.elts:
            return []
        if isinstance(node, ast.Name):
            if node.id == "null":
                return None
            if node.id in scope:
                return scope[node.id]
            raise Unsupported(f"unknown variable {node.id}")
        if isinstance(node, ast.Attribute):
            value = self.evaluate(node.value, scope, text)
            if not isinstance(value, dict) or node.attr not in value:
                raise WorkflowError({"message": f"KeyError: key not found: {node.attr}", "tags": ["KeyError"]})
            return value[node.attr]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            left, right = self.evaluate(node.left, scope, text), self.evaluate(node.right, scope, text)
            if isinstance(node.op, ast.Sub) and (type(left) is not int or type(right) is not int):
                raise Unsupported(f"${{{text}}}: - of {type(left).__name__} and {type(right).__name__}")
            if type(left) is not type(right) or type(left) not in (int, str):
                raise Unsupported(f"${{{text}}}: + of {type(left).__name__} and {type(right).__name__}")
            return left + right if isinstance(node.op, ast.Add) else left - right
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int:
            value = self.evaluate(node.value, scope, text)
            if not isinstance(value, list):
                raise Unsupported(f"${{{text}}}: an index of {type(value).__name__}")
            if not 0 <= node.slice.value < len(value):
                raise WorkflowError({"message": "IndexError: list index out of range", "tags": ["IndexError"]})
            return value[node.slice.value]
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            left, right = self.evaluate(node.left, scope, text), self.evaluate(node.comparators[0], scope, text)
            return _COMPARE[type(node.ops[0])](left, right)
        if isinstance(node, ast.Call) and not node.keywords:
            return self.function(ast.unparse(node.func), [self.evaluate(a, scope, text) for a in node.args], text)
        raise Unsupported(f"expression ${{{text}}}")

    def function(self, name: str, args: list, text: str) -> object:
        if name == "sys.get_env" and args == [EXECUTION_ID]:
            return self.execution_id
        if name == "len" and len(args) == 1 and isinstance(args[0], (list, dict, str)):
            return len(args[0])
        if name == "string" and len(args) == 1 and type(args[0]) is int:
            return str(args[0])
        if name == "default" and len(args) == 2:
            return args[1] if args[0] is None else args[0]
        if name == "map.get" and len(args) == 2 and isinstance(args[0], dict):
            return args[0].get(args[1])
        if name == "list.concat" and len(args) == 2 and isinstance(args[0], list):
            return [*args[0], args[1]]
        raise Unsupported(f"${{{text}}}: function {name}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _variable(name: object, where: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise Unsupported(f"{where}: {name!r} is not a variable name")
    return name


def _connector_args(function: str, args: Mapping) -> None:
    """The documented arguments of `function`, its required ones, and a `connector_params` of known keys whose
    timeout is within the documented maximum."""
    _only(args, CONNECTOR_ARGS[function] | {"connector_params"}, function)
    missing = _REQUIRED_ARGS[function] - set(args)
    if missing:
        raise Unsupported(f"call {function}: missing {sorted(missing)}")
    params = args.get("connector_params", {})
    _only(params, _CONNECTOR_PARAMS, f"{function}.connector_params")
    timeout = params.get("timeout", 1800)
    if type(timeout) is not int or not 0 < timeout <= CONNECTOR_TIMEOUT_MAX:
        raise Unsupported(f"call {function}: connector timeout {timeout!r} (at most {CONNECTOR_TIMEOUT_MAX} s)")


def _only(body: Mapping, allowed: set[str], where: str) -> None:
    extra = set(body) - allowed
    if extra:
        raise Unsupported(f"{where}: {sorted(extra)}")
