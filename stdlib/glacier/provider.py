"""The one `Provider` class: its config decides the cloud of every resource it creates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glacier.config import CATALOGUE, AzureBlobConfig, Config, GCSConfig, S3Config
from glacier.execution import ExecutionResource
from glacier.storage import Bucket

#: Storage config a bucket gets when none is given (secure defaults of each cloud).
DEFAULT_STORAGE: dict[str, type[Config]] = {
    "aws": S3Config,
    "gcp": GCSConfig,
    "azure": AzureBlobConfig,
}


class Provider:
    """Creates storage and execution resources on the cloud named by its config."""

    __slots__ = ("config",)

    def __init__(self, config: Config) -> None:
        _check_role(config, "provider", "Provider(config=...)")
        self.config = config

    def __repr__(self) -> str:
        return f"Provider(config={self.config!r})"

    @property
    def cloud(self) -> str:
        """'aws', 'gcp', 'azure' or 'local'."""
        return self.config.CLOUD

    def bucket(
        self,
        bucket: str,
        path: str,
        format: str | None = None,
        config: Config | None = None,
        schema: Mapping[str, Any] | None = None,
        *,
        storage_options: Mapping[str, str] | None = None,
        existing: bool = False,
    ) -> Bucket:
        """A file `path` in `bucket`; `format` defaults to the path suffix. `schema` (column name to Polars
        dtype, or a `pl.Schema`) is the data's declared contract, checked at `scan()`/`read()`/`write()`.
        `existing=True` adopts a bucket that already exists: the compiler generates a data source instead of
        the bucket and its settings (the owner's); at run time it changes nothing."""
        if config is None and self.cloud in DEFAULT_STORAGE:
            config = DEFAULT_STORAGE[self.cloud]()
        elif config is not None:
            self._check_resource_config(config, "storage", "bucket")
        return Bucket(self, bucket, path, format, config, schema, storage_options=storage_options)

    def local(self) -> ExecutionResource:
        """Run tasks in the current Python process."""
        return ExecutionResource("local", self)

    def serverless(self, *, config: Config) -> ExecutionResource:
        """Lambda, Cloud Function or Azure Function, as the config says."""
        return self._execution("serverless", config)

    def vm(self, *, config: Config) -> ExecutionResource:
        """EC2, Compute Engine or Azure VM, as the config says."""
        return self._execution("vm", config)

    def cluster(self, *, config: Config) -> ExecutionResource:
        """Databricks, Spark (EMR / Dataproc / HDInsight) or Dataproc, as the config says."""
        return self._execution("cluster", config)

    def _execution(self, kind: str, config: Config) -> ExecutionResource:
        self._check_resource_config(config, kind, kind)
        return ExecutionResource(kind, self, config)  # type: ignore[arg-type]

    def _check_resource_config(self, config: Config, role: str, method: str) -> None:
        """Right role, and a cloud of this provider (a local provider accepts every cloud)."""
        _check_role(config, role, f"provider.{method}(config=...)")
        if self.cloud == "local" or config.CLOUD in ("any", self.cloud):
            return
        raise ValueError(
            f"{type(config).__name__} belongs to cloud {config.CLOUD!r} but this provider is "
            f"{self.cloud!r} ({type(self.config).__name__}); use {_names(role, self.cloud)}"
        )


def _check_role(config: object, role: str, where: str) -> None:
    if not isinstance(config, Config):
        raise TypeError(f"{where} expects a config object of glacier.config, got {config!r}")
    if config.ROLE != role:
        raise ValueError(
            f"{where} needs a {role} config ({_names(role, sep=', ')}), "
            f"got {type(config).__name__} (a {config.ROLE} config)"
        )


def _names(role: str, cloud: str | None = None, sep: str = " or ") -> str:
    """Names of the config classes of `role` usable on `cloud` (all clouds when None)."""
    return sep.join(
        name
        for name, cls in CATALOGUE.items()
        if cls.ROLE == role and (cloud is None or cls.CLOUD in ("any", cloud))
    )
