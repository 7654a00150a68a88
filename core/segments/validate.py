"""The one validator of segment filters: the web UI, the API and saving all call validate_filter.

It returns the filter in normal form (typed values, tags tidied) or raises FilterInvalid with every
problem (up to MAX_PROBLEMS), each naming its condition by path: "all[2].op: unknown operator
'equals'". It stops descending at MAX_DEPTH and counting at MAX_NODES, so hostile input costs
little, and it follows in_segment references to refuse circles.
"""
import json
from dataclasses import dataclass, field

from .language import (ARITY, CONTACT_OPS, DAYS_OPS, GROUPS, MAX_DEPTH, MAX_LIST, MAX_NODES, MAX_PROBLEMS,
                       MAX_REFERENCE_DEPTH)
from .values import ValueProblem, check_value, json_type
from .vocabulary import Vocabulary

_CONDITION_KEYS = ("field", "op", "value")


@dataclass
class Problem:
    """One thing wrong with a filter. `code` and `params` let the web UI say it in Persian."""

    path: str
    code: str
    message: str
    params: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self):
        return {"path": self.path, "code": self.code, "message": self.message}


class FilterInvalid(ValueError):
    """The filter is refused; `problems` lists why, each with its path."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class _Stop(Exception):
    """Enough problems collected (or the tree is too big): stop walking."""


def join(path, key):
    return f"{path}.{key}" if path else key


def parse_filter(text):
    """A stored or submitted filter's JSON text -> a value for validate_filter; FilterInvalid if not JSON."""
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise FilterInvalid([Problem("", "not_json", f"not valid JSON: {exc}")]) from None


def validate_filter(tree, segment_id=None, vocabulary=None):
    """`tree` in normal form, or FilterInvalid. `segment_id` is the segment being saved (for circles)."""
    checker = _Checker(vocabulary or Vocabulary(), segment_id)
    try:
        cleaned = checker.node(tree, "", 0)
    except _Stop:
        cleaned = None
    if checker.problems:
        raise FilterInvalid(checker.problems)
    return cleaned


