"""The cloud-neutral package helpers: entry function names, shared runner files, content names."""

from __future__ import annotations

import keyword

from glacierc.backends.terraform.packaging import (
    ENTRY_MAX,
    PipelineEntry,
    TaskEntry,
    content_name,
    entry_names,
    shared_runner_files,
    task_entries,
)


def test_entry_names_are_prefixed_identifiers() -> None:
    assert entry_names(["clean", "class_", "_2nd", "run"]) == {
        "clean": "task_clean", "class_": "task_class_", "_2nd": "task__2nd", "run": "task_run"}


def test_long_entry_names_fit_the_lambda_handler_and_stay_distinct() -> None:
    stem = "a" * 200
    names = entry_names([stem + "x", stem + "y", "b" * (ENTRY_MAX - 5)])
    assert len(set(names.values())) == 3
    for name in names.values():
        assert name.isidentifier() and not keyword.iskeyword(name) and len(name) <= ENTRY_MAX
    assert names["b" * (ENTRY_MAX - 5)] == "task_" + "b" * (ENTRY_MAX - 5)


def test_task_entries_keep_the_order_given() -> None:
    entries = {"b": (PipelineEntry("p", None, ("b",)),)}
    assert task_entries(["b", "a"], {"a": "a", "b": "b"}, entries) == (
        TaskEntry("b", "task_b", entries["b"]), TaskEntry("a", "task_a", ()))


def test_shared_runner_files_hold_each_runner_once() -> None:
    daily, rescore = (PipelineEntry(n, f"glacier_runners/{n}.py", (n,)) for n in ("daily", "rescore"))
    tasks = (TaskEntry("parse", "task_parse", (daily, rescore)), TaskEntry("score", "task_score", (daily,)),
             TaskEntry("local", "task_local", (PipelineEntry("other", None, ("local",)),)))
    assert shared_runner_files(tasks, {"daily": "D", "rescore": "R", "other": "O"}) == {
        "glacier_runners/daily.py": "D", "glacier_runners/rescore.py": "R"}


def test_content_name_changes_with_the_content() -> None:
    assert content_name("fn", b"a") != content_name("fn", b"b")
    assert content_name("fn", b"a").startswith("fn-") and content_name("fn", b"a").endswith(".zip")
