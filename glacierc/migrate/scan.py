"""What one module contains in the old API: providers, environments, executors and their uses.

The scan reads the original tree only (positions stay those of the user's file); `plan.py` then
decides what to rewrite. Everything is found through name resolution, never by spelling alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node

from glacierc.migrate.catalogue import (
    ENV_CLASS,
    OLD_PROVIDERS,
    SERVERLESS_CONFIG,
    config_cloud,
    config_role,
)
from glacierc.migrate.cst_edit import keyword, string_value
from glacierc.migrate.resolve import Resolver

EXECUTOR_METHODS = ("local", "serverless", "vm", "cluster")


@dataclass(frozen=True, slots=True)
class ProviderFact:
    var: str
    cloud: str | None  # aws | gcp | azure | local, None when not known statically
    statement: cst.BaseStatement | None  # the module-level statement binding it


@dataclass(frozen=True, slots=True)
class ExecutorFact:
    var: str
    provider: str
    method: str
    config: str | None
    statement: cst.BaseStatement


@dataclass(frozen=True, slots=True)
class EnvFact:
    var: str
    statement: cst.SimpleStatementLine
    call: cst.Call
    provider: str | None  # the provider variable the environment wraps
    provider_expr: cst.BaseExpression | None  # an inline provider, to be bound to `provider`
    resources: tuple[tuple[str, cst.BaseExpression], ...]
    extra: tuple[cst.Arg, ...]  # name=, debug=, ...: no counterpart
    problem: str | None


@dataclass(frozen=True, slots=True)
class TaskSite:
    """`@env.task(...)`, `@task(executor=...)` or `@some_exec.task(executor=...)`."""

    decorator: cst.Decorator
    call: cst.Call | None
    provider: str | None
    label: str
    env: str | None
    problem: str | None


@dataclass(frozen=True, slots=True)
class EnvSite:
    """Any other read of an environment variable; `kind` says which pattern it is."""

    kind: str  # pipeline | get | register | provider | other
    node: cst.CSTNode  # Decorator, Call, statement or Attribute
    env: str
    key: str | None = None  # registry key of get/register
    value: cst.BaseExpression | None = None  # registered value
    what: str = ""


@dataclass(slots=True)
class ModuleFacts:
    providers: dict[str, ProviderFact] = field(default_factory=dict)
    executors: list[ExecutorFact] = field(default_factory=list)
    envs: dict[str, EnvFact] = field(default_factory=dict)
    config_vars: dict[str, str] = field(default_factory=dict)
    tasks: list[TaskSite] = field(default_factory=list)
    env_sites: list[EnvSite] = field(default_factory=list)
    stray: list[tuple[cst.CSTNode, str]] = field(default_factory=list)  # reported, never rewritten

    def provider_of(self, receiver: cst.BaseExpression, resolver: Resolver) -> str | None:
        """The provider variable `receiver` stands for: `provider` or `env.provider`."""
        if isinstance(receiver, cst.Name) and receiver.value in self.providers:
            return receiver.value if resolver.refers_to_global(receiver) else None
        if (
            isinstance(receiver, cst.Attribute)
            and receiver.attr.value == "provider"
            and isinstance(receiver.value, cst.Name)
            and receiver.value.value in self.envs
            and resolver.refers_to_global(receiver.value)
        ):
            return self.envs[receiver.value.value].provider
        return None

    def cloud_of(self, provider: str | None) -> str | None:
        fact = self.providers.get(provider or "")
        return fact.cloud if fact is not None else None


def scan(resolver: Resolver) -> ModuleFacts:
    facts = ModuleFacts()
    for statement in resolver.module.body:
        _scan_statement(statement, facts, resolver)
    for env in facts.envs.values():
        for name in resolver.accesses(env.var):
            _classify_env_use(name, env, facts, resolver)
    resolver.module.visit(_DecoratorScan(facts, resolver))
    return facts


# --- module-level bindings --------------------------------------------------------------------


def single_assignment(statement: cst.BaseStatement) -> tuple[str, cst.BaseExpression] | None:
    """`name = value` / `name: T = value` alone on its line."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        return (target.value, small.value) if isinstance(target, cst.Name) else None
    if isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
        return small.target.value, small.value
    return None


def _scan_statement(statement: cst.BaseStatement, facts: ModuleFacts, resolver: Resolver) -> None:
    binding = single_assignment(statement)
    if binding is None:
        return
    var, call = binding
    if not isinstance(call, cst.Call):
        return
    if resolver.global_bindings(var) != 1:
        return
    callee = resolver.glacier_object(call.func)
    if callee in OLD_PROVIDERS or callee == "Provider":
        facts.providers[var] = ProviderFact(var, _provider_cloud(callee, call, facts, resolver), statement)
    elif callee == ENV_CLASS:
        assert isinstance(statement, cst.SimpleStatementLine)
        facts.envs[var] = _env_fact(var, statement, call, facts, resolver)
    elif callee is not None and config_role(callee) is not None:
        facts.config_vars[var] = callee
    else:
        _scan_executor(var, call, statement, facts, resolver)