class _Checker:
    def __init__(self, vocabulary, segment_id):
        self.vocabulary = vocabulary
        self.segment_id = segment_id
        self.problems = []
        self.nodes = 0

    def problem(self, path, code, message, **params):
        self.problems.append(Problem(path, code, message, params))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Stop()

    def node(self, node, path, depth):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.problem("", "too_many_nodes", f"too many conditions and groups (at most {MAX_NODES})",
                         limit=MAX_NODES)
            raise _Stop()
        if not isinstance(node, dict):
            return self.problem(path, "not_an_object", f"expected a condition or a group, got {json_type(node)}")
        groups = [key for key in GROUPS if key in node]
        if not groups:
            return self.condition(node, path)
        if len(node) != 1:
            others = ", ".join(sorted(repr(k) for k in node if k != groups[0]))
            return self.problem(path, "mixed_group", f"a group has one key ({groups[0]!r}), not also {others}")
        key = groups[0]
        if depth >= MAX_DEPTH:
            return self.problem(path, "too_deep", f"groups nest too deeply (at most {MAX_DEPTH} levels)",
                                limit=MAX_DEPTH)
        inner = join(path, key)
        if key == "not":
            return {"not": self.node(node["not"], inner, depth + 1)}
        items = node[key]
        if not isinstance(items, list):
            return self.problem(inner, "expected_list", f"expected a list of conditions, got {json_type(items)}")
        return {key: [self.node(item, f"{inner}[{i}]", depth + 1) for i, item in enumerate(items)]}

    def condition(self, node, path):
        for key in node:
            if key not in _CONDITION_KEYS:
                self.problem(join(path, str(key)), "unknown_key", f"unknown key {str(key)!r}", key=str(key))
        op = node.get("op")
        if "op" not in node:
            return self.problem(join(path, "op"), "missing_op", 'missing "op"')
        if not isinstance(op, str):
            return self.problem(join(path, "op"), "unknown_operator", f"expected an operator, got {json_type(op)}",
                                op=str(op))
        if "field" in node:
            return self.field_condition(node, path, op)
        return self.contact_condition(node, path, op)

    def field_condition(self, node, path, op):
        name = node["field"]
        spec = self.vocabulary.field(name) if isinstance(name, str) else None
        if spec is None:
            return self.problem(join(path, "field"), "unknown_field", f"unknown field {str(name)!r}", field=str(name))
        if op not in ARITY:
            if op in CONTACT_OPS or self.vocabulary.plugin_filter(op) is not None:
                return self.problem(join(path, "field"), "unexpected_field", f'{op!r} takes no "field"', op=op)
            return self.unknown_operator(path, op)
        if op not in spec.operators:
            return self.problem(join(path, "op"), "operator_not_allowed",
                                f"{op!r} does not apply to {name}; use one of {', '.join(spec.operators)}",
                                op=op, field=name)
        kind = "days" if op in DAYS_OPS else "date" if spec.kind == "datetime" else spec.kind
        value = self.values(node, path, ARITY[op], kind, spec.choices)
        return {"field": name, "op": op, **({} if ARITY[op] == "none" else {"value": value})}

    def contact_condition(self, node, path, op):
        subject = CONTACT_OPS.get(op)
        plugin = self.vocabulary.plugin_filter(op) if subject is None else None
        if subject is None and plugin is None:
            if op in ARITY:
                return self.problem(join(path, "field"), "missing_field", f'{op!r} needs a "field"', op=op)
            return self.unknown_operator(path, op)
        value_path = join(path, "value")
        value = node.get("value")
        try:
            if plugin is not None:
                value = plugin.check(value)
            elif subject == "tag":
                value = " ".join(check_value("text", value).split())
                if len(value) > 100:
                    raise ValueProblem("text_too_long", "a tag has at most 100 characters", limit=100)
            else:
                value = check_value("reference", value)
        except ValueProblem as exc:
            return self.problem(value_path, exc.code, str(exc), **exc.params)
        except ValueError as exc:  # a plugin's own validate() refused it, in its words
            return self.problem(value_path, "invalid_value", str(exc) or "invalid value")
        if subject == "segment":
            self.check_reference(value, value_path)
        return {"op": op, **({} if value is None and plugin is not None else {"value": value})}

    def unknown_operator(self, path, op):
        return self.problem(join(path, "op"), "unknown_operator", f"unknown operator {op!r}", op=op)

    def values(self, node, path, arity, kind, choices):
        value, value_path = node.get("value"), join(path, "value")
        try:
            if arity == "none":
                return check_value("none", value)
            if arity == "one":
                return check_value(kind, value, choices)
        except ValueProblem as exc:
            return self.problem(value_path, exc.code, str(exc), **exc.params)
        if not isinstance(value, list):
            return self.problem(value_path, "expected_list", f"expected a list of values, got {json_type(value)}")
        if arity == "pair" and len(value) != 2:
            return self.problem(value_path, "expected_pair", "expected two values: [from, to]")
        if not value or len(value) > MAX_LIST:
            return self.problem(value_path, "list_size", f"expected 1 to {MAX_LIST} values", limit=MAX_LIST)
        cleaned = []
        for i, item in enumerate(value):
            try:
                item = check_value(kind, item, choices)
            except ValueProblem as exc:
                self.problem(f"{value_path}[{i}]", exc.code, str(exc), **exc.params)
                continue
            if arity == "pair" or item not in cleaned:
                cleaned.append(item)
        if arity == "pair" and len(cleaned) == 2 and cleaned[0] > cleaned[1]:
            self.problem(value_path, "reversed_range", "the first value is greater than the second")
        return cleaned

    def check_reference(self, target, path):
        """Refuse a missing segment, a segment that leads back here, and over-long chains."""
        vocabulary = self.vocabulary
        if target == self.segment_id:
            return self.problem(path, "self_reference", "a segment cannot include itself")
        if vocabulary.segment_name(target) is None:
            return self.problem(path, "unknown_segment", f"no segment {target}", segment=target)
        chain = [target]
        stack = [(target, iter(sorted(vocabulary.references(target))))]
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                chain.pop()
                continue
            if child == self.segment_id or child in chain:
                names = " → ".join(vocabulary.segment_name(s) or str(s) for s in chain + [child])
                return self.problem(path, "circular_reference", f"circular reference: {names}", chain=names)
            if len(chain) >= MAX_REFERENCE_DEPTH:
                return self.problem(path, "references_too_deep",
                                    f"segments include each other too deeply (at most {MAX_REFERENCE_DEPTH})",
                                    limit=MAX_REFERENCE_DEPTH)
            chain.append(child)
            stack.append((child, iter(sorted(vocabulary.references(child)))))
        return None
