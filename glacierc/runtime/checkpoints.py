"""checkpoints: results between nodes, stored as data

A node's result is stored as data, never as Python objects, so reading a checkpoint runs no code:
a frame as Parquet, any other value as JSON. Storable values: None, bool, int, float, str, and
lists, tuples and dicts with str keys of storable values or of frames (each nested frame in a
Parquet file of its own). In the JSON every object is a tag: {"dict": {...}}, {"tuple": [...]},
{"float": "nan"} (also "inf", "-inf") and {"frame": [index, lazy]}. Subclasses (named tuples,
enums, bool-like ints) are refused rather than stored as something else.
"""

import json
import math
import os
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.plan import NODES, PIPELINE, PLAN_ID
    from glacierc.runtime.run import Write
    from glacierc.runtime.listing import exact_glob
    from glacierc.runtime.node import staged_stem
    from glacierc.runtime.storage import is_remote, scan_file


class UnstorableValue(Exception):
    """A node's result cannot be stored between nodes (not a frame nor a plain JSON value)."""


def encode_value(value, frames):
    """The JSON form of `value`; frames inside it are appended to `frames` and referenced by index."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind in (pl.DataFrame, pl.LazyFrame):
        frames.append(value)
        return {"frame": [len(frames) - 1, kind is pl.LazyFrame]}
    if kind is list:
        return [encode_value(item, frames) for item in value]
    if kind is tuple:
        return {"tuple": [encode_value(item, frames) for item in value]}
    if kind is dict and all(type(key) is str for key in value):
        return {"dict": {key: encode_value(item, frames) for key, item in value.items()}}
    if kind is dict:
        raise UnstorableValue("a dict with keys that are not str")
    raise UnstorableValue(f"a value of type {kind.__module__}.{kind.__qualname__}")


def decode_value(data, load_frame):
    """The value `encode_value` stored; `load_frame(index, lazy)` reads a nested frame back."""
    if isinstance(data, list):
        return [decode_value(item, load_frame) for item in data]
    if not isinstance(data, dict):
        return data
    if len(data) != 1:
        raise ValueError(f"not a stored value: {sorted(data)}")
    (tag, inner), = data.items()
    if tag == "tuple" and isinstance(inner, list):
        return tuple(decode_value(item, load_frame) for item in inner)
    if tag == "dict" and isinstance(inner, dict):
        return {key: decode_value(item, load_frame) for key, item in inner.items()}
    if tag == "float" and inner in ("nan", "inf", "-inf"):
        return float(inner)
    if tag == "frame" and isinstance(inner, list) and len(inner) == 2 and type(inner[0]) is int:
        return load_frame(inner[0], bool(inner[1]))
    raise ValueError(f"not a stored value: tag {tag!r}")


class Checkpoints:
    """`--checkpoint DIR` (or a cloud function's GLACIER_STAGING_URI): a node's frame result in
    DIR/<stem>.parquet, frames inside another value in DIR/<stem>.<i>.parquet, its record (with a
    plain value's JSON) in DIR/<stem>.json, <stem> the node id escaped (`staged_stem`). `strict`: a
    result another node needs that cannot be stored is an error (cloud functions: that node runs
    elsewhere) instead of being left unsaved.
    Every file is read by its name, never as a glob: DIR holds the pipeline's name and the run's id, and a
    `*` or `[` there must not read the results of another run."""

    def __init__(self, root, options, strict=False):
        self.root = root.rstrip("/") if is_remote(root) else root
        self.options = dict(options) if is_remote(root) else None
        self.strict = strict
        self.only = None  # a fused group in a cloud function: the nodes whose results leave it
        self.stems = {}  # node -> the file stem of its result, when not staged_stem(node) (one item of a map)

    def wants(self, node):
        """Whether `node`'s result is saved (every node's, except within a cloud function's fused group)."""
        return self.only is None or node in self.only

    def path(self, node, suffix):
        stem = self.stems.get(node) or staged_stem(node)
        return f"{self.root}/{stem}{suffix}" if is_remote(self.root) else os.path.join(self.root, stem + suffix)

    def record(self, node):
        if self.strict and NODES.get(node, {}).get("map") and node not in self.stems:
            return {"pipeline": PIPELINE, "plan": PLAN_ID, "node": node, "status": "ok", "kind": "items"}
        path = self.path(node, ".json")
        try:
            if self.options is not None:
                return scan_file(path, "ndjson", self.options, exact=True).collect().row(0, named=True)
            with open(path, encoding="utf-8") as file:
                return json.load(file)
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None

    def valid(self, node):
        record = self.record(node)
        return isinstance(record, dict) and record.get("plan") == PLAN_ID and record.get("status") == "ok"

    def foreign(self, nodes):
        """Nodes whose saved record comes from another build of the pipeline."""
        found = ((n, self.record(n)) for n in nodes)
        return sorted(n for n, r in found if r is not None and (not isinstance(r, dict) or r.get("plan") != PLAN_ID))

    def load(self, node):
        record = self.record(node)
        kind = record["kind"]
        if kind in ("lazy", "frame"):
            return self.load_frame(self.path(node, ".parquet"), kind == "lazy")
        if kind == "value":
            return decode_value(json.loads(record["value"]),
                                lambda index, lazy: self.load_frame(self.path(node, f".{index}.parquet"), lazy))
        if kind == "items":
            return self.load_items(node)
        return None

    def load_items(self, node):
        """A mapped node's result in the cloud: the list of its items' results, staged one per object under
        <node>/<index>.* by the map's child executions, in index order (skipped objects staged nothing)."""
        folder = self.path(node, "")
        items = Checkpoints(folder, self.options or {}, self.strict)
        indexes = [str(index) for index in item_indexes(folder, self.options)]
        items.stems.update((index, index) for index in indexes)  # an index is its own stem
        return [items.load(index) for index in indexes]

    def load_frame(self, path, lazy):
        frame = scan_file(path, "parquet", self.options, exact=True)
        return frame if lazy else frame.collect()

    def frame_write(self, node, value):
        return Write(node, None, self.path(node, ".parquet"), self.options, "parquet", value.lazy())

    def save(self, run, node, value, rows):
        """Save `node`'s record (and the frames inside a plain value; a frame result was written with
        the level's writes). A value that cannot be stored is not saved (--resume runs the node again),
        or raises UnstorableValue when `strict`."""
        kind = output_kind(value)
        record = {"pipeline": PIPELINE, "plan": PLAN_ID, "node": node, "status": "ok", "kind": kind,
                  "rows": rows, "value": ""}
        if kind == "value":
            frames = []
            try:
                record["value"] = json.dumps(encode_value(value, frames), sort_keys=True, allow_nan=False)
            except (UnstorableValue, RecursionError) as error:
                if self.strict and any(node in spec["needs"] for spec in NODES.values()):
                    raise UnstorableValue(f"the result of node `{node}` cannot be stored between nodes: "
                                          f"{error}; return a frame or a plain JSON value") from None
                return
            for index, frame in enumerate(frames):
                self.save_frame(run, self.path(node, f".{index}.parquet"), frame)
        self.save_record(run, self.path(node, ".json"), record)

    def save_frame(self, run, path, frame):
        frame = frame.collect(engine=run.engine) if isinstance(frame, pl.LazyFrame) else frame
        if self.options is not None:
            frame.write_parquet(path, storage_options=self.options or None)
            return
        staging = run.staging_path(path)
        frame.write_parquet(staging)
        os.replace(staging, path)

    def save_record(self, run, path, record):
        if self.options is not None:
            pl.DataFrame([record]).lazy().sink_ndjson(path, storage_options=self.options or None)
            return
        staging = run.staging_path(path)
        with open(staging, "w", encoding="utf-8") as file:
            json.dump(record, file, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(staging, path)


def item_indexes(folder, options):
    """The indexes of the items staged in `folder` (`<index>.json`), sorted; `folder` is a name, not a glob."""
    if options is None:
        names = os.listdir(folder) if os.path.isdir(folder) else []
    else:
        try:
            found = pl.scan_ndjson(f"{exact_glob(folder)}/*.json", storage_options=options or None,
                                   include_file_paths="path")
            names = [path.rsplit("/", 1)[-1] for path in found.select("path").collect()["path"]]
        except (OSError, pl.exceptions.PolarsError):  # nothing staged: the map listed no object
            names = []
    # ASCII digits only: str.isdigit() is true of "²", which int() refuses
    return sorted({int(name[:-5]) for name in names
                   if name.endswith(".json") and name[:-5].isascii() and name[:-5].isdigit()})


def output_kind(value):
    if isinstance(value, pl.LazyFrame):
        return "lazy"
    if isinstance(value, pl.DataFrame):
        return "frame"
    return "none" if value is None else "value"
