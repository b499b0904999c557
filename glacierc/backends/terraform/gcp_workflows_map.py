"""The Cloud Workflows steps of a mapped node (`[clean(p) for p in events.partitions()]`): a pure function.

The node's step in `main` calls the subworkflow `glacier_map_<node>`, which lists the dataset's bucket below
its prefix (the part of the path before its first wildcard) with the Cloud Storage connector
`googleapis.storage.v1.objects.list`, one page at a time, and runs each page's objects with a `parallel`
`for` (`concurrency_limit`: the map's `partitions(max_parallel=)`, else the default of the service running
the items, DEFAULT_CONCURRENCY, at most CONCURRENCY_MAX): each iteration is a `try` of the call a plain group
of that executor makes, given the object's name and its position in the listing (ITEM, INDEX): an
`http.post` of the mapped task's Cloud Function whose body gets `"item"` and `"index"`, or a Dataproc /
Cloud Batch job of the executor's `job.py` whose arguments end with them (gcp_workflows.py builds the call);
retried as the task says. The item's run does the task on the object when its name matches the dataset's
path (other names under the prefix are skipped) and stages its result as item `<index>` of the node
(`<staging>/<execution id>/<node>/<index>.*`), which the combining node reads back in index order. Then the
next page (`nextPageToken`), until the listing ends. A page is PAGE_SIZE objects, and the listing's response
is freed once its objects and next page token are taken (Workflows' variable memory limit).

A failing object (after its retries) is counted, never raised from its iteration (a `parallel` step would
raise it as an `UnhandledBranchError` only once every iteration ended): the `parallel` step's `shared`
variables `failed` and `failures` count the failures and keep the first FIRST_FAILURES of them (the object's
name, index and the call's error). After the listing the subworkflow puts its tally (TALLY: objects listed,
succeeded, failed, the tolerated count and the described failures) into `items` by the node; within
`partitions(tolerated_failures=N)` (0 when not given) it returns the tally, which `main` records in its
`items` map; past it the map raises `glacier.NodeFailed` naming the node, its task and source line, with the
first failed object's name (`object`) and the call's error (`error`), `results` and `items`.
Strings a user wrote are literals (`literal`); the object names are data the expressions only pass on.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from glacier.datasets import prefix

from glacierc.backends.terraform.orchestration_common import describe
from glacierc.checks.glc417_map_parallelism_capped import WORKFLOWS_CONCURRENCY_MAX
from glacierc.ir.nodes import Node, Project

LIST_OBJECTS = "googleapis.storage.v1.objects.list"
#: Objects a listing page asks for (`maxResults`; the service's own page is 1,000). Each listed object is its
#: whole metadata, and Cloud Workflows counts every variable of an execution against one memory limit, a
#: copy (`objects`) twice: a page of 1,000 would not fit, so a page is small and the response is freed.
PAGE_SIZE = 100
#: The object's name and position, as the item's call passes them (the body's `item` and `index`, a job's
#: last two arguments).
ITEM, INDEX = "${object.name}", "${string(offset + position)}"
#: Iterations at once when the map does not say, by what runs an item: a Cloud Function scales out by
#: itself; each Cloud Batch item boots a VM of its own (the region's CPU quota and the Batch job quota bound
#: them); Dataproc items are jobs sharing one cluster, whose master runs each job's driver. Cloud Workflows
#: runs at most CONCURRENCY_MAX of an execution's branches and iterations at once, so a larger
#: `max_parallel` is cut to it (warning GLC417).
DEFAULT_CONCURRENCY = {"function": 20, "batch": 10, "dataproc": 4}
CONCURRENCY_MAX = WORKFLOWS_CONCURRENCY_MAX
#: The map `main` keeps each mapped node's tally in (by node), returned and raised with `results`.
ITEMS = "items"
#: A mapped node's tally, as `items["<node>"]` holds it: {"listed", "succeeded", "failed", "tolerated",
#: "failures": [{"object", "index", "error"}, ...]}.
TALLY = ("listed", "succeeded", "failed", "tolerated", "failures")
#: Failed objects described one by one in a tally (its `failures`); the rest are counted.
FIRST_FAILURES = 5


def subworkflow_name(node: Node) -> str:
    return f"glacier_map_{node.id}"


def dataset_location(project: Project, node: Node) -> tuple[str, str]:
    """(bucket, prefix) the map lists: the mapped node's dataset's bucket and the prefix of its path."""
    storage = project.storage_named(node.map or "")
    return storage.bucket, prefix(storage.path)


def concurrency(node: Node, runs: str = "function") -> int:
    """The iterations at once of mapped `node` whose items `runs` (a key of DEFAULT_CONCURRENCY)."""
    return min(node.map_limits.max_parallel or DEFAULT_CONCURRENCY[runs], CONCURRENCY_MAX)


def map_step(node: Node, variable: str) -> list[dict]:
    """The steps of `main` running mapped `node`: a call of its subworkflow (whose errors name the node and
    carry the `results` and `items` of the groups before it), whose tally (TALLY) `variable` keeps (a variable
    of its own: parallel branches never assign the same one) and `record_<node>` puts into `items["<node>"]`."""
    key = f"{ITEMS}[{json.dumps(node.id, ensure_ascii=True)}]"
    return [{f"map_{node.id}": {"call": subworkflow_name(node), "result": variable,
                                "args": {"run_id": "${run_id}", "results": "${results}", "items": "${items}"}}},
            {f"record_{node.id}": {"assign": [{key: "${" + variable + "}"}, {variable: None}]}}]


def map_subworkflow(project: Project, node: Node, item_call: dict, retry: dict | None,
                    literal: Callable[[str], str], code: str, runs: str = "function") -> dict:
    """`glacier_map_<node>`: list a page, run its objects in parallel, the next page, then the tally (or the
    error of too many failed objects); `item_call` is the call running one object (given ITEM and INDEX),
    `retry` the task's retry policy (None: no retries), `literal` how a user's string becomes a value, `code`
    the error a failure raises, `runs` what runs an item (its default concurrency)."""
    bucket, start = dataset_location(project, node)
    item: dict = {"try": item_call}
    if retry is not None:
        item["retry"] = retry
    item["except"] = {"as": "e", "steps": _counted_failure()}
    run: dict = {"shared": ["failed", "failures"], "concurrency_limit": concurrency(node, runs),
                 "for": {"value": "object", "index": "position", "in": "${objects}",
                         "steps": [{"run_item": item}]}}
    listing = {"try": {"call": LIST_OBJECTS, "args": {"bucket": literal(bucket), "prefix": literal(start),
                                                        "maxResults": PAGE_SIZE, "pageToken": "${page}"},
                       "result": "listed"},
               "except": {"as": "e", "steps": [{"failed_listing": {"raise": {
                   "code": code, "message": literal(f"{describe(node)} failed: listing "
                                                              f"gs://{bucket}/{start} (dataset `{node.map}`)"),
                   "error": "${e}", "results": "${results}", ITEMS: "${items}"}}}]}}
    steps: list[dict] = [
        {"init": {"assign": [{"page": None}, {"offset": 0}, {"failed": 0}, {"failures": []}]}},
        {"list_page": listing},
        {"page_objects": {"assign": [{"objects": '${default(map.get(listed, "items"), [])}'},
                                     {"page": '${map.get(listed, "nextPageToken")}'}, {"listed": None}]}},
        {"run_page": {"parallel": run}},
        {"next_page": {"assign": [{"offset": "${offset + len(objects)}"}, {"objects": None}]}},
        {"more": {"switch": [{"condition": "${page != null}", "next": "list_page"}]}},
        {"tally": {"assign": [{"tally": {"listed": "${offset}", "succeeded": "${offset - failed}",
                                         "failed": "${failed}", "tolerated": node.map_limits.tolerated_failures or 0,
                                         "failures": "${failures}"}},
                              {f"{ITEMS}[{json.dumps(node.id, ensure_ascii=True)}]": "${tally}"}]}},
        {"tolerated": {"switch": [{"condition": f"${{failed <= {node.map_limits.tolerated_failures or 0}}}",
                                   "next": "done"}]}},
        {"too_many_failed": {"raise": {"code": code, "message": literal(_too_many(node)),
                                       "object": "${failures[0].object}", "error": "${failures[0].error}",
                                       "results": "${results}", ITEMS: "${items}"}}},
        {"done": {"return": "${tally}"}},
    ]
    return {"params": ["run_id", "results", ITEMS], "steps": steps}


def _counted_failure() -> list[dict]:
    """An object's failure (after its retries) is counted, and described while fewer than FIRST_FAILURES are:
    its name, index and the call's error."""
    failure = {"object": "${object.name}", "index": INDEX, "error": "${e}"}
    return [{"count_failed": {"assign": [{"failed": "${failed + 1}"}]}},
            {"keep_failure": {"switch": [{"condition": f"${{len(failures) < {FIRST_FAILURES}}}", "steps": [
                {"described": {"assign": [{"failure": failure},
                                          {"failures": "${list.concat(failures, failure)}"}]}}]}]}}]


def _too_many(node: Node) -> str:
    tolerated = node.map_limits.tolerated_failures
    if not tolerated:
        return f"{describe(node)} failed on an object of dataset `{node.map}`"
    return f"{describe(node)} failed: more than {tolerated} objects of dataset `{node.map}` failed"
