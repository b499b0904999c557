"""Every rule module, in code order, and `run_all`: the rules that judge the IR, run over one project.

A rule module is `glcNNN_<name>.py` (see `glacierc/checks/rule.py`). Modules with a `check(project)` judge
the IR here; the others are reported where the fact is found (the loader, the frontend while lowering, the
backends) with their module's `CODE`. Adding a rule is adding its module and its name below.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from glacierc.diagnostics.model import Diagnostic
from glacierc.ir import nodes as ir

RULE_MODULES = (
    "glc001_syntax_error", "glc002_not_static", "glc003_unreadable_source", "glc004_input_too_large",
    "glc005_no_input", "glc006_unresolved_import", "glc007_source_link_outside_project",
    "glc101_provider_class", "glc102_glacier_env", "glc103_string_executor",
    "glc201_dependency_cycle", "glc202_unknown_dependency", "glc203_bad_call", "glc204_unused_task",
    "glc205_unproven_access", "glc206_unused_storage", "glc207_frame_type_mismatch", "glc208_duplicate_name",
    "glc209_not_a_task", "glc210_unsupported_statement", "glc211_read_before_write",
    "glc212_unknown_library_name", "glc213_unknown_attribute", "glc214_unknown_keyword", "glc215_undefined_name",
    "glc216_unused_storage_parameter", "glc217_invalid_schedule", "glc218_partitions_outside_map",
    "glc219_partitions_of_a_file", "glc220_invalid_map_option", "glc223_write_to_a_glob", "glc224_async_task",
    "glc225_generator_task", "glc226_task_called_in_task",
    "glc301_unknown_config_field", "glc302_config_out_of_limits", "glc303_config_wrong_cloud",
    "glc304_missing_config_field", "glc305_config_wrong_role", "glc306_invalid_storage_name",
    "glc307_invalid_storage_path",
    "glc401_unsupported_on_target", "glc402_no_infrastructure", "glc403_cross_provider_access",
    "glc404_conflicting_bucket_config", "glc406_artifact_name_clash",
    "glc407_state_machine", "glc408_gcp_workflow", "glc409_durable_orchestration", "glc410_existing_bucket_settings",
    "glc411_emr_release_python", "glc412_missing_requirements", "glc413_vm_image_not_used",
    "glc414_databricks_runtime_python", "glc415_lambda_too_large", "glc416_batch_instance_type",
    "glc417_map_parallelism_capped",
    "glc501_runner_compile_time_name", "glc502_runner_unknown_argument", "glc503_runner_module_object",
    "glc504_unstorable_boundary_value", "glc505_runner_source_path",
    "glc601_unknown_column", "glc602_missing_join_key", "glc603_write_schema_mismatch",
    "glc604_incompatible_comparison",
)


def rule_modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"glacierc.checks.{name}") for name in RULE_MODULES)


def run_all(project: ir.Project) -> list[Diagnostic]:
    """The diagnostics of every rule module that judges the IR, in code order."""
    return [d for module in rule_modules() if hasattr(module, "check") for d in _checked(module, project)]


def _checked(module: ModuleType, project: ir.Project) -> Iterator[Diagnostic]:
    yield from module.check(project)
