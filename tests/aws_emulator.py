"""An AWS account on this machine for end-to-end tests: a moto server in this process, Terraform applied to
it through a test-only `*_override.tf`, Step Functions executions run by moto's ASL interpreter, and every
Lambda invocation served by the deployed package's own code (its handler, from the zip Terraform uploaded).

What moto needs (set before any resource exists): Lambda without Docker, Step Functions that execute,
AWS managed IAM policies loaded; MOTO_PORT so the interpreter calls this server; the two Step Functions APIs
the Terraform provider calls that moto 5.2.5 lacks (ValidateStateMachineDefinition, ListStateMachineVersions).
Invocations run in this process, one at a time (they share os.environ and the installed Polars): the handler
gets the function's environment plus the endpoint and keys Polars needs to reach this server's S3.
`Emulator.execute` starts an execution and waits for its end; tests/aws_deploy.py applies a build here.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import shutil
import threading
import time
import traceback
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from stand_in import environment, free_port

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION}
SERVICES = ("s3", "iam", "sts", "kms", "lambda", "sfn", "scheduler", "logs", "cloudwatchlogs", "ec2")


@dataclass
class Invocation:
    function: str
    payload: object
    error: str | None = None


@dataclass
class Emulator:
    port: int
    root: Path
    invocations: list[Invocation] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def storage_env(self) -> dict[str, str]:
        """What Polars (object_store) needs inside a handler to reach this server's S3."""
        return {**KEYS, "AWS_ENDPOINT_URL": self.endpoint, "AWS_ALLOW_HTTP": "true"}

    def override(self) -> str:
        """The provider settings of a test-only `zz_emulator_override.tf` (never part of a build)."""
        endpoints = "\n".join(f'    {name} = "{self.endpoint}"' for name in SERVICES)
        return (
            'provider "aws" {\n'
            '  access_key                  = "testing"\n'
            '  secret_key                  = "testing"\n'
            "  s3_use_path_style           = true\n"
            "  skip_credentials_validation = true\n"
            "  skip_requesting_account_id  = true\n"
            "  skip_metadata_api_check     = true\n"
            "  skip_region_validation      = true\n"
            "  max_retries                 = 2\n"
            f"  endpoints {{\n{endpoints}\n  }}\n"
            "}\n"
        )

    def allow_plain_http(self) -> list[str]:
        """Remove the buckets' TLS-only policies: this server speaks plain HTTP, which moto (rightly)
        treats as aws:SecureTransport = false. The policies are asserted as HCL and by checkov instead."""
        s3 = self.client("s3")
        removed = []
        for bucket in s3.list_buckets()["Buckets"]:
            s3.delete_bucket_policy(Bucket=bucket["Name"])
            removed.append(bucket["Name"])
        return sorted(removed)

    def execute(self, machine: str, name: str, payload: str = "{}", *, seconds: float = 300,
                poll: float = 0.5) -> dict:
        """Start an execution of the state machine `machine` named `name` (a nameless one is named "None" by
        moto: the second collides) and wait until it ends: its DescribeExecution."""
        sfn = self.client("stepfunctions")
        arn = sfn.start_execution(stateMachineArn=machine, name=name, input=payload)["executionArn"]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            described = sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(poll)
        raise AssertionError(f"execution {name} still running after {seconds} s")

    def evaluated(self, parameters: dict, execution: str, payload: object = None, *,
                  machine: str | None = None) -> dict:
        """`parameters` (a state's `Parameters`, `ItemSelector`, ...) as Step Functions evaluates them: the output
        of a Pass state with those Parameters, started on the input `payload` under the execution name
        `execution` (which `$$.Execution.Name` reads), in a state machine of its own, `evaluate-<machine>`
        (`machine` defaults to `execution`)."""
        definition = {"StartAt": "evaluate", "States": {"evaluate": {"Type": "Pass", "Parameters": parameters,
                                                                     "End": True}}}
        arn = self.client("stepfunctions").create_state_machine(
            name=f"evaluate-{machine or execution}", definition=json.dumps(definition),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/evaluate")["stateMachineArn"]
        described = self.execute(arn, execution, json.dumps({} if payload is None else payload), seconds=10,
                                 poll=0.05)
        assert described["status"] == "SUCCEEDED", described
        return json.loads(described["output"])

    def reset(self) -> None:
        """Remove every resource: moto's backends belong to the process, not to one server, so what a test
        module leaves would be there for the next one."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=60).close()

    # --- Lambda -----------------------------------------------------------------------------------

    def invoke(self, function, body) -> tuple[bytes, bool]:
        """Run the deployed handler of `function` on the JSON `body`: (response, failed)."""
        payload = json.loads(body) if body else {}
        module_name, _, entry = function.handler.rpartition(".")
        code = self._unpacked(function.code_bytes)
        record = Invocation(function.function_name, payload)
        with self.lock, environment({**function.environment_vars, **self.storage_env()}):
            self.invocations.append(record)
            try:
                module = _load(code / f"{module_name}.py", f"emulated_{code.name}_{module_name}")
                result = getattr(module, entry)(payload, None)
                return json.dumps(result, default=str).encode(), False
            except Exception as error:  # the function's error, as Lambda reports it
                record.error = type(error).__name__
                return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error),
                                   "stackTrace": traceback.format_exception(error)}).encode(), True

    def _unpacked(self, content: bytes) -> Path:
        """The package unpacked once; branches of a Parallel state invoke functions of one package at the same
        time, so the package is unpacked beside its place and renamed into it (a rename is atomic)."""
        target = self.root / "lambda" / hashlib.sha256(content).hexdigest()[:16]
        if not target.is_dir():
            staging = target.with_name(f"{target.name}.{threading.get_ident()}.tmp")
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                archive.extractall(staging)
            try:
                staging.rename(target)
            except OSError:  # another invocation renamed its copy first: the same bytes
                shutil.rmtree(staging, ignore_errors=True)
        return target


_MODULES: dict[str, object] = {}


def _load(path: Path, name: str):
    """The handler module of one package, loaded once (a warm instance)."""
    if name not in _MODULES:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[name] = module
    return _MODULES[name]


def _patch_moto(emulator: Emulator) -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def invoke(self, function_name, qualifier, body, headers, response_headers):
        function = self.get_function(function_name, qualifier)
        response, failed = emulator.invoke(function, body)
        if failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        return response

    def validate_state_machine_definition(self):
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

        try:
            AmazonStateLanguageParser.parse(self._get_param("definition"))
        except Exception as error:  # the parser's refusal, as the real API reports it
            return ActionResult({"result": "FAIL", "diagnostics": [
                {"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": str(error)[:1000]}]})
        return ActionResult({"result": "OK", "diagnostics": []})

    def list_state_machine_versions(self):
        return ActionResult({"stateMachineVersions": []})

    LambdaSimpleBackend.invoke = invoke
    StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition
    StepFunctionResponse.list_state_machine_versions = list_state_machine_versions


@contextlib.contextmanager
def running(root: Path):
    """An emulator serving on a free port until the block ends, then emptied (`Emulator.reset`)."""
    from moto.core.config import default_user_config
    from moto.server import ThreadedMotoServer

    port = free_port()
    emulator = Emulator(port, root)
    with environment({"MOTO_PORT": str(port), "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}):
        default_user_config.update({"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True},
                                    "iam": {"load_aws_managed_policies": True}})
        _patch_moto(emulator)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield emulator
        finally:
            try:
                emulator.reset()  # even after a failed setup: its resources would meet the next module
            finally:
                server.stop()