def _provider_cloud(callee: str, call: cst.Call, facts: ModuleFacts, resolver: Resolver) -> str | None:
    for arg in call.args:
        if keyword(arg) == "config":
            config = config_class_of(arg.value, facts, resolver)
            return config_cloud(config) if config is not None else None
    return config_cloud(OLD_PROVIDERS[callee]) if callee in OLD_PROVIDERS else None


def config_class_of(value: cst.BaseExpression, facts: ModuleFacts, resolver: Resolver) -> str | None:
    """`LambdaConfig` for `LambdaConfig(...)` or for a module-level variable bound to one."""
    if isinstance(value, cst.Call):
        name = resolver.glacier_object(value.func)
        return name if name is not None and config_role(name) is not None else None
    if isinstance(value, cst.Name) and resolver.refers_to_global(value):
        return facts.config_vars.get(value.value)
    return None


def unbound_config(call: cst.Call, resolver: Resolver) -> str | None:
    """`LambdaConfig` in `LambdaConfig(...)` when nothing binds the name: only glacier's can be meant."""
    func = call.func
    if isinstance(func, cst.Name) and config_role(func.value) is not None and resolver.is_unbound(func):
        return func.value
    return None


def _scan_executor(
    var: str, call: cst.Call, statement: cst.BaseStatement, facts: ModuleFacts, resolver: Resolver
) -> None:
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in EXECUTOR_METHODS:
        return
    provider = facts.provider_of(call.func.value, resolver)
    if provider is None:
        return
    method = call.func.attr.value
    config = None
    for arg in call.args:
        if keyword(arg) == "config":
            config = config_class_of(arg.value, facts, resolver)
    if method == "serverless" and config is None and not any(keyword(a) == "config" for a in call.args):
        config = SERVERLESS_CONFIG.get(facts.cloud_of(provider) or "")
    facts.executors.append(ExecutorFact(var, provider, method, config, statement))


def binding_statement(name: str, resolver: Resolver) -> cst.BaseStatement | None:
    """The module-level statement that binds `name`, if it is bound exactly once."""
    for statement in resolver.module.body:
        binding = single_assignment(statement)
        if binding is not None and binding[0] == name and resolver.global_bindings(name) == 1:
            return statement
    return None


def _env_fact(
    var: str, statement: cst.SimpleStatementLine, call: cst.Call, facts: ModuleFacts, resolver: Resolver
) -> EnvFact:
    provider_arg: cst.Arg | None = None
    resources: list[tuple[str, cst.BaseExpression]] = []
    extra: list[cst.Arg] = []
    problem: str | None = None
    for index, arg in enumerate(call.args):
        name = keyword(arg)
        if arg.star:
            problem = "GlacierEnv(...) is called with * or ** arguments"
        elif name == "provider" or (name is None and index == 0):
            provider_arg = arg
        elif name == "resources":
            entries = _resource_entries(arg.value)
            if entries is None:
                problem = "resources= of GlacierEnv(...) is not a dict literal with string keys"
            resources = entries or []
        else:
            extra.append(arg)
    provider, provider_expr = None, None
    if provider_arg is None:
        problem = problem or "GlacierEnv(...) has no provider= argument"
    elif isinstance(provider_arg.value, cst.Name) and resolver.refers_to_global(provider_arg.value):
        provider = provider_arg.value.value
        if provider not in facts.providers:
            facts.providers[provider] = ProviderFact(provider, None, binding_statement(provider, resolver))
    elif isinstance(provider_arg.value, cst.Call) and "provider" not in resolver.global_names():
        provider, provider_expr = "provider", provider_arg.value
        callee = resolver.glacier_object(provider_arg.value.func) or ""
        facts.providers[provider] = ProviderFact(
            provider, _provider_cloud(callee, provider_arg.value, facts, resolver), None
        )
    else:
        problem = problem or "the provider= of GlacierEnv(...) is neither a variable nor a provider call"
    return EnvFact(var, statement, call, provider, provider_expr, tuple(resources), tuple(extra), problem)


def _resource_entries(value: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]] | None:
    if not isinstance(value, cst.Dict):
        return None
    entries: list[tuple[str, cst.BaseExpression]] = []
    for element in value.elements:
        key = string_value(element.key) if isinstance(element, cst.DictElement) else None
        if key is None:
            return None
        entries.append((key, element.value))
    return entries


# --- uses of an environment -------------------------------------------------------------------


