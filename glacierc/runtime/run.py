"""the run: where buckets live, pending and staged writes

Local writes go to hidden staging files next to their targets, which later nodes of the run read,
and replace the targets only when the whole run succeeded (with --checkpoint: when their level did).
A failed run removes its staging files: it leaves no partial output. Task code reaches the run it is
part of through `current_run()`. While a run executes, each bucket use is checked against the calling
node's executor's grants (storage.check_access).
"""

import os
import threading
import uuid
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.checkpoints import Checkpoints
    from glacierc.runtime.commit import CommitFailed, LIVE_RUNS, commit_moves, recover, staging_name
    from glacierc.runtime.mapping import partition_spec
    from glacierc.runtime.plan import NODES, STORAGE
    from glacierc.runtime.storage import MissingInputError, check_access, count_rows, covers, exists, locate, missing_message, remove_path, scan_file, sink_file, visible_files


class Write:
    def __init__(self, node, storage, uri, options, file_format, frame):
        self.node, self.storage, self.uri, self.options = node, storage, uri, options
        self.format, self.frame, self.target, self.rows = file_format, frame, None, None


class Run:
    """One run: where buckets live, pending and staged writes, checkpoints."""

    def __init__(self, data_dir=None, storage_options=None, engine="auto", checkpoint=None,
                 commit_each_level=False, strict=False):
        self.data_dir = data_dir
        self.options = dict(storage_options or {})
        self.engine = engine
        self.checkpoints = Checkpoints(checkpoint, self.options, strict) if checkpoint else None
        self.commit_each_level = commit_each_level or checkpoint is not None
        self.retry_in_process = True  # a cloud function leaves retries to its state machine
        self.item = None  # (node, key): a cloud function running one object of a mapped node
        self.chained = {}  # node -> its Result, computed by its chain of mapped tasks (mapping.call_mapped)
        self.token = uuid.uuid4().hex[:12]
        LIVE_RUNS.add(self.token)
        self.committed = []
        self.lock = threading.RLock()
        self.context = threading.local()
        self.pending, self.direct, self.staged = [], {}, {}
        self.temporary, self.created, self.written = [], [], []

    def locate(self, name):
        return locate(STORAGE[name], self.data_dir, self.options)

    def place(self, bucket):
        """Where a bucket of task code is in this run: its storage's location, or one object's of a dataset."""
        key = getattr(bucket, "key", None)
        spec = STORAGE[bucket.name] if key is None else partition_spec(bucket.name, key)
        return locate(spec, self.data_dir, self.options)

    def node(self):
        return getattr(self.context, "node", None)

    def guard(self, name, verbs):
        """While this run executes, the calling node's executor must be granted one of `verbs` on `name`."""
        if ACTIVE["run"] is self:
            check_access(self.node(), name, verbs)

    def get_uri(self, bucket):
        self.guard(bucket.name, ("reads", "writes"))
        uri, options = self.place(bucket)
        if options is not None:
            return uri
        self.flush_own(uri)
        node = self.node()
        spec = NODES[node] if node is not None else {"writes": (), "reads": ()}
        if bucket.name in spec["writes"] and bucket.name not in spec["reads"] and uri not in self.staged:
            staging = self.staging_path(uri)
            with self.lock:
                self.direct.setdefault(node, []).append((bucket.name, uri, staging))
            return staging
        return self.staged.get(uri, uri)

    def scan(self, bucket):
        self.guard(bucket.name, ("reads",))
        uri, options = self.place(bucket)
        self.flush_own(uri)
        if options is not None:
            return scan_file(uri, bucket.format, options, exact=not bucket.pattern)
        if uri.endswith(os.sep):  # a prefix storage: the objects below it, this run's staged ones included
            files = visible_files(uri, self.staged)
            if not files:
                raise MissingInputError(missing_message(bucket.name, uri))
            return scan_file(files, bucket.format, None, exact=True)
        path = self.staged.get(uri, uri)
        if not exists(path, bucket.pattern):
            raise MissingInputError(missing_message(bucket.name, path))
        return scan_file(path, bucket.format, None, exact=not bucket.pattern)

    def write(self, bucket, frame):
        if not isinstance(frame, (pl.DataFrame, pl.LazyFrame)):
            raise TypeError(f"Bucket.write() expects a DataFrame or LazyFrame, got {type(frame).__name__}")
        self.guard(bucket.name, ("writes",))
        uri, options = self.place(bucket)
        with self.lock:
            self.pending.append(Write(self.node(), bucket.name, uri, options, bucket.format, frame.lazy()))
        return uri

    # ---- staging and committing ------------------------------------------------------------------
    def staging_path(self, target):
        head, tail = os.path.split(os.path.abspath(target))
        self.make_dirs(head)
        with self.lock:
            path = os.path.join(head, staging_name(tail, self.token, len(self.temporary)))
            self.temporary.append(path)
        return path

    def journal_dir(self):
        return os.path.abspath(self.data_dir or os.curdir)

    def recover(self):
        """Before a run: finish or undo the commits of killed runs, remove their staging files."""
        directories = []
        for name in STORAGE:
            uri, options = self.locate(name)
            if options is None and not any(c in os.path.dirname(uri) for c in "*?["):
                directories += [os.path.dirname(os.path.abspath(uri)), os.path.abspath(uri)]
        if self.checkpoints is not None and self.checkpoints.options is None:
            directories.append(os.path.abspath(self.checkpoints.root))
        return recover(self.journal_dir(), directories)

    def make_dirs(self, directory):
        missing = []
        while directory and not os.path.isdir(directory):
            missing.append(directory)
            directory = os.path.dirname(directory)
        for path in reversed(missing):
            os.makedirs(path, exist_ok=True)
            with self.lock:
                self.created.append(path)

    def flush_own(self, uri):
        """A node reading a bucket it has written earlier sees its own write (below a prefix: its writes there)."""
        node = self.node()
        with self.lock:
            own = [w for w in self.pending if w.node == node and covers(uri, w.uri)]
            self.pending = [w for w in self.pending if w not in own]
        if own:
            self.flush(own)

    def take_pending(self):
        with self.lock:
            pending, self.pending = self.pending, []
        return pending

    def discard(self, node):
        with self.lock:
            self.pending = [w for w in self.pending if w.node != node]
            for _, _, staging in self.direct.pop(node, ()):
                remove_path(staging)

    def settle_direct(self, node):
        """Files a node wrote itself to a staging path from get_uri() become staged writes."""
        with self.lock:
            handed_out = self.direct.pop(node, ())
        for storage, uri, staging in handed_out:
            if os.path.lexists(staging):
                with self.lock:
                    self.staged[uri] = staging
                rows = count_rows(staging, STORAGE[storage]["format"], None) if os.path.isfile(staging) else None
                self.written.append((node, storage, uri, rows))

    def flush(self, writes, collects=()):
        """Run the sinks of `writes` and the queries `collects` in one `pl.collect_all`."""
        plans = []
        for write in writes:
            write.target = write.uri if write.options is not None else self.staging_path(write.uri)
            plans.append(sink_file(write.frame, write.target, write.format, write.options))
        frames = pl.collect_all([*plans, *collects], engine=self.engine) if plans or collects else []
        for write in writes:
            write.rows = count_rows(write.target, write.format, write.options)
            if write.options is None:
                with self.lock:
                    self.staged[write.uri] = write.target
            if write.storage is not None:
                self.written.append((write.node, write.storage, write.uri, write.rows))
        return frames[len(plans):]

    def commit(self):
        """Move every staged file over its target, all or nothing (CommitFailed says what was done)."""
        with self.lock:
            staged, self.staged = sorted(self.staged.items()), {}
            temporary, self.temporary = self.temporary, []
        try:
            self.committed += commit_moves(self.journal_dir(), self.token, staged)
        except CommitFailed as failed:
            failed.committed = sorted({*self.committed, *failed.committed})
            if failed.undone:
                for path in temporary:
                    remove_path(path)
            raise
        except BaseException:  # stopped by a signal: commit_moves undid its moves
            for path in temporary:
                remove_path(path)
            raise
        for path in temporary:
            remove_path(path)

    def rollback(self):
        with self.lock:
            temporary, self.temporary, self.staged, self.pending = self.temporary, [], {}, []
        for path in temporary:
            remove_path(path)
        for directory in reversed(self.created):
            try:
                os.rmdir(directory)
            except OSError:
                pass


ACTIVE = {"run": None, "default": None}


def current_run():
    """The run task code is part of: the active one, else the one `configure()` set up."""
    if ACTIVE["run"] is not None:
        return ACTIVE["run"]
    if ACTIVE["default"] is None:
        ACTIVE["default"] = Run()
    return ACTIVE["default"]


def configure(data_dir=None, storage_options=None, engine="auto"):
    """Where buckets resolve when this module's tasks are called outside a run (e.g. imported)."""
    ACTIVE["default"] = Run(data_dir, storage_options, engine)
    return ACTIVE["default"]
