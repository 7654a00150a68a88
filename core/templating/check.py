"""The compile-time half of the sandbox, and the compose-time check the editor shows.

``refusals`` holds the rules that need the whole template (no macros or includes, loops nested
at most MAX_LOOP_DEPTH deep, no ``_private`` names, no ``self``); render() refuses a template that
breaks one, check() lists them all together with unknown merge tags, with line numbers.
``harden`` rewrites an accepted template so that the run-time guards of sandbox.py see every loop
and every ``~``.
"""
import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError, nodes
from jinja2.visitor import NodeTransformer

from .sandbox import ENVIRONMENTS, MAX_LOOP_DEPTH, MAX_SOURCE, PUBLIC_FILTERS


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a template: code is syntax, unknown_variable, unknown_field or unsafe."""

    line: int | None
    message: str
    code: str


# Tags merge tags never need and that would let a template recurse (macros, blocks via self) or
# reach other templates. {% autoescape false %} would let contact values inject HTML.
_FORBIDDEN = (
    (nodes.Extends, "{% extends %}"), (nodes.Include, "{% include %}"), (nodes.Import, "{% import %}"),
    (nodes.FromImport, "{% from ... import %}"), (nodes.Macro, "{% macro %}"), (nodes.CallBlock, "{% call %}"),
    (nodes.Block, "{% block %}"), (nodes.EvalContextModifier, "{% autoescape %}"),
)


def refusals(ast, env):
    """List (line, message, code) for what the sandbox refuses in a parsed template."""
    found = []

    def refuse(node, message, code="unsafe"):
        found.append((node.lineno, message, code))

    def private(node, name):
        if name.startswith("_"):
            refuse(node, f"'{name}' is not allowed: names starting with '_' are private")

    def visit(node, depth):
        for node_class, tag in _FORBIDDEN:
            if isinstance(node, node_class):
                refuse(node, f"{tag} is not allowed in merge tags")
        if isinstance(node, nodes.For):
            if node.recursive:
                refuse(node, "recursive loops are not allowed in merge tags")
            if depth >= MAX_LOOP_DEPTH:
                refuse(node, f"loops may be nested at most {MAX_LOOP_DEPTH} deep")
            for child in (node.target, node.iter, node.test):
                if child is not None:
                    visit(child, depth)
            for child in node.body:
                visit(child, depth + 1)
            for child in node.else_:
                visit(child, depth)
            return
        if isinstance(node, nodes.Name) and node.name == "self":
            refuse(node, "'self' is not available in merge tags")
        elif isinstance(node, nodes.Getattr):
            private(node, node.attr)
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            private(node, node.arg.value)
        elif isinstance(node, nodes.Filter) and node.name not in PUBLIC_FILTERS:
            refuse(node, f"unknown filter '{node.name}'", "syntax")
        elif isinstance(node, nodes.Test) and node.name not in env.tests:
            refuse(node, f"unknown test '{node.name}'", "syntax")
        for child in node.iter_child_nodes():
            visit(child, depth)

    visit(ast, 0)
    return found


def harden(ast):
    """Rewrite a checked template so loops tick the deadline and ``~`` weighs what it joins."""
    class _Hardener(NodeTransformer):
        def visit_For(self, node):
            node = self.generic_visit(node)
            node.iter = _filter(node.iter, "_loop_guard")
            return node

        def visit_Concat(self, node):
            node = self.generic_visit(node)
            node.nodes = [_filter(part, "_weighed") for part in node.nodes]
            return _filter(node, "_weighed")

    def _filter(node, name):
        return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)

    return _Hardener().visit(ast)


def check(source: str, known: dict, *, autoescape=False) -> list[Problem]:
    """Problems with a template, sorted by line; ``known`` maps top-level names to their fields.

    A field spec is None (anything goes below it), a collection of leaf names, or a dict from
    name to a nested spec; a list/tuple may also mix leaf names and such dicts. Never raises.
    """
    try:
        problems = _check(source, known, bool(autoescape))
    except Exception as error:  # noqa: BLE001 - the composer must get an answer, never a crash
        problems = {Problem(None, f"the template could not be checked: {error}", "syntax")}
    return sorted(problems, key=lambda problem: (problem.line or 0, problem.code, problem.message))


def _check(source, known, autoescape):
    if not isinstance(source, str):
        return {Problem(None, "the template must be text", "syntax")}
    if len(source) > MAX_SOURCE:
        return {Problem(None, f"the template is longer than {MAX_SOURCE} characters", "unsafe")}
    env = ENVIRONMENTS[autoescape]
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as error:
        return {Problem(error.lineno, error.message, "syntax")}
    problems = {Problem(*found) for found in refusals(ast, env)}
    problems |= _unknown_names(ast, known or {}, env)
    if not any(problem.code == "syntax" for problem in problems):
        try:
            env.compile(ast)  # what only the compiler notices, e.g. assigning to `loop`
        except TemplateSyntaxError as error:
            problems.add(Problem(error.lineno, error.message, "syntax"))
    return problems


def _chain(node):
    """Split `a.b["c"].d` into the root node `a` and [(name, line), ...] for b, c, d."""
    path = []
    while True:
        if isinstance(node, nodes.Getattr):
            path.append((node.attr, node.lineno))
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            path.append((node.arg.value, node.lineno))
        else:
            return node, path[::-1]
        node = node.node


def _child(spec, name):
    """(found, spec of the child); a leaf's spec is () so nothing below it is known."""
    if spec is None:
        return True, None
    if isinstance(spec, Mapping):
        return (True, spec[name]) if name in spec else (False, None)
    if isinstance(spec, (set, frozenset, list, tuple)):
        if name in spec:
            return True, ()
        for item in spec:
            if isinstance(item, Mapping) and name in item:
                return True, item[name]
    return False, None


def _names_in(spec):
    if isinstance(spec, Mapping):
        return list(spec)
    if isinstance(spec, (set, frozenset, list, tuple)):
        return [name for item in spec for name in (item if isinstance(item, Mapping) else [item])]
    return []


def _hint(name, candidates):
    close = difflib.get_close_matches(name, [str(candidate) for candidate in candidates], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unknown_names(ast, known, env):
    # Scope-blind on purpose: a name the template assigns anywhere is not reported anywhere.
    assigned = {name.name for name in ast.find_all(nodes.Name) if name.ctx in ("store", "param")}
    problems = set()

    def check_path(root, path):
        spec, walked = known[root], root
        for name, line in path:
            if name.startswith("_"):
                return  # refused as unsafe already
            found, child = _child(spec, name)
            if not found:
                message = f"unknown field '{walked}.{name}'{_hint(name, _names_in(spec))}"
                problems.add(Problem(line, message, "unknown_field"))
                return
            spec, walked = child, f"{walked}.{name}"

    def visit(node, in_loop):
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            root, path = _chain(node)
            if path:
                if isinstance(root, nodes.Name) and root.name in known and root.name not in assigned:
                    check_path(root.name, path)
                visit(root, in_loop)
                return
        if isinstance(node, nodes.Name) and node.ctx == "load":
            name = node.name
            if name not in known and name not in assigned and name not in env.globals and name != "self" \
                    and not (name == "loop" and in_loop):
                problems.add(Problem(node.lineno, f"unknown variable '{name}'{_hint(name, known)}", "unknown_variable"))
        if isinstance(node, nodes.For):
            visit(node.iter, in_loop)
            for child in [node.test, *node.body] if node.test else node.body:
                visit(child, True)
            for child in node.else_:
                visit(child, in_loop)
            return
        for child in node.iter_child_nodes():
            visit(child, in_loop)

    visit(ast, False)
    return problems
