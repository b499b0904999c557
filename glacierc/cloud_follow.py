"""Following a deployed execution of a pipeline, read as the nodes' progress, whatever the cloud.

The follower is told what happened in cloud-neutral terms (`execution_started`, `group_entered`,
`group_succeeded` with the node reports the group's run returned, `group_failed`, `execution_ended`) and
prints the same progress lines as the local runner: a line when a fused group starts and one per node when
it ends (`[2/6] clean (serverless, fn) ... ok 0.31 s, 3 rows`), with the seconds, rows and writes the
group's run returned. `report()` is the JSON report of a local run (runtime/report.py `report_data`,
docs/run-report.schema.json), of the same version and shape. Each cloud's reader turns what its service
shows into those calls: `feed(events)` here reads a Step Functions history (events are tied to a group
through the Lambda payload the state passes, `{"pipeline", "group", "run_id"}`, never through state names,
so parallel branches interleave freely; cloud_sfn_history.py reads each event's parts); cloud_gcp.py reads Workflows step entries, cloud_azure.py a
Durable Functions instance history. A mapped node's Distributed Map shows in the history as its `Map` state
(named by the build, `feed`'s `map_states`) and its Map Run; its items are child executions the history does
not list: the reader describes them (`maps`, then `map_ended` with the cloud_items.py tally) when the Map
Run has ended.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from glacierc.cloud_items import Items
from glacierc.cloud_items import cause_message as _cause_message
from glacierc.cloud_sfn_history import (
    EXECUTION_ENDED,
    MAP_RUN_ENDED,
    MapRun,
    databricks_submit,
    event_details,
    event_seconds,
    history_json,
    scheduled_group,
    submitted_run,
)
from glacierc.diagnostics.render import printable
from glacierc.ir.fusion import Group
from glacierc.ir.nodes import Pipeline, Project
from glacierc.runtime.report import REPORT_VERSION

_FAILED_NODE = re.compile(r"node `([^`]+)` failed")


@dataclass
class NodeResult:
    """One node of the execution, in the keys of the local report."""

    id: str
    task: str
    executor: str
    kind: str
    status: str = "not run"
    seconds: float = 0.0
    rows: int | None = None
    output: str | None = None
    attempts: int = 0
    note: str | None = None
    writes: list = field(default_factory=list)
    error: str | None = None
    map: str | None = None  # a mapped node's dataset
    items: int | None = None  # how many objects its map ran over (None: not known)

    def data(self) -> dict:
        return {"id": self.id, "task": self.task, "executor": self.executor, "kind": self.kind,
                "status": self.status, "seconds": round(self.seconds, 4), "rows": self.rows, "output": self.output,
                "attempts": self.attempts, "note": self.note, "writes": self.writes, "error": self.error,
                **({"map": self.map, "items": self.items} if self.map is not None else {})}


@dataclass
class GroupRun:
    group: Group
    entered: float | None = None
    attempts: int = 0
    error: tuple[str, str] | None = None  # (error, cause) of the last failed attempt
    last: float | None = None  # when its last attempt ended
    done: bool = False


class Follower:
    """The nodes' progress, read from the history events of one execution."""

    def __init__(self, project: Project, pipeline: Pipeline, groups: tuple[Group, ...], quiet: bool) -> None:
        kinds = {e.name: e.kind for e in project.executors}
        self.pipeline, self.quiet = pipeline, quiet
        self.nodes = {n.id: NodeResult(n.id, n.task, n.executor, kinds.get(n.executor, "local"), map=n.map)
                      for n in pipeline.nodes}
        self.spans = {n.id: n.span for n in pipeline.nodes}
        self.sources = {t.name: f"{t.span.file}:{t.span.line}" for t in project.tasks}
        self.groups = {g.id: GroupRun(g) for g in groups}
        self.of_event: dict[int, str] = {}  # event id -> group id (through previousEventId)
        self.submits: set[int] = set()  # the events of a Databricks group's `submit` task (through previousEventId)
        self.runs: dict[str, str] = {}  # group -> the Databricks run it submitted and that has not ended yet
        self.map_states: dict[str, str] = {}  # a mapped group's Map state name -> the group
        self.maps: dict[str, MapRun] = {}  # group -> its Map Run, until the reader has described its items
        self.count = 0
        self.started: float | None = None
        self.ended: float | None = None
        self.status = "running"
        self.failure: tuple[str, str] | None = None  # (error, cause) the execution ended with
        self.plan: str | None = None
        self.engine = "the state machine"  # what ended the execution, as explain() names it

    # ---- what happened, in any cloud's terms --------------------------------------------------------
    def execution_started(self, when: float) -> None:
        self.started = when if self.started is None else self.started

    def execution_ended(self, when: float, status: str, error: str = "", cause: str = "") -> None:
        """`status`: ok, failed, timed out or aborted; `error`/`cause` of a failed one."""
        self.ended, self.status = when, status
        if status != "ok":
            self.failure = (error or status, cause)

    def group_entered(self, group: str, when: float) -> None:
        """An attempt of `group` started (each call is one attempt)."""
        if group in self.groups:
            self._scheduled(self.groups[group], when)

    def group_succeeded(self, group: str, when: float, reports: dict[str, dict], remote: str = "") -> None:
        """`reports`: node -> its report, from what the group's run returned (may be empty); `remote`: where and
        how the group's run ended when a service outside the function ran it (`databricks: run 7 SUCCESS`),
        said under its nodes' lines and put in their reports' note."""
        if group in self.groups:
            self._succeeded(self.groups[group], when, reports, f"ran on {remote}" if remote else None)

    def group_results(self, group: str, reports: dict[str, dict]) -> None:
        """What a group's run returned, known only after the group ended (GCP: with the execution's end):
        the report's fields of its nodes; their progress lines were printed without them."""
        run = self.groups.get(group)
        if run is not None and run.done:
            for node in run.group.nodes:
                if node in reports:
                    self._fill(self.nodes[node], reports[node], run, None)

    def group_failed(self, group: str, when: float, error: str, cause: str) -> None:
        if group in self.groups:
            self.groups[group].error = (error, cause)
            self.groups[group].last = when

    def run_submitted(self, group: str, run: str) -> None:
        """`group`'s attempt is Databricks run `run`: it ends when the run does (`run_ended`), not now."""
        if group in self.groups:
            self.runs[group] = run

    def run_ended(self, group: str, when: float, ok: bool, error: str = "", cause: str = "") -> None:
        """The Databricks run of `group` ended (cloud_aws.py reads it from the Jobs API)."""
        self.runs.pop(group, None)
        if ok:
            self.group_succeeded(group, when, {})
        else:
            self.group_failed(group, when, error, cause)

    def map_ended(self, group: str, when: float, items: Items, ok: bool, error: str = "", cause: str = "") -> None:
        """The map of mapped `group` ended (`ok`: within its tolerated failures); `items` its tally."""
        self.maps.pop(group, None)
        run = self.groups.get(group)
        if run is None:
            return
        for node in run.group.nodes:
            result = self.nodes[node]
            if result.map is not None:
                result.items, result.note = items.total, items.note() if ok else None
        lines = items.lines()
        if ok:
            self._succeeded(run, when, {})
            for line in lines:
                self.say(line)
            return
        # a failed node's lines come with its error (explain), which -q shows too
        message = _cause_message(cause)
        self.group_failed(group, when, error, "\n".join([message, *(line.strip() for line in lines)]))

    # ---- Step Functions history events ---------------------------------------------------------------
    def feed(self, events: list[dict], map_states: dict[str, str] | None = None) -> None:
        """`map_states`: the Map state name of each mapped group (the build's names)."""
        self.map_states.update(map_states or {})
        for event in events:
            self._event(event)

    def _event(self, event: dict) -> None:
        kind, when = event["type"], event_seconds(event["timestamp"])
        group = self._group_of(event)
        if kind == "ExecutionStarted":
            self.execution_started(when)
        elif kind in EXECUTION_ENDED:
            details = event_details(event)
            self.execution_ended(when, EXECUTION_ENDED[kind], details.get("error") or kind, details.get("cause") or "")
        elif group is None:
            return
        elif kind == "TaskScheduled":
            self.group_entered(group, when)
        elif kind == "TaskSucceeded" and event["id"] in self.submits:
            self.run_submitted(group, submitted_run(event_details(event).get("output")))
        elif kind == "TaskSucceeded":
            self.group_succeeded(group, when, _node_reports(event_details(event).get("output")))
        elif kind in ("TaskFailed", "TaskTimedOut"):
            details = event_details(event)
            self.group_failed(group, when, details.get("error") or kind, details.get("cause") or "")
        elif kind.startswith("Map"):
            self._map_event(group, kind, when, event_details(event))

    def _map_event(self, group: str, kind: str, when: float, details: dict) -> None:
        """A mapped group's Map state entered, its Map Run started or ended (the reader then describes it)."""
        if kind == "MapStateEntered":
            self.group_entered(group, when)
        elif kind == "MapRunStarted" and isinstance(details.get("mapRunArn"), str):
            self.maps[group] = MapRun(details["mapRunArn"])
        elif kind in MAP_RUN_ENDED and group in self.maps:
            found = self.maps[group]
            found.ended, found.ok = when, kind == "MapRunSucceeded"
            found.error = (str(details.get("error") or kind), str(details.get("cause") or ""))

    def _group_of(self, event: dict) -> str | None:
        """The group an event belongs to: TaskScheduled names it in its payload, later events follow the
        chain of previousEventId back to it."""
        group, submit = None, False
        if event["type"] == "TaskScheduled":
            parameters = history_json(event_details(event).get("parameters"))
            group, submit = scheduled_group(parameters), databricks_submit(parameters)
        elif event["type"] == "MapStateEntered":
            group = self.map_states.get(str(event_details(event).get("name")))
        elif event.get("previousEventId") in self.of_event:
            group = self.of_event[event["previousEventId"]]
            submit = event["previousEventId"] in self.submits
        if group not in self.groups:
            return None
        self.of_event[event["id"]] = group
        if submit:
            self.submits.add(event["id"])
        return group

    def _scheduled(self, run: GroupRun, when: float) -> None:
        run.attempts += 1
        if run.entered is None:
            run.entered = when
            self.say(f"[start] {', '.join(run.group.nodes)} ({self._where(run.group.nodes[0])}) ...")

    def _succeeded(self, run: GroupRun, when: float, reports: dict[str, dict], note: str | None = None) -> None:
        for node in run.group.nodes:
            result = self.nodes[node]
            self._fill(result, reports.get(node, {}), run, when)
            result.note = note or result.note
            self.count += 1
            self.say(self._line(result))
        if note:
            self.say(f"  {note}")
        run.done = True

    def _fill(self, result: NodeResult, found: dict, run: GroupRun, when: float | None) -> None:
        """`result` from the node's report `found` (what its run returned; read, never trusted: a field of
        the wrong type is left out); `when` the group ended (None: keep the seconds known)."""
        result.status = str(found.get("status", "ok"))
        seconds = found.get("seconds")
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            result.seconds = float(seconds)
        elif when is not None:
            result.seconds = when - (run.entered or when)
        rows, output, writes = found.get("rows"), found.get("output"), found.get("writes", [])
        result.rows = rows if isinstance(rows, int) and not isinstance(rows, bool) else None
        result.output = output if isinstance(output, str) else None
        result.writes = [w for w in writes if _is_write(w)] if isinstance(writes, list) else []
        result.attempts = run.attempts
        plan = found.get("plan")
        self.plan = plan if isinstance(plan, str) else self.plan

    # ---- the end ---------------------------------------------------------------------------------
    def finish(self) -> None:
        """After the execution ended: the failed group's nodes (the one its error names failed, the rest of
        its group was cancelled), and every group not reached stays `not run`."""
        for run in self.groups.values():
            if run.done or run.entered is None:
                continue
            error, cause = run.error or ("States.Cancelled", "the execution ended while the group ran")
            message = _cause_message(cause)
            named = _FAILED_NODE.search(message)
            failed = named.group(1) if named and named.group(1) in run.group.nodes else run.group.nodes[0]
            for node in run.group.nodes:
                result = self.nodes[node]
                result.attempts = run.attempts
                result.seconds = (run.last or self.ended or run.entered) - run.entered
                if node == failed and run.error is not None:
                    result.status, result.error = "failed", f"{error}: {message}"
                else:
                    result.status = "cancelled"
                self.count += 1
                self.say(self._line(result))

    def failed_node(self) -> str | None:
        return next((n for n, r in self.nodes.items() if r.status == "failed"), None)

    def explain(self, execution: str) -> str:
        """The message of a failed execution: the failing node, its task and lines, the function's error."""
        node = self.failed_node()
        error, cause = self.failure or ("", "")
        if node is None:
            lines = [f"error: execution `{execution}` {self.status}" + (f": {error}" if error else "")]
        else:
            span, result = self.spans[node], self.nodes[node]
            message = [line.rstrip() for line in (result.error or "").splitlines() if line.strip()] or [""]
            lines = [f"error: node `{node}` (task `{result.task}`, {self.sources.get(result.task, '?')}, called at "
                     f"{span.file}:{span.line}) failed in execution `{execution}`", f"  {message[0]}",
                     *(f"    {line.strip()}" for line in message[1:12])]
        if cause:
            lines.append(f"  {self.engine} ended with {error}: {_cause_message(cause)}")
        return "\n".join(lines)

    def report(self, execution: str, plan: str) -> dict:
        """The report of a local run; `plan` is used when the functions did not say which plan they ran."""
        nodes = [self.nodes[n].data() for level in self.pipeline.levels for n in level]
        counts = {status: sum(1 for n in nodes if n["status"] == status)
                  for status in ("ok", "failed", "cancelled", "skipped", "not run")}
        written = [w["rows"] for n in nodes for w in n["writes"] if w.get("rows") is not None]
        seconds = (self.ended or self.started or 0.0) - (self.started or 0.0)
        return {
            "version": REPORT_VERSION, "pipeline": self.pipeline.name, "plan": self.plan or plan,
            "status": "ok" if self.status == "ok" else "failed", "engine": "auto", "seconds": round(seconds, 4),
            "nodes": nodes, "totals": {"nodes": len(nodes), **counts, "rows_written": sum(written)},
            "error": None if self.status == "ok" else self.explain(execution),
        }

    # ---- lines -----------------------------------------------------------------------------------
    def _where(self, node: str) -> str:
        return f"{self.nodes[node].kind}, {self.nodes[node].executor}"

    def _line(self, result: NodeResult) -> str:
        head = f"[{self.count}/{len(self.nodes)}] {result.id} ({self._where(result.id)}) ..."
        if result.status != "ok":
            return f"{head} {result.status.upper()} after {result.seconds:.2f} s"
        text = f"{head} ok {result.seconds:.2f} s"
        if result.items is not None:
            text += f", {result.items:,} item" + ("" if result.items == 1 else "s")
        if result.rows is not None:
            text += f", {result.rows:,} row" + ("" if result.rows == 1 else "s")
        elif result.output == "lazy":
            text += ", lazy"
        return text + (f", after {result.attempts} attempts" if result.attempts > 1 else "")

    def say(self, line: str) -> None:
        if not self.quiet:  # names and errors come from the service: no control character reaches the terminal
            print(printable(line), file=sys.stderr, flush=True)


def _is_write(write: object) -> bool:
    """A write of a node's report as the summary prints it: its `uri` a string, its `rows` a count or null."""
    if not isinstance(write, dict) or not isinstance(write.get("uri"), str):
        return False
    rows = write.get("rows")
    return rows is None or (isinstance(rows, int) and not isinstance(rows, bool))


def _node_reports(output: str | None) -> dict[str, dict]:
    """{node: its report} from a `lambda:invoke` result: the function's `run_group`/`run_node` return value."""
    return node_reports(history_json(output).get("Payload"))


def node_reports(result: object) -> dict[str, dict]:
    """{node: its report} from what a group's run returned (`run_group`'s `{"nodes": [...]}` or one report)."""
    reports = result.get("nodes", [result]) if isinstance(result, dict) else []
    return {r["node"]: r for r in reports if isinstance(r, dict) and isinstance(r.get("node"), str)}
