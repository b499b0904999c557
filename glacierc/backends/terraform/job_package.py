"""The job files of an executor whose groups run as jobs outside any function: `jobs/<label>/job.py` (the
cloud-neutral entrypoints/gcp_job.py with its table: `job.py PIPELINE GROUP RUN_ID STAGING_URI` runs the
fused group GROUP, `... ITEM INDEX` one object of a mapped group), each of its pipelines' runners beside it, and what the node installs before it runs them:
`requirements.txt` (the requirement set of those runners, requirements.py) and `glacier_installed.py` (the
check that it is installed already). GCP's Dataproc and Batch jobs and Azure's VM Run Commands run them.
"""

from __future__ import annotations

from collections.abc import Mapping

from glacierc.backends.terraform.entry_module import entry_module, flat_table
from glacierc.backends.terraform.packaging import requirement_files


def job_folder(label: str) -> str:
    return f"jobs/{label}"


def job_path(label: str) -> str:
    return f"{job_folder(label)}/job.py"


def job_runner_path(label: str, pipeline_label: str) -> str:
    return f"{job_folder(label)}/glacier_runner_{pipeline_label}.py"


def job_files(executor: str, location: str, label: str,
              pipelines: Mapping[str, tuple[str, Mapping[str, tuple[str, ...]]]],
              runner_sources: Mapping[str, str] | None) -> dict[str, str]:
    """job.py and the runners of `pipelines` (name -> (pipeline label, {group it leads: nodes}))."""
    if runner_sources is None:
        return {}
    rows = [(name, job_runner_path(label, plabel).rsplit("/", 1)[1], dict(sorted(led.items())))
            for name, (plabel, led) in sorted(pipelines.items())]
    job = entry_module("gcp_job", f"executor {executor} ({location})",
                       {"PIPELINES": flat_table({name: (runner, led) for name, runner, led in rows})})
    runners = {job_runner_path(label, plabel): runner_sources[name]
               for name, (plabel, _) in sorted(pipelines.items()) if name in runner_sources}
    installs = requirement_files({path.rsplit("/", 1)[1]: text for path, text in runners.items()}, runner_sources,
                                 job_folder(label))
    return dict(sorted({job_path(label): job, **runners, **installs}.items()))