def _classify_env_use(name: cst.Name, env: EnvFact, facts: ModuleFacts, resolver: Resolver) -> None:
    parent = resolver.parent(name)
    if not isinstance(parent, cst.Attribute) or parent.value is not name:
        facts.env_sites.append(EnvSite("other", name, env.var, what=f"`{env.var}` used as a value"))
        return
    attr = parent.attr.value
    call = resolver.parent(parent)
    call = call if isinstance(call, cst.Call) and call.func is parent else None
    if attr in ("task", "pipeline"):
        decorator = resolver.parent(call if call is not None else parent)
        if isinstance(decorator, cst.Decorator):
            _decorator_site(attr, decorator, call, env, facts)
            return
    elif attr == "get" and call is not None:
        key = string_value(call.args[0].value) if len(call.args) == 1 and not call.args[0].keyword else None
        facts.env_sites.append(EnvSite("get", call, env.var, key=key))
        return
    elif attr == "register" and call is not None:
        statement = _register_statement(call, resolver)
        if statement is not None:
            key = string_value(call.args[0].value)
            facts.env_sites.append(EnvSite("register", statement, env.var, key, call.args[1].value))
            return
    elif attr == "provider":
        facts.env_sites.append(EnvSite("provider", parent, env.var))
        return
    facts.env_sites.append(EnvSite("other", parent, env.var, what=f"`{env.var}.{attr}`"))


def _decorator_site(
    attr: str, decorator: cst.Decorator, call: cst.Call | None, env: EnvFact, facts: ModuleFacts
) -> None:
    if attr == "pipeline":
        facts.env_sites.append(EnvSite("pipeline", decorator, env.var))
        return
    label, problem = executor_label(call)
    facts.tasks.append(TaskSite(decorator, call, env.provider, label, env.var, problem or env.problem))


def executor_label(call: cst.Call | None) -> tuple[str, str | None]:
    """The executor string of a task decorator ('local' when absent) and why it is unusable."""
    for arg in call.args if call is not None else ():
        if arg.star:
            return "local", "the task decorator is called with * or ** arguments"
        if keyword(arg) is None:
            return "local", "the task decorator has a positional argument"
        if keyword(arg) == "executor":
            label = string_value(arg.value)
            if label is None:
                return "local", "executor= is not a plain string literal"
            return label, None
    return "local", None


def _register_statement(call: cst.Call, resolver: Resolver) -> cst.SimpleStatementLine | None:
    """The module-level line `env.register("key", value)` standing alone, else None."""
    if len(call.args) != 2 or any(arg.keyword or arg.star for arg in call.args):
        return None
    if string_value(call.args[0].value) is None:
        return None
    expression = resolver.parent(call)
    line = resolver.parent(expression) if isinstance(expression, cst.Expr) else None
    if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and resolver.is_module_level(line):
        return line
    return None


class _DecoratorScan(cst.CSTVisitor):
    """`@task(executor=...)` from glacier and `@some_exec.task(executor=...)`; stray GlacierEnv uses."""

    def __init__(self, facts: ModuleFacts, resolver: Resolver) -> None:
        self.facts = facts
        self.resolver = resolver
        self.env_calls = {env.call for env in facts.envs.values()}

    def visit_Decorator(self, node: cst.Decorator) -> None:
        call = node.decorator
        if not isinstance(call, cst.Call) or not any(keyword(a) == "executor" for a in call.args):
            return
        provider: str | None = None
        problem: str | None = None
        if self.resolver.glacier_object(call.func) == "task":
            providers = sorted(self.facts.providers)
            provider = providers[0] if len(providers) == 1 else None
            if provider is None:
                problem = "the module does not have exactly one provider to create the executor from"
        elif isinstance(call.func, cst.Attribute) and call.func.attr.value == "task":
            owner = call.func.value
            executors = {e.var: e for e in self.facts.executors}
            if isinstance(owner, cst.Name) and owner.value in self.facts.envs:
                return  # found through the environment's uses
            if not (isinstance(owner, cst.Name) and owner.value in executors):
                reason = "executor= on a task decorator whose object is neither a GlacierEnv nor an executor"
                self.facts.stray.append((node, reason))
                return
            provider = executors[owner.value].provider
        else:
            self.facts.stray.append((node, "executor= on a decorator the migration does not know"))
            return
        label, label_problem = executor_label(call)
        self.facts.tasks.append(TaskSite(node, call, provider, label, None, label_problem or problem))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = get_full_name_for_node(node.module) if node.module is not None else None
        if isinstance(node.names, cst.ImportStar) and module is not None and module.startswith("glacier"):
            reason = (
                f"`from {module} import *` stays; import the names you use by name "
                "(old modules such as glacier.providers are gone)"
            )
            self.facts.stray.append((node, reason))

    def visit_Call(self, node: cst.Call) -> None:
        if node in self.env_calls:
            return
        if self.resolver.glacier_object(node.func) == ENV_CLASS:
            self.facts.stray.append((node, "GlacierEnv(...) outside a module-level `name = GlacierEnv(...)`"))
        elif isinstance(node.func, cst.Attribute) and self.resolver.glacier_object(node.func.value) == ENV_CLASS:
            method = node.func.attr.value
            self.facts.stray.append((node, f"GlacierEnv.{method}(...) has no counterpart; create a Provider"))
