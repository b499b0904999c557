"""Static evaluation of expressions: constants, containers, f-strings, simple operations, imports,
`os.getenv` with `-e` defines, library constructors (Provider, configs, provider methods) and small helper
functions. Nothing is imported or executed; what cannot be decided becomes `Unknown`."""

from __future__ import annotations

import ast
import builtins
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from glacierc.frontend import classes, comprehensions, library, surface
from glacierc.frontend.names import SymbolTable, star_source
from glacierc.frontend.values import (PYTHON_LEAVES, DeclRef, EnvVal, ExecutorVal, FunctionRef,
                                      Method, ModuleRef, ProviderVal, Qual, StorageVal, Unknown, Where, is_constant)

MAX_CALL_DEPTH = 16
_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_EVAL_DEPTH = 100  # nested evaluations (sub-expressions, names defined by names, helper calls): each costs
#                       2-10 Python frames, and the whole chain must stay inside Python's recursion limit
_BINARY = {cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul,
           cst.Divide: operator.truediv, cst.FloorDivide: operator.floordiv, cst.Modulo: operator.mod}
_COMPARE = {cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt,
            cst.GreaterThan: operator.gt, cst.LessThanEqual: operator.le, cst.GreaterThanEqual: operator.ge,
            cst.In: lambda a, b: a in b, cst.NotIn: lambda a, b: a not in b,
            cst.Is: operator.is_, cst.IsNot: operator.is_not}


@dataclass(slots=True)
class Scope:
    """Where a name is looked up: a module, the statement index, and local bindings."""

    module: str
    index: int
    locals: dict[str, object] | None = None
    depth: int = 0


