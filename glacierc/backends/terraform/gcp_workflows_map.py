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
next page (`nextPageToken`), until the listing ends.

A failing object raises `glacier.NodeFailed` naming the node, its task and source line, with the object's
name (`object`) and the call's error; with `partitions(tolerated_failures=N)` failures are counted instead
(shared variables of the `parallel` step) and the map fails after the listing when more than N failed.
Strings a user wrote are literals (`literal`); the object names are data the expressions only pass on.
"""

from __future__ import annotations

from collections.abc import Callable

from glacier.datasets import prefix

from glacierc.backends.terraform.orchestration_common import describe
from glacierc.checks.glc417_map_parallelism_capped import WORKFLOWS_CONCURRENCY_MAX
from glacierc.ir.nodes import Node, Project

LIST_OBJECTS = "googleapis.storage.v1.objects.list"
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


def subworkflow_name(node: Node) -> str:
    return f"glacier_map_{node.id}"


def dataset_location(project: Project, node: Node) -> tuple[str, str]:
    """(bucket, prefix) the map lists: the mapped node's dataset's bucket and the prefix of its path."""
    storage = project.storage_named(node.map or "")
    return storage.bucket, prefix(storage.path)


def concurrency(node: Node, runs: str = "function") -> int:
    """The iterations at once of mapped `node` whose items `runs` (a key of DEFAULT_CONCURRENCY)."""
    return min(node.map_limits.max_parallel or DEFAULT_CONCURRENCY[runs], CONCURRENCY_MAX)


def map_step(node: Node) -> dict:
    """The step of `main` running mapped `node`: a call of its subworkflow (whose errors name the node and
    carry the `results` of the groups before it)."""
    return {f"map_{node.id}": {"call": subworkflow_name(node),
                               "args": {"run_id": "${run_id}", "results": "${results}"}}}


def map_subworkflow(project: Project, node: Node, item_call: dict, retry: dict | None,
                    literal: Callable[[str], str], code: str, runs: str = "function") -> dict:
    """`glacier_map_<node>`: list a page, run its objects in parallel, the next page; `item_call` is the call
    running one object (given ITEM and INDEX), `retry` the task's retry policy (None: no retries), `literal`
    how a user's string becomes a value, `code` the error a failure raises, `runs` what runs an item (its
    default concurrency)."""
    bucket, start = dataset_location(project, node)
    tolerated = node.map_limits.tolerated_failures
    cause = f"{describe(node)} failed on an object of dataset `{node.map}`"
    failed: dict = ({"raise": {"code": code, "message": literal(cause), "object": "${object.name}",
                               "error": "${e}", "results": "${results}"}} if not tolerated else
                    {"assign": [{"failures": "${failures + 1}"}, {"last_object": "${object.name}"},
                                {"last_error": "${e}"}]})
    item: dict = {"try": item_call}
    if retry is not None:
        item["retry"] = retry
    item["except"] = {"as": "e", "steps": [{"failed_item": failed}]}
    run: dict = {"concurrency_limit": concurrency(node, runs),
                 "for": {"value": "object", "index": "position", "in": "${objects}",
                         "steps": [{"run_item": item}]}}
    if tolerated:
        run = {"shared": ["failures", "last_object", "last_error"], **run}
    listing = {"try": {"call": LIST_OBJECTS, "args": {"bucket": literal(bucket), "prefix": literal(start),
                                                        "pageToken": "${page}"}, "result": "listed"},
               "except": {"as": "e", "steps": [{"failed_listing": {"raise": {
                   "code": code, "message": literal(f"{describe(node)} failed: listing "
                                                              f"gs://{bucket}/{start} (dataset `{node.map}`)"),
                   "error": "${e}", "results": "${results}"}}}]}}
    steps: list[dict] = [
        {"init": {"assign": [{"page": None}, {"offset": 0}, *([{"failures": 0}, {"last_object": None},
                                                                {"last_error": None}] if tolerated else [])]}},
        {"list_page": listing},
        {"page_objects": {"assign": [{"objects": '${default(map.get(listed, "items"), [])}'}]}},
        {"run_page": {"parallel": run}},
        {"next_page": {"assign": [{"offset": "${offset + len(objects)}"},
                                  {"page": '${map.get(listed, "nextPageToken")}'}]}},
        {"more": {"switch": [{"condition": "${page != null}", "next": "list_page"}]}},
    ]
    if tolerated:
        too_many = f"{describe(node)} failed: more than {tolerated} objects of dataset `{node.map}` failed"
        steps += [{"tolerated": {"switch": [{"condition": f"${{failures <= {tolerated}}}", "next": "end"}]}},
                  {"too_many_failed": {"raise": {"code": code, "message": literal(too_many),
                                                 "object": "${last_object}", "error": "${last_error}",
                                                 "results": "${results}"}}}]
    return {"params": ["run_id", "results"], "steps": steps}

