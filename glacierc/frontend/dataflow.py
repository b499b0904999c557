"""Pipeline bodies -> nodes and edges. Follows assignments, nested calls, tuple unpacking, returns, `for`
loops and list comprehensions over literal sequences (unrolled) and `if` on statically known conditions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import libcst as cst

from glacierc.checks import glc203_bad_call as bad_call
from glacierc.checks import glc209_not_a_task as not_a_task
from glacierc.checks import glc210_unsupported_statement as unsupported_statement
from glacierc.frontend.binding import bind_arguments, bind_helper
from glacierc.frontend.context import Context
from glacierc.frontend.evaluate import Scope
from glacierc.frontend.extract import PipelineDecl
from glacierc.frontend.tasks import TaskInfo
from glacierc.frontend import library, mapping
from glacierc.frontend.values import (ARGUMENT_LEAVES, DeclRef, FunctionRef, Observation, Qual, StorageVal, Unknown,
                                      Where, has_known_truth, is_constant, is_hashable_constant)
from glacierc.ir import nodes as ir

MAX_UNROLLED_NODES = 100_000
MAX_HELPER_DEPTH = 20
_Element = cst.BaseExpression | tuple[cst.BaseExpression, cst.BaseExpression]  # a dict comprehension's: both
_REARRANGING = {f"builtins.{name}" for name in library.REARRANGING}
_CONVERTING = {"builtins.list": list, "builtins.tuple": tuple}


@dataclass(frozen=True, slots=True)
class NodeOut:
    """The value returned by the call that became node `id`; with a `path`, the element of it that
    `result[0]` or unpacking (`first, second = task(...)`) selects."""

    id: str
    path: tuple[int | str, ...] = ()


class Flow:
    def __init__(self, ctx: Context, decl: PipelineDecl, tasks: dict[tuple[str, str], TaskInfo]) -> None:
        self.ctx, self.decl, self.tasks = ctx, decl, tasks
        self.scope = Scope(decl.module, decl.where.index)
        self.env: dict[str, object] = {}
        self.nodes: list[ir.Node] = []
        self.edges: list[ir.Edge] = []
        self.outputs: list[str] = []
        self.calls: Counter[str] = Counter()
        self.helpers: list[_Frame] = []  # helper functions being inlined, innermost last
        self.mapping: mapping.Mapping | None = None  # the map whose element is being lowered

    # ---- statements --------------------------------------------------------------------------------
    def run(self) -> None:
        for param in self.decl.function.params.params:
            self.env[param.name.value] = self.ctx.evaluator.eval(param.default, self.scope) \
                if param.default is not None else Unknown("a pipeline parameter without a default")
        self.block(self.decl.function.body)

    def block(self, block: cst.BaseSuite) -> bool:
        """Run statements; True once a `return` was reached."""
        statements = block.body if isinstance(block, cst.IndentedBlock) else [block]
        for statement in statements:
            if self.statement(statement):
                return True
        return False

    def statement(self, statement: cst.CSTNode) -> bool:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return any(self.small(small) for small in statement.body)
        if isinstance(statement, cst.If):
            return self.if_statement(statement)
        if isinstance(statement, cst.For):
            return self.for_statement(statement)
        self.unsupported(statement, f"a `{type(statement).__name__}` statement")
        return False

    def small(self, small: cst.BaseSmallStatement) -> bool:
        if isinstance(small, cst.Assign):
            value = self.expr(small.value)
            for target in small.targets:
                self.assign(target.target, value)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self.assign(small.target, self.expr(small.value))
        elif isinstance(small, cst.Expr):
            self.expr(small.value)
        elif isinstance(small, cst.Return):
            value = self.expr(small.value) if small.value is not None else None
            if self.helpers:  # the return of an inlined helper: its value goes back to the call
                self.helpers[-1].value = value
            else:
                self.outputs += [out.id for out in _node_outputs(value)]
            return True
        elif not isinstance(small, cst.Pass):
            self.unsupported(small, f"a `{type(small).__name__}` statement")
        return False

    def assign(self, target: cst.BaseExpression, value: object) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            items = value if isinstance(value, (list, tuple)) and len(value) == len(target.elements) else None
            if isinstance(value, NodeOut) and not any(isinstance(e, cst.StarredElement) for e in target.elements):
                items = [NodeOut(value.id, (*value.path, position)) for position in range(len(target.elements))]
            for position, element in enumerate(target.elements):
                self.assign(element.value, items[position] if items is not None else value)
        else:
            self.unsupported(target, "an assignment to something other than names")

    def if_statement(self, statement: cst.If) -> bool:
        test = self.expr(statement.test)
        if not has_known_truth(test):
            self.unsupported(statement, "an `if` on a condition not known statically")
            return False
        if test:
            return self.block(statement.body)
        if isinstance(statement.orelse, cst.If):
            return self.if_statement(statement.orelse)
        if isinstance(statement.orelse, cst.Else):
            return self.block(statement.orelse.body)
        return False

    def for_statement(self, statement: cst.For) -> bool:
        items = self.expr(statement.iter)
        if not isinstance(items, (list, tuple)) or statement.orelse is not None or statement.asynchronous:
            why = f" ({items.reason})" if isinstance(items, Unknown) and items.where is not None else ""
            self.unsupported(statement, f"a `for` loop over something other than a literal list or tuple{why}")
            return False
        for item in items:
            self.assign(statement.target, item)
            if len(self.nodes) > MAX_UNROLLED_NODES or self.block(statement.body):
                return True
        return False

    def unsupported(self, node: cst.CSTNode, what: str) -> None:
        self.ctx.report(unsupported_statement.NOT_FOLLOWED, Where(self.scope.module, self.scope.index, node),
                        what=what, pipeline=self.decl.function.name.value)

    # ---- expressions -------------------------------------------------------------------------------
    def expr(self, node: cst.BaseExpression) -> object:
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, cst.Name) and node.value in self.env:
            return self.env[node.value]
        if isinstance(node, (cst.Tuple, cst.List)):
            values = [self.expr(e.value) for e in node.elements]
            return tuple(values) if isinstance(node, cst.Tuple) else values
        if isinstance(node, cst.IfExp):
            test = self.expr(node.test)
            if has_known_truth(test):
                return self.expr(node.body if test else node.orelse)
            self.unsupported(node, "a conditional expression on a condition not known statically")
        if isinstance(node, cst.Subscript):
            return self.subscript(node)
        if isinstance(node, cst.NamedExpr):  # `save(cleaned := clean(frame))`: binds as an assignment does
            value = self.expr(node.value)
            self.assign(node.target, value)
            return value
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.DictComp)):
            return self.comprehension(node)
        if isinstance(node, cst.Dict):
            return self.dict_display(node)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left, right = self.expr(node.left), self.expr(node.right)
            if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)) and type(left) is type(right):
                return [*left, *right] if isinstance(left, list) else (*left, *right)
        return self.ctx.evaluator.eval(node, self._scope())

    def comprehension(self, node: cst.ListComp | cst.GeneratorExp | cst.DictComp) -> object:
        """`[load(s) for s in SOURCES if ...]`, `{r: split(raw, r) for r in REGIONS}`: unrolled like a `for`
        loop; its variables stay inside it."""
        if not isinstance(node, cst.DictComp):  # `[clean(p) for p in events.partitions()]`: one mapped node
            storage = mapping.partitions_of(self, node.for_in.iter)
            if storage is not None:
                return mapping.lower(self, node, storage)
        outer = dict(self.env)
        element = (node.key, node.value) if isinstance(node, cst.DictComp) else node.elt
        try:
            values = self.unroll(node.for_in, element)
        finally:
            self.env = outer
        result = _as_dict(values) if values is not None and isinstance(node, cst.DictComp) else values
        if result is None:
            self.unsupported(node, "a comprehension over something other than a literal list or tuple, or "
                             "filtered by a condition not known statically,")
            return Unknown("the result of a comprehension")
        return result

    def dict_display(self, node: cst.Dict) -> object:
        """`{"emea": split(raw, "emea"), ...}`: a dict whose keys are constants (no `**` unpacking)."""
        elements = [e for e in node.elements if isinstance(e, cst.DictElement)]
        if len(elements) != len(node.elements):
            return self.ctx.evaluator.eval(node, self._scope())
        pairs = _as_dict([(self.expr(e.key), self.expr(e.value)) for e in elements])
        return pairs if pairs is not None else Unknown("a dict whose keys are not constants")

    def unroll(self, clause: cst.CompFor, element: _Element) -> list | None:
        items = self.expr(clause.iter)
        if not isinstance(items, (list, tuple)) or clause.asynchronous:
            return None
        values: list = []
        for item in items:
            self.assign(clause.target, item)
            tests = [self.expr(condition.test) for condition in clause.ifs]
            if not all(has_known_truth(test) for test in tests):
                return None
            if not all(tests):
                continue
            inner = self.unroll(clause.inner_for_in, element) if clause.inner_for_in else [self.element(element)]
            if inner is None:
                return None
            values += inner
            if len(self.nodes) > MAX_UNROLLED_NODES:
                break
        return values

    def element(self, element: _Element) -> object:
        if isinstance(element, tuple):  # a dict comprehension's key and value
            return self.expr(element[0]), self.expr(element[1])
        return self.expr(element)

    def subscript(self, node: cst.Subscript) -> object:
        base = self.expr(node.value)
        element = node.slice[0].slice if len(node.slice) == 1 else None
        if isinstance(base, NodeOut):  # an element of a task's result: the runner takes it out of the result
            key = self.expr(element.value) if isinstance(element, cst.Index) else None
            if isinstance(key, (int, str)) and not isinstance(key, bool):
                return NodeOut(base.id, (*base.path, key))
            return NodeOut(base.id)
        if isinstance(base, (list, tuple)) and isinstance(element, cst.Index):
            key = self.expr(element.value)
            if isinstance(key, int) and not isinstance(key, bool) and -len(base) <= key < len(base):
                return base[key]
        if isinstance(base, dict) and isinstance(element, cst.Index):  # `parts["emea"]`, `targets[region]`
            key = self.expr(element.value)
            if is_hashable_constant(key) and key in base:
                return base[key]
        return self.ctx.evaluator.eval(node, self._scope())

    def _scope(self) -> Scope:
        constants = {k: v for k, v in self.env.items() if not isinstance(v, NodeOut)}
        return Scope(self.scope.module, self.scope.index, constants)

    def call(self, node: cst.Call) -> object:
        if (dataset := mapping.partitions_of(self, node)) is not None:
            return mapping.outside(self, node, dataset)
        appended = self.list_method(node)
        if appended is not None:
            return appended
        callee = self.ctx.evaluator.eval(node.func, self.scope) if not (
            isinstance(node.func, cst.Name) and node.func.value in self.env) else self.env[node.func.value]
        info = self.tasks.get((callee.module, callee.name)) if isinstance(callee, DeclRef) else None
        if isinstance(callee, Qual) and callee.name in _REARRANGING:  # `zip(SOURCES, names)`, nodes included
            return self.rearranging(callee, node)
        if (mapped := self.map_of_task(callee, node)) is not None:
            return mapped
        args = self.arguments(node)
        if isinstance(callee, Qual) and callee.name in _CONVERTING and len(args) == 1 and args[0][0] is None \
                and isinstance(args[0][1], (Unknown, list, tuple)):  # `list(map(...))`, `tuple(frames)`
            items = args[0][1]
            return items if isinstance(items, Unknown) else _CONVERTING[callee.name](items)
        if isinstance(callee, Unknown) and callee.undefined and isinstance(node.func, cst.Name):
            tasks = tuple(sorted({function for _, function in self.tasks}))
            self.ctx.evaluator.observe([Observation("undefined-name", callee.undefined,
                                                    Where(self.scope.module, self.scope.index, node.func),
                                                    "pipeline", tasks)])
            return Unknown(f"the result of `{callee.undefined}(...)`")
        if isinstance(callee, FunctionRef) and info is None:
            return self.inline(callee, node, args)
        if isinstance(callee, Qual) and all(is_constant(v, ARGUMENT_LEAVES) for _, v, _ in args):  # `date(2026, 1, 31)`
            value = self.ctx.evaluator.eval(node, self._scope())
            if not isinstance(value, Unknown) or callee.name == "builtins.range":  # `range(20_000)`: too long
                return value
        if info is None:
            name = callee.name if isinstance(callee, (DeclRef, FunctionRef)) else _call_name(node)
            attribute = node.func if isinstance(node.func, cst.Attribute) else None
            base = attribute.value if attribute is not None else None
            on_result = isinstance(base, cst.Name) and isinstance(self.env.get(base.value), NodeOut)
            where = Where(self.scope.module, self.scope.index, node)
            pipeline = self.decl.function.name.value
            if attribute is not None and on_result:
                self.ctx.report(not_a_task.METHOD_ON_RESULT, where, name=name, pipeline=pipeline,
                                method=attribute.attr.value)
            else:
                self.ctx.report(not_a_task.NOT_DECORATED, where, name=name, pipeline=pipeline)
            return Unknown(f"the result of `{name}(...)`")
        return self.task_call(info, node, args)

    def map_of_task(self, callee: object, node: cst.Call) -> Unknown | None:
        """`map(load, sources)` (the builtin, not shadowed): it would call the task at run time, inside
        whatever task receives the result; the reason says to write the comprehension that becomes nodes."""
        if not (isinstance(callee, Unknown) and isinstance(node.func, cst.Name) and node.func.value in ("map", "filter")
                and len(node.args) == 2 and not any(arg.star or arg.keyword for arg in node.args)):
            return None
        function = self.expr(node.args[0].value)
        if not (isinstance(function, DeclRef) and (function.module, function.name) in self.tasks):
            return None
        items = self.ctx.locator(self.scope.module).tree.code_for_node(node.args[1].value)
        builtin = node.func.value
        instead = f"[{function.name}(s) for s in {items}]" if builtin == "map" else \
            f"[s for s in {items} if ...] with the condition known statically"
        return Unknown(f"`{builtin}(...)` calls task `{function.name}` at run time, so no node runs it: write "
                       f"`{instead}`")

    def arguments(self, node: cst.Call) -> list[tuple[str | None, object, cst.Arg]]:
        args: list[tuple[str | None, object, cst.Arg]] = []
        for arg in node.args:
            value = self.expr(arg.value)
            if arg.star == "*" and isinstance(value, (list, tuple)):
                args += [(None, item, arg) for item in value]
            elif arg.star == "**" and isinstance(value, dict):
                args += [(str(key), item, arg) for key, item in value.items()]
            else:
                args.append((arg.keyword.value if arg.keyword else None, value, arg))
        return args

    def rearranging(self, callee: Qual, node: cst.Call) -> object:
        args = [(keyword, value) for keyword, value, _ in self.arguments(node)]
        where = Where(self.scope.module, self.scope.index, node)
        return library.call(self.ctx.evaluator, callee, [v for k, v in args if k is None],
                            {k: v for k, v in args if k is not None}, {}, where)

    def list_method(self, node: cst.Call) -> object:
        """`frames.append(x)` / `frames.extend(xs)` on a pipeline-local list; `.items()` / `.keys()` /
        `.values()` of a known dict (of node results or storage)."""
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("items", "keys", "values") and not node.args:
            target = self.expr(func.value)
            if isinstance(target, dict):
                method = func.attr.value
                return list(target.items()) if method == "items" else list(target.values()) if method == "values" \
                    else list(target)
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                and func.attr.value in ("append", "extend") and len(node.args) == 1):
            return None
        target = self.env.get(func.value.value)
        if not isinstance(target, list):
            return None
        value = self.expr(node.args[0].value)
        if func.attr.value == "append":
            self.env[func.value.value] = [*target, value]
        elif isinstance(value, (list, tuple)):
            self.env[func.value.value] = [*target, *value]
        return Unknown("the result of a list method")

    def inline(self, ref: FunctionRef, node: cst.Call, args: list) -> object:
        """A plain helper function called in the pipeline body (`def stage(src): return clean(load(src))`) is
        followed as if its body were written at the call: its task calls become nodes of the pipeline."""
        function = ref.function
        if len(self.helpers) >= MAX_HELPER_DEPTH or any(f.ref == ref for f in self.helpers):
            self.unsupported(node, f"a recursive or too deeply nested call of helper `{ref.name}`")
            return Unknown(f"the result of `{ref.name}(...)`")
        scope = Scope(ref.module, ref.where.index)
        bound = bind_helper(function, [(k, v) for k, v, _ in args],
                            lambda default: self.ctx.evaluator.eval(default, scope))
        if isinstance(bound, str):
            self.unsupported(node, f"a call of helper `{ref.name}` ({bound})")
            return Unknown(f"the result of `{ref.name}(...)`")
        saved = (self.scope, self.env)
        self.scope, self.env = scope, bound
        self.helpers.append(_Frame(ref))
        try:
            self.block(function.body)
            return self.helpers[-1].value
        finally:
            self.helpers.pop()
            self.scope, self.env = saved

    def task_call(self, info: TaskInfo, node: cst.Call, args: list) -> NodeOut:
        from glacierc.frontend.nodes import make_node

        task = info.task
        self.calls[task.name] += 1
        count = self.calls[task.name]
        node_id = task.name if count == 1 else f"{task.name}_{count}"
        bound, problems = bind_arguments(task.params, [(k, v) for k, v, _ in args])
        where = Where(self.scope.module, self.scope.index, node)
        for problem in problems:
            self.ctx.report(bad_call.BAD_ARGUMENTS, where, task=task.name, problem=problem,
                            signature=f"{task.function}({', '.join(task.param_names)})")
        bound.update(self.storage_defaults(info, bound))
        built = make_node(self.ctx, info, node_id, bound, where, self.ctx.span(where, exact=True))
        built = mapping.mapped(built, bound, self.mapping)
        self.nodes.append(built)
        for param, value in bound.items():
            for out in _node_outputs(value):
                self.edges.append(ir.Edge(out.id, node_id, ir.EdgeKind.DATA, param))
        return NodeOut(node_id)

    def storage_defaults(self, info: TaskInfo, bound: dict) -> dict[str, StorageVal]:
        """Parameters the call leaves to a default that is storage (`def load(source=raw)`): the node uses
        that storage as if it were passed, so its access is proven (and granted) like an argument's."""
        params = info.decl.function.params
        found = {}
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value in bound or param.default is None:
                continue
            value = self.ctx.evaluator.eval(param.default, Scope(info.decl.module, info.decl.where.index))
            if isinstance(value, StorageVal) and value.name:
                found[param.name.value] = value
        return found


@dataclass(slots=True)
class _Frame:
    """A function being interpreted: its reference and the value it returns."""

    ref: FunctionRef
    value: object = None


def _as_dict(pairs: list) -> dict | None:
    """Key-value pairs as a dict, when every key is a hashable constant."""
    if not all(is_hashable_constant(k) for k, _ in pairs):
        return None
    return dict(pairs)


def _node_outputs(value: object) -> list[NodeOut]:
    if isinstance(value, NodeOut):
        return [value]
    if isinstance(value, (list, tuple)):
        return [out for item in value for out in _node_outputs(item)]
    if isinstance(value, dict):
        return [out for item in value.values() for out in _node_outputs(item)]
    return []


def _call_name(node: cst.Call) -> str:
    func = node.func
    parts = []
    while isinstance(func, cst.Attribute):
        parts.append(func.attr.value)
        func = func.value
    if isinstance(func, cst.Name):
        parts.append(func.value)
    return ".".join(reversed(parts)) or "this call"
