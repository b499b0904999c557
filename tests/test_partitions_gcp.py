"""A mapped Cloud Function task on GCP, end to end on this machine: the generated workflow (its map
subworkflow listing the dataset page by page, a `parallel` `for` per page) run by
tests/gcp_workflows_interpreter.py, every `http.post` served by the built function's own `main.py`
(tests/test_gcp_workflows_e2e.py's `Cloud`), the Cloud Storage listing served from the same local files
(`googleapis.storage.v1.objects.list`, two objects a page so the listing takes several). Outputs equal the
local runner's (`glacierc run --data-dir`) on the same files."""

from __future__ import annotations

from pathlib import Path

import hcl2
import polars as pl
import pytest
from gcp_workflows_interpreter import Interpreter, WorkflowError
from test_gcp_workflows_e2e import PLAIN, Cloud, _built, _local_run

from tests.test_partitions_library import write_events

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "partitions" / "gcp_daily" / "pipeline.py"
LIST = "googleapis.storage.v1.objects.list"
PAGE = 2
OUTPUT = Path("glacier-maps-curated") / "daily" / "countries.parquet"


def lister(data: Path, calls: list):
    """objects.list over the local bucket folders: names below `prefix`, sorted, at most `maxResults` (1 to
    1,000) and PAGE a page, as a service may return fewer than asked."""
    def list_objects(args: dict) -> dict:
        assert set(args) == {"bucket", "prefix", "maxResults", "pageToken"}, args
        assert type(args["maxResults"]) is int and 0 < args["maxResults"] <= 1000, args
        calls.append(args)
        root = data / args["bucket"]
        names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        names = [n for n in names if n.startswith(args["prefix"])]
        start, size = int(args["pageToken"] or 0), min(args["maxResults"], PAGE)
        page: dict = {"kind": "storage#objects"}
        if names[start:start + size]:
            page["items"] = [{"bucket": args["bucket"], "name": n} for n in names[start:start + size]]
        if start + size < len(names):
            page["nextPageToken"] = str(start + size)
        return page
    return list_objects


def events(data: Path, bad: tuple[int, ...] = ()) -> None:
    """The day files of tests/test_partitions_library.py (with a file the glob skips and a hidden one) in the
    fixture's bucket; the days in `bad` lack the column the mapped task filters on."""
    write_events(data, count=4)
    (data / "raw").rename(data / "glacier-maps-raw")
    for day in bad:
        path = data / "glacier-maps-raw" / "events" / "2026" / f"day-{day:02}.parquet"
        pl.read_parquet(path).drop("user_id").write_parquet(path)


def execution(module: Path, root: Path, name: str, bad: tuple[int, ...] = ()):
    cloud = Cloud(module, root / name / "data", root / name / "staging")
    events(cloud.data, bad)
    listed: list = []
    interpreter = Interpreter(cloud.definition("daily"), cloud.http, {LIST: lister(cloud.data, listed)},
                              execution_id=f"run-{name}")
    return cloud, interpreter, listed


def local_output(source: Path, root: Path, bad: tuple[int, ...] = ()) -> pl.DataFrame:
    data = root / "data"
    events(data, bad)
    _local_run(source, data)
    return pl.read_parquet(data / OUTPUT)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("gcp_maps")
    module, _ = _built(FIXTURE, root)
    return root, module


def test_the_map_lists_page_by_page_runs_each_object_and_equals_the_local_runner(built, tmp_path):
    root, module = built
    cloud, interpreter, listed = execution(module, root, "ok")
    result = interpreter.run()
    assert (result["pipeline"], result["run_id"], sorted(result["results"])) == ("daily", "run-ok", ["combine"])
    # six objects below the prefix, two a page: three listings, following nextPageToken
    assert [c["pageToken"] for c in listed] == [None, "2", "4"]
    assert {(c["bucket"], c["prefix"]) for c in listed} == {("glacier-maps-raw", "events/2026/")}
    items = [body for label, body, error in cloud.invocations if label == "clean"]
    assert [(b["item"].rsplit("/", 1)[1], b["index"]) for b in items] == [
        (".day-99.parquet.tmp.parquet", "0"), ("day-00.parquet", "1"), ("day-01.parquet", "2"),
        ("day-02.parquet", "3"), ("day-03.parquet", "4"), ("notes.txt", "5")]
    assert interpreter.limits == [20, 20, 20]  # the default concurrency_limit, each page
    assert result["items"] == {"clean": {"listed": 6, "succeeded": 6, "failed": 0, "tolerated": 0, "failures": []}}
    # the objects the glob does not match staged nothing; the others one item each, read back by combine
    staged = sorted(p.name for p in (cloud.staging / "daily_staging" / "run-ok" / "clean").iterdir())
    assert staged == ["1.json", "1.parquet", "2.json", "2.parquet", "3.json", "3.parquet", "4.json", "4.parquet"]
    assert [label for label, _, _ in cloud.invocations][-1] == "combine"
    assert pl.read_parquet(cloud.data / OUTPUT).equals(local_output(FIXTURE, tmp_path))


