"""The Cloud Workflows steps of a mapped node (`[clean(p) for p in events.partitions()]`): a pure function.

The node's step in `main` calls the subworkflow `glacier_map_<node>`, which lists the dataset's bucket below
its prefix (the part of the path before its first wildcard) with the Cloud Storage connector
`googleapis.storage.v1.objects.list`, one page at a time, and runs each page's objects with a `parallel`
`for` (`concurrency_limit`: the map's `partitions(max_parallel=)`, else DEFAULT_CONCURRENCY, at most
CONCURRENCY_MAX): each iteration is a `try` of one `http.post` of the mapped task's Cloud Function with the
body `{"pipeline", "group", "run_id", "item": <object name>, "index": <its position in the listing>}`,
retried as the task says. The function runs the task on the object when its name matches the dataset's path
(other names under the prefix are skipped) and stages its result as item `<index>` of the node
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
from glacierc.ir.nodes import Node, Project

LIST_OBJECTS = "googleapis.storage.v1.objects.list"
#: Iterations at once when the map does not say; Cloud Workflows runs at most CONCURRENCY_MAX of an
#: execution's branches and iterations at once, so a larger `max_parallel` is cut to it.
DEFAULT_CONCURRENCY, CONCURRENCY_MAX = 20, 20


def subworkflow_name(node: Node) -> str:
    return f"glacier_map_{node.id}"


def dataset_location(project: Project, node: Node) -> tuple[str, str]:
    """(bucket, prefix) the map lists: the mapped node's dataset's bucket and the prefix of its path."""
    storage = project.storage_named(node.map or "")
    return storage.bucket, prefix(storage.path)


def concurrency(node: Node) -> int:
    return min(node.map_limits.max_parallel or DEFAULT_CONCURRENCY, CONCURRENCY_MAX)


def map_step(node: Node) -> dict:
    """The step of `main` running mapped `node`: a call of its subworkflow (whose errors name the node)."""
    return {f"map_{node.id}": {"call": subworkflow_name(node), "args": {"run_id": "${run_id}"}}}


def map_subworkflow(project: Project, node: Node, call: dict, retry: dict | None,
                    literal: Callable[[str], str], code: str) -> dict:
    """`glacier_map_<node>`: list a page, run its objects in parallel, the next page; `call` is the item's
    `http.post` (its body gets `item` and `index`), `retry` the task's retry policy (None: no retries),
    `literal` how a user's string becomes a value, `code` the error a failure raises."""
    bucket, start = dataset_location(project, node)
    tolerated = node.map_limits.tolerated_failures
    cause = f"{describe(node)} failed on an object of dataset `{node.map}`"
    item_call = {**call, "args": {**call["args"], "body": {
        **call["args"]["body"], "item": "${object.name}", "index": "${string(offset + position)}"}}}
    failed: dict = ({"raise": {"code": code, "message": literal(cause), "object": "${object.name}",
                               "error": "${e}"}} if not tolerated else
                    {"assign": [{"failures": "${failures + 1}"}, {"last_object": "${object.name}"},
                                {"last_error": "${e}"}]})
    item: dict = {"try": item_call}
    if retry is not None:
        item["retry"] = retry
    item["except"] = {"as": "e", "steps": [{"failed_item": failed}]}
    run: dict = {"concurrency_limit": concurrency(node),
                 "for": {"value": "object", "index": "position", "in": "${objects}",
                         "steps": [{"run_item": item}]}}
    if tolerated:
        run = {"shared": ["failures", "last_object", "last_error"], **run}
    listing = {"try": {"call": LIST_OBJECTS, "args": {"bucket": literal(bucket), "prefix": literal(start),
                                                        "pageToken": "${page}"}, "result": "listed"},
               "except": {"as": "e", "steps": [{"failed_listing": {"raise": {
                   "code": code, "message": literal(f"{describe(node)} failed: listing "
                                                              f"gs://{bucket}/{start} (dataset `{node.map}`)"),
                   "error": "${e}"}}}]}}
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
                                                 "object": "${last_object}", "error": "${last_error}"}}}]
    return {"params": ["run_id"], "steps": steps}