@dataclass(slots=True)
class Evaluator:
    """Static evaluation of expressions over the project's symbol tables and `-e` values."""

    tables: dict[str, SymbolTable]
    env: dict[str, str]
    env_used: set[str] = field(default_factory=set)
    observations: list = field(default_factory=list)  # values.Observation, for the rules
    _cache: dict[tuple[str, str], object] = field(default_factory=dict)
    _busy: set[tuple[str, str]] = field(default_factory=set)
    _depth: int = 0

    # ---- names -------------------------------------------------------------------------------------
    def lookup(self, module: str, name: str) -> object:
        key = (module, name)
        if key in self._cache:
            return self._cache[key]
        if key in self._busy:
            return Unknown(f"`{name}` is defined in terms of itself")
        if len(self._busy) >= MAX_EVAL_DEPTH:  # a chain of imports re-exporting a name, file after file
            return Unknown(f"`{name}` is defined through too many other names")
        self._busy.add(key)
        try:
            value = self._resolve(module, name)
        finally:
            self._busy.discard(key)
        self._cache[key] = value
        return value

    def _resolve(self, module: str, name: str) -> object:
        table = self.tables.get(module)
        binding = table.bindings.get(name) if table else None
        if binding is None:
            star = star_source(self.tables, module, name)
            if star is not None:
                return self.lookup(star, name)
            if name in library.BUILTIN_NAMES:
                return Qual(f"builtins.{name}")
            for star in table.star_imports if table else ():
                return Qual(f"{star}.{name}")
            undefined = None if hasattr(builtins, name) else name  # `print`: defined, just not static
            return Unknown(f"`{name}` is not defined at module level of `{module}`", undefined=undefined)
        where = Where(module, binding.index, binding.node)
        if binding.kind == "qual":
            return Qual(binding.target)
        if binding.kind == "module":
            return ModuleRef(binding.target)
        if binding.kind == "from":
            target_module, target_name = binding.target.split(":")
            return self.lookup(target_module, target_name)
        if binding.kind == "unresolved":
            return Unknown(f"`{binding.target}` is not a module of this project", where)
        if binding.kind == "def":
            assert isinstance(binding.node, cst.FunctionDef)  # names.py: "def" binds a FunctionDef
            if binding.node.decorators:
                return DeclRef(module, name)
            return FunctionRef(module, name, where)
        if binding.kind == "assign":
            return self.eval(binding.node, Scope(module, binding.index))
        assert isinstance(binding.node, cst.ClassDef)  # names.py: "class" binds a ClassDef
        return classes.class_value(self, binding.node, Scope(module, binding.index), where)

    def class_def(self, scope: Scope, name: str) -> tuple[cst.ClassDef, Scope] | None:
        """The class statement `name` stands for in `scope` (through `from` imports), or None."""
        found = self.definition(scope, name, "class")
        return (found[0], found[1]) if found is not None and isinstance(found[0], cst.ClassDef) else None

    def definition(self, scope: Scope, name: str, kind: str) -> tuple[cst.CSTNode, Scope] | None:
        """The `def` or `class` statement (`kind`) that `name` stands for in `scope`, through `from` imports,
        read from the symbol tables alone (nothing is evaluated or observed); None for anything else."""
        module = scope.module
        if scope.locals is not None and name in scope.locals:
            return None
        for _ in range(MAX_EVAL_DEPTH):
            table = self.tables.get(module)
            binding = table.bindings.get(name) if table else None
            if binding is None or binding.kind not in ("from", kind):
                return None
            if binding.kind == kind:
                return binding.node, Scope(module, binding.index)
            module, name = binding.target.split(":")
        return None

    def observe(self, observations) -> None:
        """Keep what the rules should judge (an unknown attribute, keyword...); evaluation goes on."""
        self.observations.extend(observations)

    # ---- expressions -------------------------------------------------------------------------------
    def eval(self, node: cst.CSTNode, scope: Scope) -> object:
        handler = getattr(self, f"_eval_{type(node).__name__}", None)
        if handler is None:
            return Unknown(f"a `{type(node).__name__}` expression is not evaluated statically",
                           Where(scope.module, scope.index, node))
        if self._depth >= MAX_EVAL_DEPTH:
            return Unknown("the value is built from too many nested parts to evaluate statically",
                           Where(scope.module, scope.index, node))
        self._depth += 1
        try:
            return handler(node, scope)
        finally:
            self._depth -= 1

    def _eval_Integer(self, node: cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString,
                      scope: Scope) -> object:
        try:
            return ast.literal_eval(node.value)
        except (ValueError, SyntaxError) as error:
            return Unknown(f"the literal cannot be read: {error}", Where(scope.module, scope.index, node))

    _eval_Float = _eval_Integer
    _eval_Imaginary = _eval_Integer

    def _eval_SimpleString(self, node: cst.SimpleString, scope: Scope) -> object:
        value = self._eval_Integer(node, scope)  # ast.literal_eval parses a literal; it executes nothing
        if isinstance(value, str) and _SURROGATE.search(value):  # no UTF-8 form: never an IR string
            return Unknown("the string holds a lone surrogate (`\\ud800`-`\\udfff`), which is not text",
                           Where(scope.module, scope.index, node))
        return value

    def _eval_ConcatenatedString(self, node: cst.ConcatenatedString, scope: Scope) -> object:
        return self._binary(operator.add, self.eval(node.left, scope), self.eval(node.right, scope), node, scope)

    def _eval_FormattedString(self, node: cst.FormattedString, scope: Scope) -> object:
        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value.replace("{{", "{").replace("}}", "}"))
                continue
            assert isinstance(part, cst.FormattedStringExpression)  # the only other kind of part
            value = self.eval(part.expression, scope)
            if isinstance(value, Unknown) or not _is_plain(value) or part.format_spec:
                return _unknown_from(value, "an f-string part", node, scope)
            conversion = {"r": repr, "a": ascii}.get(part.conversion or "", str)
            parts.append(conversion(value))
        return "".join(parts)

    def _eval_Name(self, node: cst.Name, scope: Scope) -> object:
        constants = {"True": True, "False": False, "None": None}
        if node.value in constants:
            return constants[node.value]
        if scope.locals is not None and node.value in scope.locals:
            return scope.locals[node.value]
        value = self.lookup(scope.module, node.value)
        if isinstance(value, Unknown) and value.where is None:
            return Unknown(value.reason, Where(scope.module, scope.index, node), value.undefined)
        return value

    def _eval_Attribute(self, node: cst.Attribute, scope: Scope) -> object:
        member = classes.enum_attribute(self, node, scope)  # `Mode.FULL.value`
        if member is not None:
            return member
        base = self.eval(node.value, scope)
        attr = node.attr.value
        if isinstance(base, Qual):
            self.observe(surface.library_name(f"{base.name}.{attr}", Where(scope.module, scope.index, node.attr)))
            return Qual(f"{base.name}.{attr}")
        if isinstance(base, ModuleRef):
            return self.lookup(base.module, attr)
        if isinstance(base, (ProviderVal, StorageVal, ExecutorVal)):
            self.observe(surface.attribute(base, attr, Where(scope.module, scope.index, node.attr)))
        if isinstance(base, (ProviderVal, StorageVal, ExecutorVal, EnvVal, str)):
            return Method(base, attr)
        return _unknown_from(base, f"attribute `.{attr}`", node, scope)

    def _eval_Subscript(self, node: cst.Subscript, scope: Scope) -> object:
        base = self.eval(node.value, scope)
        element = node.slice[0].slice if len(node.slice) == 1 else None
        if not isinstance(element, cst.Index):
            return Unknown("slices are not evaluated statically", Where(scope.module, scope.index, node))
        key = self.eval(element.value, scope)
        if base == Qual("os.environ") and isinstance(key, str):
            return self._env(key, None, required=True, where=Where(scope.module, scope.index, node))
        try:
            # Any plain value may be subscripted: what Python refuses is the TypeError below.
            return base[key] if _is_plain(base) and _is_plain(key) else _unknown_from(  # type: ignore[index]
                base if isinstance(base, Unknown) else key, "a subscript", node, scope)
        except (KeyError, IndexError, TypeError) as error:
            return Unknown(f"subscript fails: {error!r}", Where(scope.module, scope.index, node))

    def _eval_List(self, node: cst.List | cst.Tuple | cst.Set, scope: Scope) -> object:
        return [self.eval(e.value, scope) for e in node.elements if isinstance(e, cst.Element)] \
            if all(isinstance(e, cst.Element) for e in node.elements) else \
            Unknown("starred elements are not evaluated", Where(scope.module, scope.index, node))

    def _eval_Tuple(self, node: cst.Tuple | cst.Set, scope: Scope) -> object:
        value = self._eval_List(node, scope)
        return tuple(value) if isinstance(value, list) else value

    def _eval_Set(self, node: cst.Set, scope: Scope) -> object:
        return self._eval_Tuple(node, scope)

    def _eval_Dict(self, node: cst.Dict, scope: Scope) -> object:
        result: dict = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return Unknown("`**` in a dict is not evaluated", Where(scope.module, scope.index, node))
            key = self.eval(element.key, scope)
            if not _is_plain(key) or isinstance(key, (list, dict)):
                return _unknown_from(key, "a dict key", node, scope)
            result[key] = self.eval(element.value, scope)
        return result

    def _eval_ListComp(self, node: cst.ListComp | cst.DictComp | cst.GeneratorExp, scope: Scope) -> object:
        return comprehensions.evaluate(self, node, scope)

    _eval_DictComp = _eval_ListComp
    _eval_GeneratorExp = _eval_ListComp

    def _eval_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> object:
        value = self.eval(node.expression, scope)
        if not _is_plain(value):
            return _unknown_from(value, "a unary operation", node, scope)
        ops: dict[type, Callable[[Any], object]] = {
            cst.Minus: operator.neg, cst.Plus: operator.pos, cst.Not: operator.not_, cst.BitInvert: operator.invert}
        try:
            return ops[type(node.operator)](value)
        except TypeError as error:
            return Unknown(str(error), Where(scope.module, scope.index, node))

    def _eval_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> object:
        function = _BINARY.get(type(node.operator))
        if function is None:
            return Unknown("this operator is not evaluated statically", Where(scope.module, scope.index, node))
        return self._binary(function, self.eval(node.left, scope), self.eval(node.right, scope), node, scope)

    def _binary(self, function, left, right, node, scope: Scope) -> object:
        if not (_is_plain(left) and _is_plain(right)):
            return _unknown_from(left if not _is_plain(left) else right, "an operation", node, scope)
        if function is operator.mul and _too_large(left, right):
            return Unknown("the result is too large", Where(scope.module, scope.index, node))
        try:
            result = function(left, right)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
            return Unknown(f"the operation fails: {error}", Where(scope.module, scope.index, node))
        if isinstance(result, (str, bytes, list, tuple)) and len(result) > 1_000_000:
            return Unknown("the result is too large", Where(scope.module, scope.index, node))
        return result

    def _eval_Comparison(self, node: cst.Comparison, scope: Scope) -> object:
        left = self.eval(node.left, scope)
        for target in node.comparisons:
            right = self.eval(target.comparator, scope)
            if not (_is_plain(left) and _is_plain(right)):
                return _unknown_from(left if not _is_plain(left) else right, "a comparison", node, scope)
            try:
                if not _COMPARE[type(target.operator)](left, right):
                    return False
            except TypeError as error:
                return Unknown(str(error), Where(scope.module, scope.index, node))
            left = right
        return True

    def _eval_BooleanOperation(self, node: cst.BooleanOperation, scope: Scope) -> object:
        left = self.eval(node.left, scope)
        if not _is_plain(left):
            return _unknown_from(left, "a boolean operation", node, scope)
        is_and = isinstance(node.operator, cst.And)
        if bool(left) != is_and:
            return left
        return self.eval(node.right, scope)

    def _eval_IfExp(self, node: cst.IfExp, scope: Scope) -> object:
        test = self.eval(node.test, scope)
        if not _is_plain(test):
            return _unknown_from(test, "a conditional expression", node, scope)
        return self.eval(node.body if test else node.orelse, scope)

    def _eval_Call(self, node: cst.Call, scope: Scope) -> object:
        callee = self.eval(node.func, scope)
        if isinstance(callee, Unknown):
            return _unknown_from(callee, "a call", node, scope)
        args, kwargs, nodes = self._arguments(node, scope)
        if args is None:
            return Unknown("`*args` / `**kwargs` in this call are not evaluated",
                           Where(scope.module, scope.index, node))
        where = Where(scope.module, scope.index, node)
        if isinstance(callee, FunctionRef):
            return self._call_helper(callee, args, kwargs, where, scope.depth)
        return library.call(self, callee, args, kwargs, nodes, where)

    def _arguments(self, node: cst.Call, scope: Scope):
        args: list[object] = []
        kwargs: dict[str, object] = {}
        nodes: dict[int | str, cst.BaseExpression] = {}  # position or keyword -> the argument's expression
        for position, arg in enumerate(node.args):
            if arg.star:
                return None, None, None
            value = self.eval(arg.value, scope)
            if arg.keyword is None:
                args.append(value)
                nodes[position] = arg.value
            else:
                kwargs[arg.keyword.value] = value
                nodes[arg.keyword.value] = arg.value
        return args, kwargs, nodes

    # ---- environment and helpers -------------------------------------------------------------------
    def _env(self, name: str, default: object, *, required: bool, where: Where) -> object:
        if name in self.env:
            self.env_used.add(name)
            return self.env[name]
        if required:
            return Unknown(f"environment variable `{name}` has no default; give it with `-e {name}=VALUE`",
                           where)
        return default

    def _call_helper(self, ref: FunctionRef, args, kwargs, where: Where, depth: int) -> object:
        from glacierc.frontend.interpret import call_function

        if depth >= MAX_CALL_DEPTH:
            return Unknown("helper functions nest too deeply", where)
        return call_function(self, ref, args, kwargs, where, depth + 1)


def _too_large(left: object, right: object) -> bool:
    sized, count = (left, right) if isinstance(right, int) else (right, left)
    return isinstance(sized, (str, bytes, list, tuple)) and isinstance(count, int) and \
        len(sized) * count > 1_000_000


def _is_plain(value: object) -> bool:
    return is_constant(value, PYTHON_LEAVES)


def _unknown_from(value: object, what: str, node: cst.CSTNode, scope: Scope) -> Unknown:
    if isinstance(value, Unknown):
        return value if value.where else Unknown(value.reason, Where(scope.module, scope.index, node), value.undefined)
    return Unknown(f"{what} over a value that is not a constant", Where(scope.module, scope.index, node))
