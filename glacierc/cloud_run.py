"""`glacierc run PATH --cloud [--pipeline NAME] [-o OUT | --state-machine-arn ARN] [--report FILE] [-q]`.

Starts an execution of the pipeline's deployed Step Functions state machine and follows it until it ends,
with the local runner's progress lines, exit statuses (0 ok, 1 failed, 2 usage, 130 interrupted: the
execution is stopped first) and JSON report (cloud_follow.py). The project is compiled (never executed) for
the pipeline's nodes and fused groups. The state machine's ARN is `--state-machine-arn`, else the
`pipelines` output of the Terraform applied in OUT/terraform (`terraform -chdir=OUT/terraform output
-json pipelines`; OUT defaults to `glacier-out`, as for `glacierc build`). boto3 (the `cloud` extra)
talks to AWS with its usual configuration: credentials, AWS_REGION / the ARN's region, AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from glacierc.cloud_follow import Follower

USAGE, FAILED = 2, 1
POLL_SECONDS = 1.0
INSTALL = "pip install 'glacier-pipeline[cloud]'"


class CloudUsage(Exception):
    """Something the user must fix before an execution can start (exit status 2)."""


def cloud_run(paths: Sequence[str], pipeline: str | None, args: Sequence[str], env: Mapping[str, str]) -> int:
    """Start and follow the deployed execution of `pipeline` (`args`: the flags after PATH); the exit status."""
    try:
        options = _options(args)
        boto3 = _boto3()
        compiled = _compiled(paths, pipeline, env)
        if isinstance(compiled, int):
            return compiled
        result, chosen = compiled
        machine = options.state_machine_arn or state_machine_arn(Path(options.build_dir), chosen.name)
        client = _client(boto3, machine)
    except CloudUsage as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE
    from glacierc.ir.fusion import fused_groups

    follower = Follower(result.project, chosen, fused_groups(chosen), options.quiet)
    return follow(client, machine, follower, options.report, compiled_plan(result, chosen))


def _options(args: Sequence[str]) -> argparse.Namespace:
    """The flags that make sense for a deployed execution; any other runner flag is refused, not ignored."""
    parser = argparse.ArgumentParser(prog="glacierc run --cloud", add_help=False)
    parser.add_argument("--cloud", action="store_true")
    parser.add_argument("-o", "--build-dir", default="glacier-out")
    parser.add_argument("--state-machine-arn")
    parser.add_argument("--report", metavar="FILE")
    parser.add_argument("-q", "--quiet", action="store_true")
    options, unknown = parser.parse_known_args(list(args))
    if unknown:
        raise CloudUsage(f"{unknown[0]} is not available with --cloud: a deployed execution runs the whole "
                         "pipeline where the build put its data (only --pipeline, -o/--build-dir, "
                         "--state-machine-arn, --report and -q apply)")
    return options


def _boto3():
    try:
        import boto3  # type: ignore[import-untyped]  # an optional dependency (the `cloud` extra), without types
    except ImportError:
        raise CloudUsage(f"--cloud talks to AWS Step Functions through boto3, which is not installed: {INSTALL}")
    return boto3


def _client(boto3, machine: str):
    """A Step Functions client in the state machine's region (the ARN's fourth field)."""
    parts = machine.split(":")
    if len(parts) < 7 or parts[:3] != ["arn", parts[1], "states"] or parts[5] != "stateMachine":
        raise CloudUsage(f"not a state machine ARN: {machine!r} (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)")
    return boto3.client("stepfunctions", region_name=parts[3])


def _compiled(paths: Sequence[str], pipeline: str | None, env: Mapping[str, str]):
    """(compile result, pipeline) of `paths`, or an exit status after printing why not (errors, no such pipeline)."""
    from glacierc.driver import compile_project
    from glacierc.run_command import _choose, _show

    compiled = compile_project(list(paths), env=dict(env))
    if compiled.has_errors:
        _show(compiled.diagnostics, compiled)
        print("error: the pipeline has errors; nothing was started", file=sys.stderr)
        return FAILED
    chosen = _choose(compiled.project, pipeline)
    if isinstance(chosen, int):
        return chosen
    return compiled, next(p for p in compiled.project.pipelines if p.name == chosen)


def state_machine_arn(build_dir: Path, pipeline: str) -> str:
    """The ARN in the `pipelines` output of the Terraform applied in `build_dir/terraform`."""
    module = build_dir / "terraform"
    if not module.is_dir():
        raise CloudUsage(f"{module} does not exist: pass the directory you built and applied (-o OUT) or "
                         "--state-machine-arn ARN")
    terraform = shutil.which("terraform")
    if terraform is None:
        raise CloudUsage("terraform is not on PATH, so the deployed state machine cannot be looked up in "
                         f"{module}; pass --state-machine-arn ARN")
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
    if not isinstance(found, dict) or not found.get("state_machine_arn"):
        names = ", ".join(sorted(pipelines)) if isinstance(pipelines, dict) else "none"
        raise CloudUsage(f"the Terraform in {module} has no state machine for pipeline `{pipeline}` "
                         f"(its pipelines: {names or 'none'})")
    return str(found["state_machine_arn"])


def compiled_plan(result, pipeline) -> str:
    """The plan id of the runner this build makes for the pipeline (what a fresh deployment would run)."""
    from glacierc.backends.runner import emit_with_diagnostics, runner_path

    files, _ = emit_with_diagnostics(result.project, result.sources)
    found = _PLAN_ID.search(str(files[runner_path(pipeline.name)]))
    return found.group(1) if found else "0" * 16


_PLAN_ID = re.compile(r'^PLAN_ID = "([0-9a-f]{16})"$', re.MULTILINE)


def follow(client, machine: str, follower: Follower, report: str | None, plan: str) -> int:
    """Start an execution of `machine`, print its progress until it ends, write the report; the exit status."""
    name = f"glacierc-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
    try:
        execution = client.start_execution(stateMachineArn=machine, name=name, input="{}")["executionArn"]
    except Exception as error:  # botocore's errors: no such machine, no credentials, endpoint unreachable
        print(f"error: could not start an execution of {machine}: {error}", file=sys.stderr)
        return FAILED
    follower.say(f"started execution `{name}` of {machine}")
    try:
        status = _poll(client, execution, follower)
    except KeyboardInterrupt:
        client.stop_execution(executionArn=execution, error="glacierc.Interrupted", cause="stopped by the user")
        print(f"interrupted: execution `{name}` was stopped", file=sys.stderr)
        return 130
    if follower.status == "running":  # the history had no end event yet: the status says how it ended
        follower.status = "ok" if status == "SUCCEEDED" else status.lower().replace("_", " ")
    follower.finish()
    if follower.plan not in (None, plan):
        follower.say(f"note: the deployed functions run plan {follower.plan}; this project builds plan {plan} "
                     "(rebuild and apply to deploy it)")
    data = follower.report(name, plan)
    if report:
        _write_report(Path(report), data)
    if follower.status != "ok":
        print(follower.explain(name), file=sys.stderr)
        return FAILED
    _summary(follower, name)
    return 0


def _poll(client, execution: str, follower: Follower) -> str:
    """Feed the history to `follower` as it grows; the execution's final status."""
    seen = 0
    while True:
        status = client.describe_execution(executionArn=execution)["status"]
        events = _history(client, execution)
        follower.feed(events[seen:])
        seen = len(events)
        if status != "RUNNING":
            return status
        time.sleep(POLL_SECONDS)


def _history(client, execution: str) -> list[dict]:
    events, token = [], None
    while True:
        page = client.get_execution_history(executionArn=execution, maxResults=1000,
                                            **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return sorted(events, key=lambda e: e["id"])


def _summary(follower: Follower, name: str) -> None:
    if follower.quiet:
        return
    ran = sum(1 for r in follower.nodes.values() if r.status == "ok")
    seconds = (follower.ended or 0.0) - (follower.started or 0.0)
    print(f"done: {ran} node{'s' * (ran != 1)} in {seconds:.2f} s (execution `{name}`)", file=sys.stderr)
    last = {}
    for result in follower.nodes.values():
        for write in result.writes:
            last[write["uri"]] = write.get("rows")
    for uri, rows in last.items():
        counted = "" if rows is None else f" ({rows:,} row{'s' * (rows != 1)})"
        print(f"wrote {uri}{counted}", file=sys.stderr)


def _write_report(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    staging.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    staging.replace(path)
