"""`glacierc run PATH --cloud [--pipeline NAME] [-o OUT | --state-machine-arn ARN | --workflow ID |
--starter-url URL] [--report FILE] [-q]`.

Starts an execution of the pipeline's deployed orchestration and follows it until it ends, with the local
runner's progress lines, exit statuses (0 ok, 1 failed, 2 usage, 130 interrupted: the execution is stopped
first) and JSON report (cloud_follow.py). The project is compiled (never executed) for the pipeline's nodes
and fused groups. The cloud is the pipeline's (the provider of its executors), or the flag's:

- AWS (cloud_aws.py): a Step Functions execution, through boto3 (the `cloud` extra);
- GCP (cloud_gcp.py): a Cloud Workflows execution, through the Workflows Executions API (urllib);
- Azure (cloud_azure.py): a Durable Functions orchestration, through the app's HTTP starter (urllib).

What to start is the flag's (`--state-machine-arn`, `--workflow`, `--starter-url`), else the `pipelines`
output of the Terraform applied in OUT/terraform (OUT/terraform/<provider label> when the build made several
modules; `terraform -chdir=... output -json pipelines`; OUT defaults to `glacier-out`, as for `glacierc build`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from glacierc.cloud_common import CloudError, CloudUsage
from glacierc.cloud_follow import Follower
from glacierc.pipeline_choice import FAILED, USAGE, choose_pipeline, show_diagnostics

POLL_SECONDS = 1.0
#: The flag naming what to start, by cloud.
TARGET_FLAGS = {"aws": "state_machine_arn", "gcp": "workflow", "azure": "starter_url"}


class Execution(Protocol):
    """One deployed execution, as the follow loop drives it (cloud_aws.py, cloud_gcp.py, cloud_azure.py)."""

    target: str  # what it is an execution of, as the lines name it
    engine: str  # what ends it, as the failure message names it ("the state machine", ...)

    def start(self) -> str: ...  # the execution's name; CloudError when it cannot start

    def poll(self, follower: Follower) -> str | None: ...  # None while it runs, else its final status

    def stop(self) -> None: ...


def cloud_run(paths: Sequence[str], pipeline: str | None, args: Sequence[str], env: Mapping[str, str]) -> int:
    """Start and follow the deployed execution of `pipeline` (`args`: the flags after PATH); the exit status."""
    try:
        options = _options(args)
        compiled = _compiled(paths, pipeline, env)
        if isinstance(compiled, int):
            return compiled
        result, chosen = compiled
        execution = _execution(result.project, chosen, options, os.environ)  # credentials: the process's
    except CloudUsage as error:
        _error(f"error: {error}")
        return USAGE
    from glacierc.ir.fusion import fused_groups

    follower = Follower(result.project, chosen, fused_groups(chosen), options.quiet)
    follower.engine = execution.engine
    return follow(execution, follower, options.report, compiled_plan(result, chosen))


def _options(args: Sequence[str]) -> argparse.Namespace:
    """The flags that make sense for a deployed execution; any other runner flag is refused, not ignored."""
    parser = argparse.ArgumentParser(prog="glacierc run --cloud", add_help=False)
    parser.add_argument("--cloud", action="store_true")
    parser.add_argument("-o", "--build-dir", default="glacier-out")
    parser.add_argument("--state-machine-arn")
    parser.add_argument("--workflow")
    parser.add_argument("--starter-url")
    parser.add_argument("--report", metavar="FILE")
    parser.add_argument("-q", "--quiet", action="store_true")
    options, unknown = parser.parse_known_args(list(args))
    if unknown:
        raise CloudUsage(f"{unknown[0]} is not available with --cloud: a deployed execution runs the whole "
                         "pipeline where the build put its data (only --pipeline, -o/--build-dir, "
                         "--state-machine-arn, --workflow, --starter-url, --report and -q apply)")
    given = [cloud for cloud, flag in TARGET_FLAGS.items() if getattr(options, flag)]
    if len(given) > 1:
        raise CloudUsage("give one of --state-machine-arn, --workflow and --starter-url")
    return options


def _execution(project, pipeline, options: argparse.Namespace, environ: Mapping[str, str]) -> Execution:
    """The execution to start: the flag's cloud, else the pipeline's, and its target; `environ` holds the
    credentials and endpoints (the process environment, not the compile-time `--env` values)."""
    from glacierc import cloud_targets

    given = next((cloud for cloud, flag in TARGET_FLAGS.items() if getattr(options, flag)), None)
    provider = cloud_targets.provider_of(project, pipeline, given)
    cloud = given or (provider.cloud if provider is not None else "aws")
    target = getattr(options, TARGET_FLAGS[cloud])
    module = None if target else cloud_targets.module_dir(Path(options.build_dir), project, provider)
    return cloud_targets.execution(cloud, project, pipeline, provider, target, module, environ)


def _compiled(paths: Sequence[str], pipeline: str | None, env: Mapping[str, str]):
    """(compile result, pipeline) of `paths`, or an exit status after printing why not (errors, no such pipeline)."""
    from glacierc.driver import compile_project

    compiled = compile_project(list(paths), env=dict(env))
    if compiled.has_errors:
        show_diagnostics(compiled.diagnostics, compiled)
        print("error: the pipeline has errors; nothing was started", file=sys.stderr)
        return FAILED
    chosen = choose_pipeline(compiled.project, pipeline)
    if isinstance(chosen, int):
        return chosen
    return compiled, next(p for p in compiled.project.pipelines if p.name == chosen)


def compiled_plan(result, pipeline) -> str:
    """The plan id of the runner this build makes for the pipeline (what a fresh deployment would run)."""
    from glacierc.backends.runner import emit_with_diagnostics, runner_path

    files, _ = emit_with_diagnostics(result.project, result.sources)
    found = _PLAN_ID.search(str(files[runner_path(pipeline.name)]))
    return found.group(1) if found else "0" * 16


_PLAN_ID = re.compile(r'^PLAN_ID = "([0-9a-f]{16})"$', re.MULTILINE)


def follow(execution: Execution, follower: Follower, report: str | None, plan: str) -> int:
    """Start `execution`, print its progress until it ends, write the report; the exit status."""
    try:
        name = execution.start()
    except CloudError as error:
        _error(f"error: could not start an execution of {execution.target}: {error}")
        return FAILED
    follower.say(f"started execution `{name}` of {execution.target}")
    try:
        status = _poll(execution, follower)
    except KeyboardInterrupt:
        try:
            execution.stop()
        except CloudError as error:
            _error(f"interrupted: execution `{name}` could not be stopped: {error}")
            return 130
        _error(f"interrupted: execution `{name}` was stopped")
        return 130
    except CloudError as error:
        _error(f"error: could not follow execution `{name}`: {error}")
        return FAILED
    if follower.status == "running":  # nothing said how it ended: the final status does
        follower.status = status
    follower.finish()
    if follower.plan not in (None, plan):
        follower.say(f"note: the deployed functions run plan {follower.plan}; this project builds plan {plan} "
                     "(rebuild and apply to deploy it)")
    data = follower.report(name, plan)
    if report:
        _write_report(Path(report), data)
    if follower.status != "ok":
        _error(follower.explain(name))
        return FAILED
    _summary(follower, name)
    return 0


def _error(text: str) -> None:
    """Text from the service (names, errors) on stderr, each line without control characters."""
    from glacierc.diagnostics.render import printable

    print("\n".join(printable(line) for line in text.splitlines()), file=sys.stderr)


def _poll(execution: Execution, follower: Follower) -> str:
    while True:
        status = execution.poll(follower)
        if status is not None:
            return status
        time.sleep(POLL_SECONDS)


def _summary(follower: Follower, name: str) -> None:
    if follower.quiet:
        return
    ran = sum(1 for r in follower.nodes.values() if r.status == "ok")
    seconds = (follower.ended or 0.0) - (follower.started or 0.0)
    _error(f"done: {ran} node{'s' * (ran != 1)} in {seconds:.2f} s (execution `{name}`)")
    last = {}
    for result in follower.nodes.values():
        for write in result.writes:
            last[write["uri"]] = write.get("rows")
    for uri, rows in last.items():
        counted = "" if rows is None else f" ({rows:,} row{'s' * (rows != 1)})"
        _error(f"wrote {uri}{counted}")


def _write_report(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    staging.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    staging.replace(path)
