"""storage: the Bucket shim

Task code uses buckets as it does with glacier: scan(), read(), write(frame), get_uri(). Where a
bucket lives is decided per run: with `--data-dir DIR`, bucket b with path p is DIR/b/p; without
it, local buckets use the path in STORAGE (relative to the working directory) and cloud buckets
their real URI, reached with the `--storage-option KEY=VALUE` values.

A prefix storage (a path ending in `/`) is a folder of objects, locally as in an object store: write(frame)
replaces one object below it, PREFIX_OBJECT (`scratch/00000000.parquet`, the key glacier's library writes
too), scan() reads every object below it whose names do not start with `.` (never a staging file), and
get_uri() is a folder, ending in `/`, to write objects into.

A node may read and write only what its executor is granted (ACCESS, the sets its cloud identity gets):
anything else fails the node with AccessRefused, as the cloud would deny it.
"""

import os
import shutil
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # the runner's plan and its other sections: one namespace when laid out
    from glacierc.runtime.commit import STAGING_NAME
    from glacierc.runtime.listing import exact_source
    from glacierc.runtime.plan import ACCESS, NODES, STORAGE
    from glacierc.runtime.run import current_run


#: The object below a prefix storage that `write(frame)` replaces: `<prefix>00000000.<format>`, the name Polars
#: gives the first file of a partitioned sink (glacier.storage.PREFIX_OBJECT, the library's, is the same).
PREFIX_OBJECT = "00000000"


def is_pattern(path):
    """Whether a storage path is a glob (`events/*.parquet`): a dataset of the objects it matches."""
    return any(c in path for c in "*?[")


def is_prefix(path):
    """Whether a storage path names a folder of objects (`events/`), not one file or a glob."""
    return path.endswith("/") and not is_pattern(path)


def written_key(path, file_format):
    """The key `write(frame)` replaces: the path of a file, PREFIX_OBJECT below a prefix."""
    return f"{path}{PREFIX_OBJECT}.{file_format}" if is_prefix(path) else path


class MissingInputError(Exception):
    """Input data is not where this run looks for it."""


class Bucket:
    """One file in a bucket, resolved against the current run."""

    def __init__(self, name):
        spec = STORAGE[name]
        self.name = name
        self.bucket = spec["bucket"]
        self.path = spec["path"]
        self.format = spec["format"]
        self.pattern = is_pattern(self.path)  # a glob matches objects; any other path (a key) names one

    def __repr__(self):
        return f"Bucket({self.location()[0]!r}, format={self.format!r})"

    def location(self):
        """(path or URI, storage options) in the current run; the options are None for local files."""
        return current_run().locate(self.name)

    def get_uri(self):
        """Where the file is in this run. A node that only writes the bucket gets a staging path
        next to the file, which replaces the file when the run succeeds. A prefix's is a folder (ending in
        `/`): the objects written into a staging folder are put below the prefix when the run succeeds."""
        uri = current_run().get_uri(self)
        if not is_prefix(self.path) or is_remote(uri):
            return uri
        if STAGING_NAME.match(os.path.basename(uri.rstrip(os.sep))):
            os.makedirs(uri, exist_ok=True)
        return uri if uri.endswith(os.sep) else uri + os.sep

    def scan(self):
        """A LazyFrame over the file (its declared columns checked first)."""
        frame = current_run().scan(self)
        check_columns(self.name, STORAGE[self.name].get("schema"), frame, writing=False)
        return frame

    def read(self):
        """The whole file as a DataFrame."""
        run = current_run()
        return self.scan().collect(engine=run.engine)

    def write(self, frame):
        """Replace the file with `frame` when the node's level completes; returns the URI."""
        check_columns(self.name, STORAGE[self.name].get("schema"), frame, writing=True)
        return current_run().write(self.written_object(), frame)

    def written_object(self):
        """What write(frame) replaces: this file, or the object PREFIX_OBJECT below a prefix (placed by the run
        as one object of a dataset, through its `key`), so local runs and the cloud write the same key."""
        if not is_prefix(self.path):
            return self
        target = Bucket(self.name)
        target.key = target.path = written_key(self.path, self.format)
        return target


class SchemaMismatch(ValueError):
    """A frame does not match the columns its bucket declares (`schema=`)."""


def check_columns(name, declared, frame, writing):
    """Declared columns present with their dtypes (read), and exactly them (write), as the library checks."""
    if not declared or not isinstance(frame, (pl.DataFrame, pl.LazyFrame)):
        return
    found = {column: str(dtype) for column, dtype in frame.lazy().collect_schema().items()}
    for column, dtype in declared.items():
        if column not in found:
            raise SchemaMismatch(f"storage {name!r}: column {column!r} ({dtype}) is declared but missing; found "
                                 f"{', '.join(found) or 'no columns'}")
        if found[column] != dtype:
            raise SchemaMismatch(f"storage {name!r}: column {column!r} is declared {dtype} but found {found[column]}")
    extra = [column for column in found if column not in declared]
    if writing and extra:
        raise SchemaMismatch(f"storage {name!r}: writing column{'s' * (len(extra) > 1)} "
                             f"{', '.join(map(repr, extra))} that the schema does not declare")


