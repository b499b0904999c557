"""What the entry modules of serverless functions share.

The event checked, the node or fused group it names chosen among the task's, the pipeline's runner loaded
and run.

The Lambda `handler.py`, the Cloud Functions `main.py` and the Azure Functions `function_app.py` each hold
this module's code after their own (glacierc/backends/terraform/entry_module.py lays it out there, its
imports merged with theirs); their fixed modules import its names under `TYPE_CHECKING` only.
"""

import functools
import importlib.util
import pathlib
import threading

#: The keys an event to a task's function may hold (item, index: one object of a map); it selects among the
#: nodes of the function and nothing else.
EVENT_KEYS = ("pipeline", "node", "group", "run_id", "item", "index")

#: The runner keeps the active run per process: the runs of one process take turns.
_RUNNING = threading.Lock()


def run_task(task, event, pipelines, groups, keys=EVENT_KEYS):
    """Run the node (or the fused group) of task `task` that `event` names; `pipelines`: the task's row of
    TASKS (pipeline -> its runner module, the task's nodes in it), `groups`: pipeline -> the fused groups
    the task's function leads -> their nodes, `keys`: the keys the event may hold."""
    event = _checked(event, keys)
    pipeline = event.get("pipeline") or _only(task, sorted(pipelines), "pipeline")
    if pipeline not in pipelines:
        raise RuntimeError(f"task {task!r} is not part of pipeline {pipeline!r}")
    runner, nodes = pipelines[pipeline]
    if "group" in event:
        group = groups.get(pipeline, {}).get(event["group"])
        if group is None:
            raise RuntimeError(f"refused event: group {event['group']!r} is not run by this function; it runs "
                               f"{sorted(groups.get(pipeline, {}))}")
        with _RUNNING:
            return _runner(runner, pipeline).run_group(group, event, retry_in_process=False)
    node = event.get("node") or _only(task, nodes, "node")
    if node not in nodes:
        raise RuntimeError(f"refused event: node {node!r} is not run by this function; it runs {list(nodes)}")
    with _RUNNING:
        return _runner(runner, pipeline).run_node(node, event)


def _checked(event, keys):
    """`event` as a dict of strings with allowed keys, or a RuntimeError naming what was refused."""
    event = {} if event is None else event
    if not isinstance(event, dict):
        raise RuntimeError(f"refused event: expected a JSON object, got {type(event).__name__}")
    extra = sorted(repr(key) for key in event if key not in keys)
    if extra:
        raise RuntimeError(f"refused event keys {', '.join(extra)}: an event may only hold "
                           f"{', '.join(keys)}; locations come from the function's configuration")
    for key, value in sorted(event.items()):
        if not isinstance(value, str):
            raise RuntimeError(f"refused event: `{key}` must be a string, got {type(value).__name__}")
    return event


def _only(task, choices, what):
    if len(choices) != 1:
        raise RuntimeError(f"task {task!r}: name the {what} in the event, one of {list(choices)}")
    return choices[0]


def _runner(runner, pipeline):
    if runner is None:
        raise RuntimeError(
            f"the runner of pipeline {pipeline!r} was not bundled into this function's package; "
            "build it with `glacierc build`, which bundles the runners into the packages"
        )
    return _load(runner)


@functools.cache  # a warm instance reuses the runner it loaded
def _load(relative):
    path = pathlib.Path(__file__).parent / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
