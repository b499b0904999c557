"""Decisions: which executor each old task decorator binds to, which registry keys become
variables, which environments disappear, and where new declarations go.

Planning runs on the original tree. An environment is removed only when every use of it is
migrated; otherwise it stays (with whatever of it could not be migrated) and is reported. Which
environments stay is known only once everything else is planned, so planning runs twice when
one does: the second time, what only works without the environment (its `resources=` entries,
an inline provider) is left with it.
"""

from __future__ import annotations

import keyword as pykeyword
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import libcst as cst

from glacierc.frontend.executor_strings import ExecutorSpec, executor_spec
from glacierc.migrate.catalogue import PIPELINE_ARGS, TASK_ARGS
from glacierc.migrate.cst_edit import StatementAction, keyword
from glacierc.migrate.env import env_statement_rewrite, register_rewrite
from glacierc.migrate.resolve import Resolver
from glacierc.migrate.scan import EnvFact, EnvSite, ModuleFacts, TaskSite


@dataclass(frozen=True, slots=True)
class DecoratorRewrite:
    target: str  # executor variable, or "pipeline"
    keep: frozenset[str]  # decorator arguments that survive


@dataclass(slots=True)
class Plan:
    decorators: dict[cst.Decorator, DecoratorRewrite] = field(default_factory=dict)
    gets: dict[cst.Call, str] = field(default_factory=dict)
    provider_attrs: dict[cst.Attribute, str] = field(default_factory=dict)
    statements: dict[cst.BaseStatement, StatementAction] = field(default_factory=dict)
    imports: set[tuple[str, str]] = field(default_factory=set)
    notes: list[tuple[cst.CSTNode, str]] = field(default_factory=list)

    def act(self, statement: cst.BaseStatement, action: StatementAction) -> None:
        previous = self.statements.get(statement)
        self.statements[statement] = action if previous is None else previous.merged(action)


def make_plan(facts: ModuleFacts, resolver: Resolver) -> Plan:
    """Plan once; if some environment must stay, plan again knowing that (see the module doc)."""
    first = _Planner(facts, resolver, frozenset())
    first.run()
    if not first.kept:
        return first.plan
    second = _Planner(facts, resolver, frozenset(first.kept))
    second.run()
    return second.plan