def test_a_failing_object_fails_the_map_naming_the_node_and_the_object(built):
    root, module = built
    cloud, interpreter, _ = execution(module, root, "bad", bad=(1,))
    with pytest.raises(WorkflowError) as failed:
        interpreter.run()
    error = failed.value.value
    assert error["code"] == "glacier.NodeFailed" and error["object"] == "events/2026/day-01.parquet"
    assert error["message"].startswith("node `clean` (task `clean`, pipeline.py:")
    assert "dataset `events`" in error["message"] and error["error"]["tags"] == ["HttpError"]
    tally = error["items"]["clean"]  # every other object still ran: the map fails once the listing ended
    assert (tally["listed"], tally["succeeded"], tally["failed"], tally["tolerated"]) == (6, 5, 1, 0)
    assert [f["object"] for f in tally["failures"]] == ["events/2026/day-01.parquet"]
    # clean declares retries=1: the object was tried twice; nothing after the map ran
    tries = [b for label, b, e in cloud.invocations if label == "clean" and b["item"].endswith("day-01.parquet")]
    assert len(tries) == 2
    assert "combine" not in [label for label, _, _ in cloud.invocations]


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    root = tmp_path_factory.mktemp("gcp_maps_limited")
    source = root / "pipeline.py"
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "events.partitions()", "events.partitions(max_parallel=3, tolerated_failures=1)")
    # an object that fails, fails in its own run (a lazy plan would fail where it is collected: in combine locally)
    text = text.replace("part.scan().filter(pl.col(\"user_id\").is_not_null())",
                        "part.read().filter(pl.col(\"user_id\").is_not_null()).lazy()")
    source.write_text(text, encoding="utf-8")
    module, _ = _built(source, root)
    return root, module, source


def test_tolerated_failures_leave_objects_out_like_the_local_runner_and_max_parallel_is_the_limit(limited, tmp_path):
    root, module, source = limited
    cloud, interpreter, _ = execution(module, root, "one_bad", bad=(2,))
    result = interpreter.run()
    assert interpreter.limits == [3, 3, 3]
    tally = result["items"]["clean"]  # the execution's result counts the objects and names the failed one
    assert {k: tally[k] for k in ("listed", "succeeded", "failed", "tolerated")} == {
        "listed": 6, "succeeded": 5, "failed": 1, "tolerated": 1}
    (failure,) = tally["failures"]
    assert failure["object"] == "events/2026/day-02.parquet" and failure["index"] == "3"
    assert "user_id" in failure["error"]["body"]
    assert pl.read_parquet(cloud.data / OUTPUT).equals(local_output(source, tmp_path, bad=(2,)))


def test_one_failure_more_than_tolerated_fails_the_map_after_the_listing(limited):
    root, module, _ = limited
    cloud, interpreter, listed = execution(module, root, "two_bad", bad=(0, 3))
    with pytest.raises(WorkflowError) as failed:
        interpreter.run()
    error = failed.value.value
    assert error["code"] == "glacier.NodeFailed" and "more than 1 objects of dataset `events` failed" in error["message"]
    assert error["object"] == "events/2026/day-00.parquet" and len(listed) == 3  # every page ran first, the first failure named
    tally = error["items"]["clean"]
    assert {k: tally[k] for k in ("listed", "succeeded", "failed", "tolerated")} == {
        "listed": 6, "succeeded": 4, "failed": 2, "tolerated": 1}
    assert [(f["object"], f["index"], f["error"]["tags"]) for f in tally["failures"]] == [
        ("events/2026/day-00.parquet", "1", ["HttpError"]), ("events/2026/day-03.parquet", "4", ["HttpError"])]
    assert "combine" not in [label for label, _, _ in cloud.invocations]


def test_the_workflow_may_list_only_the_dataset_prefix_and_items_are_staged_per_node(built):
    _, module = built
    text = (module / "iam.tf").read_text(encoding="utf-8") + (module / "orchestration.tf").read_text(encoding="utf-8")
    resources = {name: body for b in hcl2.loads(text, serialization_options=PLAIN)["resource"]
                 for kind, named in b.items() if kind == "google_storage_bucket_iam_member"
                 for name, body in named.items()}
    listing = resources["daily_workflow_glacier_maps_raw_list"]
    assert listing["role"] == "roles/storage.objectViewer"
    assert listing["member"] == "serviceAccount:${google_service_account.daily_workflow.email}"
    assert listing["condition"][0]["expression"] == (
        'resource.name == "projects/_/buckets/glacier-maps-raw" && '
        'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("events/2026/")')
    writes = next(b for name, b in resources.items() if name.endswith("_daily_staging_write") and "fn" in name)
    assert '/objects/{execution}/clean/' in writes["condition"][0]["expression"]
    reads = next(b for name, b in resources.items() if name.endswith("_daily_staging_read"))
    assert '/objects/{execution}/clean/' in reads["condition"][0]["expression"]
    assert 'objectListPrefix", "").endsWith("/clean/")' in reads["condition"][0]["expression"]


def test_a_chain_of_mapped_tasks_is_one_call_per_object_like_the_local_runner(tmp_path):
    source = tmp_path / "pipeline.py"
    shrink = '\n\n@fn.task(timeout=20)\ndef shrink(frame: pl.LazyFrame) -> pl.LazyFrame:\n    return frame.select("country")\n'
    text = FIXTURE.read_text(encoding="utf-8").replace("\n\n@local_exec.task()", shrink + "\n\n@local_exec.task()", 1)
    source.write_text(text.replace("[clean(p) for p", "[shrink(clean(p)) for p"), encoding="utf-8")
    module, _ = _built(source, tmp_path)
    cloud, interpreter, _ = execution(module, tmp_path, "chain")
    interpreter.run()
    calls = [body for label, body, _ in cloud.invocations if label == "clean"]
    assert len(calls) == 6 and {b["group"] for b in calls} == {"clean"}  # one call per object runs both tasks
    assert "shrink" not in [label for label, _, _ in cloud.invocations]
    staged = sorted(p.relative_to(cloud.staging / "daily_staging" / "run-chain").as_posix()
                    for p in (cloud.staging / "daily_staging" / "run-chain").rglob("*.json"))
    assert staged == [f"shrink/{i}.json" for i in range(1, 5)]
    assert pl.read_parquet(cloud.data / OUTPUT).equals(local_output(source, tmp_path / "local"))
