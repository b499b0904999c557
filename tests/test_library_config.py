"""glacier.config: the catalogue, every declared limit, and the generic checker."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

import glacier.config as config_module
from glacier.config import (
    CATALOGUE,
    Config,
    FieldSpec,
    LambdaConfig,
    LifecycleRule,
    S3Config,
    check_value,
    fields_of,
)

EXPECTED_CLASSES = {
    "AwsConfig", "GcpConfig", "AzureConfig", "LocalConfig",
    "S3Config", "GCSConfig", "AzureBlobConfig", "LifecycleRule",
    "LambdaConfig", "CloudFunctionConfig", "AzureFunctionConfig",
    "EC2Config", "ComputeEngineConfig", "AzureVMConfig",
    "DatabricksConfig", "SparkConfig", "DataprocConfig",
}  # fmt: skip
CLOUDS = {"aws", "gcp", "azure", "local", "any"}
ROLES = {"provider", "storage", "serverless", "vm", "cluster", "rule"}


def make(cls: type[Config], **values: Any) -> Config:
    """An instance of `cls` with placeholder values for its required fields."""
    required = {spec.name: "placeholder" for spec in fields_of(cls) if spec.required}
    return cls(**{**required, **values})


def all_fields() -> list[tuple[type[Config], FieldSpec]]:
    return [(cls, spec) for cls in CATALOGUE.values() for spec in fields_of(cls)]


def field_id(item: tuple[type[Config], FieldSpec]) -> str:
    cls, spec = item
    return f"{cls.__name__}.{spec.name}"


def fields_with(attribute: str) -> list[tuple[type[Config], FieldSpec]]:
    return [(cls, spec) for cls, spec in all_fields() if getattr(spec, attribute) is not None]


def numeric_step(spec: FieldSpec) -> int | float:
    bound = spec.minimum if spec.minimum is not None else spec.maximum
    return 1 if isinstance(bound, int) else 0.5


def assert_rejected(cls: type[Config], name: str, value: object) -> str:
    """`value` is refused by check_value and by the constructor, with the same message."""
    message = check_value(cls, name, value)
    assert message is not None
    assert message.startswith(f"{cls.__name__}.{name} = {value!r} ")
    with pytest.raises(ValueError) as error:
        make(cls, **{name: value})
    assert str(error.value) == message
    return message


# --- the catalogue ----------------------------------------------------------------------------


def test_catalogue_lists_every_config_class_by_name() -> None:
    assert set(CATALOGUE) == EXPECTED_CLASSES
    assert all(CATALOGUE[name].__name__ == name for name in CATALOGUE)


def test_catalogue_holds_every_config_class_of_the_module() -> None:
    declared = {
        name
        for name, value in vars(config_module).items()
        if inspect.isclass(value) and issubclass(value, Config) and value is not Config
    }
    assert declared == set(CATALOGUE)


@pytest.mark.parametrize("cls", CATALOGUE.values(), ids=list(CATALOGUE))
def test_each_class_declares_cloud_role_and_documented_fields(cls: type[Config]) -> None:
    assert cls.CLOUD in CLOUDS
    assert cls.ROLE in ROLES
    assert cls.__doc__
    assert fields_of(cls), "every config class has at least one field"
    for spec in fields_of(cls):
        assert spec.doc, f"{cls.__name__}.{spec.name} has no doc"


@pytest.mark.parametrize("cls", CATALOGUE.values(), ids=list(CATALOGUE))
def test_defaults_construct_and_are_frozen_and_hashable(cls: type[Config]) -> None:
    instance = make(cls)
    for spec in fields_of(cls):
        if not spec.required:
            assert getattr(instance, spec.name) == spec.default
            assert check_value(cls, spec.name, spec.default) is None
    name = fields_of(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(instance, name, getattr(instance, name))
    assert hash(instance) == hash(make(cls))


def test_required_fields_have_missing_default_and_must_be_given() -> None:
    project_id = fields_of("GcpConfig")[0]
    assert project_id.name == "project_id"
    assert project_id.required and project_id.default is dataclasses.MISSING
    with pytest.raises(TypeError, match="project_id"):
        config_module.GcpConfig()  # type: ignore[call-arg]
    assert [spec.name for spec in fields_of("AzureConfig") if spec.required] == ["subscription_id"]


def test_fields_of_accepts_class_or_name_in_declaration_order() -> None:
    assert fields_of("LambdaConfig") == fields_of(LambdaConfig)
    assert [spec.name for spec in fields_of(LambdaConfig)] == [
        "memory", "timeout", "runtime", "ephemeral_storage", "reserved_concurrency",
        "architecture", "log_retention_days",
    ]  # fmt: skip
    with pytest.raises(KeyError, match="NoSuchConfig"):
        fields_of("NoSuchConfig")


def test_secure_storage_defaults() -> None:
    assert S3Config().versioning and S3Config().encryption == "aws:kms"
    assert config_module.GCSConfig().versioning
    blob = config_module.AzureBlobConfig()
    assert blob.versioning and blob.encryption


# --- every limit: one value on the boundary passes, one just past it fails ----------------------


@pytest.mark.parametrize("item", fields_with("minimum"), ids=field_id)
def test_minimum_is_allowed_and_below_it_is_not(item: tuple[type[Config], FieldSpec]) -> None:
    cls, spec = item
    assert check_value(cls, spec.name, spec.minimum) is None
    assert getattr(make(cls, **{spec.name: spec.minimum}), spec.name) == spec.minimum
    message = assert_rejected(cls, spec.name, spec.minimum - numeric_step(spec))  # type: ignore[operator]
    assert str(spec.minimum) in message and spec.unit in message


@pytest.mark.parametrize("item", fields_with("maximum"), ids=field_id)
def test_maximum_is_allowed_and_above_it_is_not(item: tuple[type[Config], FieldSpec]) -> None:
    cls, spec = item
    assert check_value(cls, spec.name, spec.maximum) is None
    assert getattr(make(cls, **{spec.name: spec.maximum}), spec.name) == spec.maximum
    message = assert_rejected(cls, spec.name, spec.maximum + numeric_step(spec))  # type: ignore[operator]
    assert str(spec.maximum) in message and spec.unit in message


@pytest.mark.parametrize("item", fields_with("choices"), ids=field_id)
def test_every_choice_is_allowed_and_others_are_not(item: tuple[type[Config], FieldSpec]) -> None:
    cls, spec = item
    assert spec.choices
    for choice in spec.choices:
        assert check_value(cls, spec.name, choice) is None
    make(cls, **{spec.name: spec.choices[-1]})
    first = spec.choices[0]
    outsider: object = "not-a-choice"
    if not isinstance(first, str):
        outsider = max(int(choice) for choice in spec.choices) + 1  # type: ignore[call-overload]
    message = assert_rejected(cls, spec.name, outsider)
    assert "is not one of" in message and repr(first) in message


@pytest.mark.parametrize("item", all_fields(), ids=field_id)
def test_values_of_a_foreign_type_are_rejected(item: tuple[type[Config], FieldSpec]) -> None:
    cls, spec = item
    message = assert_rejected(cls, spec.name, object())
    assert "has type object, expected" in message


@pytest.mark.parametrize(
    "item", [item for item in all_fields() if isinstance(item[1].default, int | float)], ids=field_id
)
def test_numbers_reject_strings_and_bools(item: tuple[type[Config], FieldSpec]) -> None:
    cls, spec = item
    if isinstance(spec.default, bool):
        assert_rejected(cls, spec.name, 1)
        assert_rejected(cls, spec.name, "true")
    else:
        assert_rejected(cls, spec.name, str(spec.default))
        assert_rejected(cls, spec.name, True)


# --- messages ---------------------------------------------------------------------------------


def test_range_message_names_class_field_value_range_and_unit() -> None:
    expected = "LambdaConfig.memory = 20000 is outside 128..10240 MB"
    assert check_value("LambdaConfig", "memory", 20000) == expected
    with pytest.raises(ValueError, match=expected):
        LambdaConfig(memory=20000)
    assert check_value(LambdaConfig, "timeout", 901) == "LambdaConfig.timeout = 901 is outside 1..900 s"


def test_one_sided_limit_message() -> None:
    assert (
        check_value("LifecycleRule", "expire_days", 0)
        == "LifecycleRule.expire_days = 0 is below the minimum 1 days"
    )


def test_choice_message_lists_allowed_values() -> None:
    message = check_value("S3Config", "encryption", "DES")
    assert message == "S3Config.encryption = 'DES' is not one of 'AES256', 'aws:kms', 'aws:kms:dsse'"


def test_type_message() -> None:
    assert check_value("LambdaConfig", "memory", "1024") == (
        "LambdaConfig.memory = '1024' has type str, expected int"
    )
    assert check_value("LambdaConfig", "reserved_concurrency", "5") == (
        "LambdaConfig.reserved_concurrency = '5' has type str, expected int | None"
    )


def test_unknown_field_message_suggests_the_closest_field() -> None:
    message = check_value("LambdaConfig", "memroy", 1024)
    assert message is not None
    assert message.startswith("LambdaConfig has no field 'memroy' (did you mean 'memory'?)")
    assert check_value("LambdaConfig", "gpu", 1) is not None
    with pytest.raises(TypeError):
        LambdaConfig(memroy=1024)  # type: ignore[call-arg]


def test_optional_fields_accept_none_and_required_ones_do_not() -> None:
    assert check_value("LambdaConfig", "reserved_concurrency", None) is None
    assert check_value("S3Config", "kms_key_id", None) is None
    assert check_value("GcpConfig", "project_id", None) is not None
    assert check_value("LambdaConfig", "memory", None) is not None


def test_real_aws_regions_only() -> None:
    assert check_value("AwsConfig", "region", "eu-west-1") is None
    assert check_value("AwsConfig", "region", "us-gov-west-1") is None
    assert check_value("AwsConfig", "region", "eu-west-9") is not None


# --- nested lifecycle rules -------------------------------------------------------------------


def test_lifecycle_rules_as_dataclasses_dicts_or_lists() -> None:
    rule = LifecycleRule(prefix="logs/", expire_days=30)
    assert S3Config(lifecycle_rules=(rule,)).lifecycle_rules == (rule,)
    from_list = S3Config(lifecycle_rules=[{"prefix": "logs/", "expire_days": 30}])  # type: ignore[arg-type]
    assert from_list.lifecycle_rules == (rule,)
    rules = [{"transition_days": 0, "storage_class": "COLDLINE"}]
    assert check_value("GCSConfig", "lifecycle_rules", rules) is None


def test_invalid_nested_rule_is_reported_with_its_position() -> None:
    message = check_value("S3Config", "lifecycle_rules", [{}, {"expire_days": 0}])
    assert message == "S3Config.lifecycle_rules[1]: LifecycleRule.expire_days = 0 is below the minimum 1 days"
    with pytest.raises(ValueError, match=r"lifecycle_rules\[0\]: LifecycleRule has no field 'days'"):
        S3Config(lifecycle_rules=[{"days": 3}])  # type: ignore[arg-type]
    assert check_value("S3Config", "lifecycle_rules", ["rule"]) is not None
    with pytest.raises(ValueError, match="storage_class"):
        LifecycleRule(storage_class="COLDEST")