class _Planner:
    def __init__(self, facts: ModuleFacts, resolver: Resolver, kept: frozenset[str]) -> None:
        self.facts = facts
        self.resolver = resolver
        self.plan = Plan()
        self.claimed: set[str] = set(resolver.global_names() | resolver.all_names())
        self.blocked: dict[str, list[tuple[cst.CSTNode, str]]] = defaultdict(list)
        self.forced = kept  # environments known to stay (second pass)
        self.kept: set[str] = set()
        self.envs = {var: self._effective(env) for var, env in facts.envs.items()}
        self.new_executors: dict[tuple[str, str, str | None], str] = {}
        self.declarations: dict[str, list[tuple[str, ExecutorSpec]]] = defaultdict(list)

    def _effective(self, env: EnvFact) -> EnvFact:
        if env.var in self.forced and env.problem is None and env.provider_expr is not None:
            problem = "the environment wraps an inline provider and has uses that cannot be migrated"
            return replace(env, problem=problem)
        return env

    def run(self) -> None:
        for site in sorted(self.facts.tasks, key=lambda s: self.resolver.position(s.decorator)):
            self._task(site)
        for other in self._sites("other"):
            self._block(other.env, other.node, f"{other.what} has no counterpart in the language")
        for pipeline in self._sites("pipeline"):
            self._pipeline(pipeline)
        self._registry()
        for attribute in self._sites("provider"):
            self._provider_attr(attribute)
        self._declarations()
        for env in self.envs.values():
            self._env_statement(env)
        for node, reason in self.facts.stray:
            self.plan.notes.append((node, f"not migrated: {reason}"))
        for env_var, items in self.blocked.items():
            self.plan.notes.extend((node, f"not migrated: {reason}") for node, reason in items)
            if env_var:
                self.kept.add(env_var)

    def _sites(self, kind: str) -> list[EnvSite]:
        return [site for site in self.facts.env_sites if site.kind == kind]

    def _block(self, env: str | None, node: cst.CSTNode, reason: str) -> None:
        self.blocked[env or ""].append((node, reason))

    # --- tasks -----------------------------------------------------------------------------

    def _task(self, site: TaskSite) -> None:
        env = self.envs.get(site.env or "")
        problem = site.problem or (env.problem if env is not None else None)
        var = None
        if problem is None and site.provider is None:
            problem = "the task's provider is not known"
        if problem is None:
            spec = executor_spec(site.label, self.facts.cloud_of(site.provider))
            var, problem = (None, spec) if isinstance(spec, str) else self._executor(site, spec)
        if problem is not None or var is None:
            self._block(site.env, site.decorator, problem or "no executor")
            return
        self.plan.decorators[site.decorator] = DecoratorRewrite(var, TASK_ARGS)
        self._dropped_args(site.call, TASK_ARGS | {"executor"}, "the task decorator")

    def _executor(self, site: TaskSite, spec: ExecutorSpec) -> tuple[str | None, str | None]:
        """The variable of the executor for `spec` on the site's provider, reused or new."""
        provider = site.provider or ""
        key = (provider, spec.method, spec.config)
        existing = [e for e in self.facts.executors if (e.provider, e.method, e.config) == key]
        if key in self.new_executors:
            var, anchor = self.new_executors[key], self._anchor(provider)
        elif existing:
            named = [e for e in existing if e.var == spec.var]
            if not named and len(existing) > 1:
                names = ", ".join(f"`{e.var}`" for e in existing)
                return None, f"several executors could run it ({names}); choose one by hand"
            var, anchor = (named or existing)[0].var, (named or existing)[0].statement
        else:
            var, anchor = None, self._anchor(provider)
            if anchor is None:
                return None, f"the provider `{provider}` is not bound by one module-level statement"
            if spec.config is not None and not self.resolver.importable(spec.config, "glacier.config"):
                return None, f"the name {spec.config} is already used for something else"
        if anchor is not None and self.resolver.position(anchor) >= self.resolver.position(site.decorator):
            return None, f"the executor would be declared after this task (provider `{provider}` comes later)"
        new = var is None
        var = var or self._fresh(spec.var, provider)
        if not self.resolver.free_at(site.decorator, var):
            return None, f"`{var}` means something else where this task is defined"
        if new:
            self.claimed.add(var)
            self.new_executors[key] = var
            self.declarations[provider].append((var, spec))
            if spec.config is not None:
                self.plan.imports.add(("glacier.config", spec.config))
        return var, None

    def _anchor(self, provider: str) -> cst.BaseStatement | None:
        """Where new executors of `provider` are declared: its environment, else its binding."""
        fact = self.facts.providers.get(provider)
        bound = fact.statement if fact is not None else None
        for env in sorted(self.envs.values(), key=lambda e: self.resolver.position(e.statement)):
            usable = env.provider == provider and env.problem is None
            if usable and (bound is None or self.resolver.position(bound) < self.resolver.position(env.statement)):
                return env.statement
        if bound is None or not self.resolver.is_module_level(bound):
            return None
        return self._after_executors(provider, bound)

    def _after_executors(self, provider: str, bound: cst.BaseStatement) -> cst.BaseStatement:
        """The provider's last executor declared before its first task, so new ones join them."""
        position = self.resolver.position
        sites = [position(s.decorator) for s in self.facts.tasks if s.provider == provider]
        first_site = min(sites, default=(10**9, 0))
        statements = [
            e.statement for e in self.facts.executors
            if e.provider == provider and self.resolver.is_module_level(e.statement)
            and position(bound) < position(e.statement) < first_site
        ]
        return max(statements, key=position, default=bound)

    def _fresh(self, base: str, provider: str) -> str:
        """The first unused name among `base`, `provider_base`, `base_2`, ... (not claimed yet)."""
        candidates = [base, f"{provider}_{base}"] + [f"{base}_{n}" for n in range(2, 100)]
        return next(c for c in candidates if c not in self.claimed)

    def _dropped_args(self, call: cst.Call | None, allowed: Iterable[str], where: str) -> None:
        for arg in call.args if call is not None else ():
            name = keyword(arg)
            if name is not None and name not in allowed:
                self.plan.notes.append((arg, f"dropped {name}= of {where}: it has no such argument now"))

    # --- pipelines, provider attributes ----------------------------------------------------

    def _pipeline(self, site: EnvSite) -> None:
        if not self.resolver.importable("pipeline", "glacier") or not self.resolver.free_at(site.node, "pipeline"):
            self._block(site.env, site.node, "the name `pipeline` is already used for something else")
            return
        assert isinstance(site.node, cst.Decorator)
        self.plan.decorators[site.node] = DecoratorRewrite("pipeline", PIPELINE_ARGS)
        self.plan.imports.add(("glacier", "pipeline"))
        call = site.node.decorator if isinstance(site.node.decorator, cst.Call) else None
        self._dropped_args(call, PIPELINE_ARGS, "the pipeline decorator")

    def _provider_attr(self, site: EnvSite) -> None:
        env = self.envs[site.env]
        if env.provider is None or env.problem is not None:
            self._block(site.env, site.node, env.problem or "the environment's provider is not known")
        elif not self.resolver.free_at(site.node, env.provider):
            self._block(site.env, site.node, f"`{env.provider}` means something else here")
        else:
            assert isinstance(site.node, cst.Attribute)
            self.plan.provider_attrs[site.node] = env.provider

    # --- registry --------------------------------------------------------------------------

    def _registry(self) -> None:
        gets: dict[tuple[str, str], list[EnvSite]] = defaultdict(list)
        for site in self._sites("get"):
            if site.key is None:
                self._block(site.env, site.node, "env.get(...) without a plain string key")
            else:
                gets[(site.env, site.key)].append(site)
        registered: dict[tuple[str, str], list[tuple[cst.CSTNode | None, cst.BaseExpression]]] = defaultdict(list)
        for site in self._sites("register"):
            assert site.key is not None and site.value is not None
            registered[(site.env, site.key)].append((site.node, site.value))
        for env in self.envs.values():
            for key, value in env.resources:
                registered[(env.var, key)].append((None, value))
        for env_var, key in sorted(set(gets) | set(registered)):
            self._registry_key(env_var, key, gets[(env_var, key)], registered[(env_var, key)])

    def _registry_key(
        self,
        env_var: str,
        key: str,
        gets: list[EnvSite],
        registered: list[tuple[cst.CSTNode | None, cst.BaseExpression]],
    ) -> None:
        nodes: list[cst.CSTNode] = [site.node for site in gets] + [n for n, _ in registered if n is not None]
        var, problem = self._registry_var(env_var, key, registered)
        if problem is None and var is not None:
            for site in gets:
                if not self.resolver.free_at(site.node, var):
                    problem = f"`{var}` means something else where {key!r} is looked up"
        if problem is not None or var is None:
            for node in nodes or [self.envs[env_var].statement]:
                self._block(env_var, node, problem or "registry key")
            return
        for site in gets:
            assert isinstance(site.node, cst.Call)
            self.plan.gets[site.node] = var
        for line, value in registered:
            if isinstance(line, cst.SimpleStatementLine):
                alias = isinstance(value, cst.Name)
                dedent = self.resolver.line_indent(value) - self.resolver.line_indent(line)
                rewrite = register_rewrite(var, dedent, self.resolver.module)
                self.plan.act(line, StatementAction(replace=()) if alias else StatementAction(rewrite=rewrite))

    def _registry_var(
        self, env_var: str, key: str, registered: list[tuple[cst.CSTNode | None, cst.BaseExpression]]
    ) -> tuple[str | None, str | None]:
        if not registered:
            return None, f"nothing is registered under {key!r} in this module"
        if len(registered) > 1:
            return None, f"{key!r} is registered more than once"
        node, value = registered[0]
        if node is None and env_var in self.forced:
            return None, f"{key!r} is registered by the environment, which stays"
        if isinstance(value, cst.Name) and self.resolver.refers_to_global(value):
            return value.value, None
        if not key.isidentifier() or pykeyword.iskeyword(key):
            return None, f"the registry key {key!r} is not a valid variable name"
        if key in self.claimed:
            return None, f"the registry key {key!r} cannot become a variable: `{key}` is already used in this module"
        self.claimed.add(key)
        return key, None

    # --- statements ------------------------------------------------------------------------

    def _declarations(self) -> None:
        for provider, items in self.declarations.items():
            anchor = self._anchor(provider)
            assert anchor is not None
            text = "".join(spec.declaration(var, provider) for var, spec in items)
            statements = tuple(cst.parse_module(text).body)
            self.plan.act(anchor, StatementAction(after=statements))

    def _env_statement(self, env: EnvFact) -> None:
        if env.problem is not None:
            self._block(env.var, env.statement, env.problem)
        if env.problem is not None or self.blocked.get(env.var) or env.var in self.forced:
            reason = (
                f"not migrated: `{env.var} = GlacierEnv(...)` stays while some of its uses are not "
                "migrated (see the other entries)"
            )
            self.plan.notes.append((env.statement, reason))
            return
        resources = tuple(
            (key, index, self.resolver.line_indent(value) - self.resolver.line_indent(env.statement))
            for index, (key, value) in enumerate(env.resources)
            if not isinstance(value, cst.Name)
        )
        rewrite = env_statement_rewrite(env, resources, self.resolver.module)
        self.plan.act(env.statement, StatementAction(rewrite=rewrite))
        for arg in env.extra:
            name = keyword(arg) or "argument"
            self.plan.notes.append((arg, f"dropped {name}= of GlacierEnv(...): environments are not part of the language"))