BUCKETS = {name: Bucket(name) for name in STORAGE}


class AccessRefused(PermissionError):
    """A node touched storage its executor is not granted (the cloud would answer AccessDenied)."""


def check_access(node, name, verbs):
    """Refuse unless the executor of `node` is granted one of `verbs` ("reads", "writes") on storage `name`.
    `node` None means no task of the run is calling (a thread of its own): which grants apply is unknown."""
    if node is None:
        raise AccessRefused(f"storage `{name}` was used outside a task's own thread during a run, so the "
                            "runner cannot tell which node's grants apply; use buckets in the task's thread")
    executor = NODES[node]["executor"]
    granted = ACCESS.get(executor, {"reads": (), "writes": ()})
    if any(name in granted[verb] for verb in verbs):
        return
    have = ", ".join(f"{verb} {', '.join(f'`{s}`' for s in granted[verb]) or 'none'}" for verb in ("reads", "writes"))
    wanted = " or ".join(verbs)
    raise AccessRefused(f"node `{node}` {wanted} `{name}`, but its proven access (what the cloud grants executor "
                        f"`{executor}`) is: {have}; missing grant: {wanted} `{name}`. Pass the storage to the "
                        "task as an argument or use it by name in the task's body, so the compiler proves it")


class LocationRefused(Exception):
    """A bucket resolves outside --data-dir (exit status 2 before anything runs)."""


def locate(spec, data_dir, options):
    """(path or URI, storage options or None) of one STORAGE entry."""
    if data_dir is not None:
        path = os.path.join(data_dir, spec["bucket"], *spec["path"].split("/"))
        return inside_data_dir(data_dir, spec, path), None
    if spec["cloud"] == "local":
        return spec["uri"], None
    return spec["uri"], dict(options)


def inside_data_dir(data_dir, spec, path):
    """`path`, refused when it resolves outside `data_dir`: `..`, an absolute bucket, or a symbolic link
    on the way (realpath follows the links of the part that exists and normalises the rest)."""
    root = os.path.realpath(data_dir)
    resolved = os.path.realpath(path)
    if os.path.commonpath([root, resolved]) != root:
        raise LocationRefused(f"bucket `{spec['bucket']}` with path `{spec['path']}` resolves to {resolved}, "
                              f"outside --data-dir {root}; the runner only reads and writes below it")
    return path


def covers(location, uri):
    """Whether `uri` is `location`, or an object below it when `location` is a prefix (ending in a separator)."""
    return uri == location or (location.endswith(("/", os.sep)) and uri.startswith(location))


def is_remote(uri):
    return "://" in uri


def scan_file(uri, file_format, options, exact=False):
    """A LazyFrame over a file, a glob, an object store's prefix or a list of files; `exact`: `uri` names the
    files themselves (a key, the files below a prefix, a written file), whatever characters they hold."""
    source, extra = exact_source(uri, file_format) if exact else (uri, {})
    return getattr(pl, "scan_" + file_format)(source, storage_options=options or None, **extra)


def visible_files(folder, staged):
    """The files below `folder`, sorted by key, at any depth, no part of their keys starting with `.` (staging
    files, hidden folders); a target below it that `staged` (target -> staging file or folder) holds is read
    from its staging file, a staged folder's files merged over the folder's, as committing will put them."""
    files = dict(files_below(folder))
    root = os.path.abspath(folder)
    for target, staging in sorted(staged.items()):
        key = os.path.relpath(os.path.abspath(target), root)
        if key == os.pardir or key.startswith(os.pardir + os.sep):
            continue
        if os.path.isdir(staging):
            files.update((os.path.normpath(os.path.join(key, k)), path) for k, path in files_below(staging))
        elif not any(part.startswith(".") for part in key.split(os.sep)):
            files[key] = staging
    return [files[key] for key in sorted(files)]


def files_below(folder):
    """(key relative to `folder`, path) of every file below it whose key has no part starting with `.`."""
    for directory, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                path = os.path.join(directory, name)
                yield os.path.relpath(path, folder), path


def sink_file(frame, target, file_format, options):
    """A lazy sink (run later by `pl.collect_all`); local files are synced to disk when closed."""
    extra = {} if is_remote(target) else {"sync_on_close": "all"}
    return getattr(frame, "sink_" + file_format)(target, storage_options=options or None, lazy=True, **extra)


def count_rows(uri, file_format, options):
    """Rows of a written file: cheap for parquet and ipc (metadata); local files only otherwise."""
    if is_remote(uri) and file_format not in ("parquet", "ipc"):
        return None
    return scan_file(uri, file_format, options, exact=True).select(pl.len()).collect().item()


def exists(path, pattern):
    """False only when a local path certainly does not exist (a `pattern`'s matches are left to Polars)."""
    return pattern or os.path.exists(path)


def missing_message(name, path):
    spec = STORAGE[name]
    return (f"missing input data: storage `{name}` (bucket `{spec['bucket']}`, path `{spec['path']}`) "
            f"is not at {path}")


def remove_path(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)
