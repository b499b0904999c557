"""The Databricks runs of a deployed AWS pipeline, followed by `glacierc run --cloud` through the Jobs API.

The state machine submits a one-time run per Databricks group (glacierc/entrypoints/aws_databricks.py) and its
history says which run that is (the `submit` state's result, `{"run": N}`); whether the run has ended, and how,
is read here with `GET {DATABRICKS_HOST}/api/2.1/jobs/runs/get?run_id=N` (its `state`: `life_cycle_state`,
`result_state`, `state_message`; `start_time` and `end_time` in epoch milliseconds), the one call made,
with urllib. The workspace and the token come from DATABRICKS_HOST and DATABRICKS_TOKEN, as the databricks
provider and CLI read them; the token is sent in a header and never put into a message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from glacierc.cloud_common import CloudError, CloudUsage, http_json

HOST, TOKEN = "DATABRICKS_HOST", "DATABRICKS_TOKEN"
#: Life-cycle states of a run that has not ended (the function's loop polls on while the run is in one).
ACTIVE = ("PENDING", "QUEUED", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY")
_RUN = re.compile(r"\d{1,20}")
MESSAGE_MAX = 4000


@dataclass(frozen=True, slots=True)
class RunState:
    """A run as runs/get shows it: `result` is SUCCESS, FAILED, TIMEDOUT, CANCELED, ... once it `ended`."""

    run: str
    ended: bool
    result: str = ""
    message: str = ""
    url: str = ""
    when: float = 0.0  # when it ended (epoch seconds), else when it was read


class DatabricksRuns:
    """The Jobs API of one workspace."""

    def __init__(self, env: Mapping[str, str], nodes: str) -> None:
        """`nodes`: the Databricks nodes of the pipeline, for the message when a credential is missing."""
        host, token = env.get(HOST, "").strip(), env.get(TOKEN, "").strip()
        missing = [name for name, value in ((HOST, host), (TOKEN, token)) if not value]
        if missing:
            raise CloudUsage(f"{nodes} run on Databricks, whose runs --cloud follows through the Jobs API: set "
                             f"{' and '.join(missing)} (the workspace URL and a token allowed to read job runs)")
        if not host.startswith(("https://", "http://")):
            raise CloudUsage(f"{HOST} must be the workspace URL (https://...), got {host[:200]!r}")
        self.base = host.rstrip("/") + "/api/2.1/jobs/runs/get?run_id="
        self.headers = {"Authorization": f"Bearer {token}"}

    def state(self, run: str) -> RunState:
        """The run's state; CloudError when the API refuses or cannot be reached."""
        if not _RUN.fullmatch(run):
            raise CloudError(f"the state machine's history names a Databricks run that is not a number: {run[:80]!r}")
        found = http_json("GET", self.base + run, self.headers)
        given = found.get("state")
        state: dict = given if isinstance(given, dict) else {}
        life = str(state.get("life_cycle_state") or "")
        if life in ACTIVE or not life:
            return RunState(run, False, when=time.time())
        ended = found.get("end_time")
        return RunState(run, True, result=str(state.get("result_state") or life),
                        message=str(state.get("state_message") or "")[:MESSAGE_MAX],
                        url=str(found.get("run_page_url") or "")[:500],
                        when=ended / 1000 if isinstance(ended, (int, float)) and ended > 0 else time.time())
