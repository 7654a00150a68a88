"""The filter compiler agrees with a pure-Python reference (segments_oracle.evaluate) on random data,
for random filters covering every operator, every kind of field and nesting, on SQLite and PostgreSQL.
"""
import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from segments_oracle import CITIES, NAMES, NOTES, TAGS, TEXT_ALPHABET, build_dataset, evaluate

from chapar.models import Contact
from chapar.segments import ALL_OPS, ARITY, CORE_FIELDS, Vocabulary, compile_filter, validate_filter

EXAMPLES = 500


def _text():
    pool = sorted({*CITIES, *NAMES, *NOTES, "teh", "TEH", "%", "_", "\\", "ran", "ت", "@example", "+98"} - {""})
    return st.sampled_from(pool) | st.text(TEXT_ALPHABET, min_size=1, max_size=3).filter(str.strip)


def _one(spec, op, world):
    """A strategy for one value of `spec`'s kind, near the data so that filters select something."""
    now = world["now"]
    if op in ("within_days", "older_than_days"):
        return st.integers(0, 420)
    kind = spec.kind
    if kind in ("date", "datetime"):
        span = 60 if kind == "date" else 400
        return st.integers(-span, 5).map(lambda days: (now + datetime.timedelta(days=days)).date().isoformat())
    if kind == "number":
        return st.sampled_from([0, 1, 2.5, 10, 50, 99, -3]) | st.integers(-12, 112)
    if kind == "choice":
        return st.sampled_from(spec.choices)
    if kind == "boolean":
        return st.booleans()
    if kind == "reference":
        return st.sampled_from(world["owners"] + [10 ** 6])
    return _text()


def _condition(op, spec, world):
    arity = ARITY[op]
    if arity == "none":
        return st.just({"field": spec.name, "op": op})
    one = _one(spec, op, world)
    values = {"one": one, "list": st.lists(one, min_size=1, max_size=4),
              "pair": st.lists(one, min_size=2, max_size=2).map(sorted)}[arity]
    return values.map(lambda value: {"field": spec.name, "op": op, "value": value})


def _leaf(op, world, fields):
    """A condition with operator `op`: drawing the operator first gives each one an equal share."""
    if op in ("has_tag", "lacks_tag"):
        return st.sampled_from(TAGS + ["nobody's tag"]).map(lambda tag: {"op": op, "value": tag})
    if op in ("in_segment", "not_in_segment"):
        return st.sampled_from(sorted(world["segments"])).map(lambda segment: {"op": op, "value": segment})
    specs = [spec for spec in fields if op in spec.operators]
    return st.sampled_from(specs).flatmap(lambda spec: _condition(op, spec, world))


def filters(world, fields):
    leaves = st.sampled_from(ALL_OPS).flatmap(lambda op: _leaf(op, world, fields))
    return st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: {"all": items}),
        st.lists(children, max_size=4).map(lambda items: {"any": items}),
        children.map(lambda child: {"not": child}),
    ), max_leaves=10)


def used_operators(tree, found):
    if isinstance(tree, dict):
        if "op" in tree:
            found.add(tree["op"])
        for value in tree.values():
            used_operators(value, found)
    elif isinstance(tree, list):
        for item in tree:
            used_operators(item, found)
    return found


def test_the_compiler_selects_what_the_reference_selects(app, users):
    world = build_dataset(seed=20250101, owners=[user.id for user in users.values()])
    fields = list(CORE_FIELDS.values()) + list(Vocabulary().custom_fields().values())
    seen = set()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(filters(world, fields))
    def check(tree):
        cleaned = validate_filter(tree)
        expression = compile_filter(cleaned, now=world["now"])
        selected = {row.id for row in Contact.select(Contact.id).where(expression)}
        expected = {contact["id"] for contact in world["contacts"] if evaluate(cleaned, contact, world)}
        assert selected == expected, cleaned
        assert Contact.select().where(expression).count() == len(expected)
        used_operators(cleaned, seen)

    check()
    assert seen == set(ALL_OPS), f"never generated: {sorted(set(ALL_OPS) - seen)}"


@pytest.mark.parametrize("tree, expected_ids", [
    # Contacts 0..59 are random; these spot checks pin the semantics the random test relies on.
    ({"all": []}, "everyone"),
    ({"any": []}, "no one"),
])
def test_empty_groups(app, users, tree, expected_ids):
    world = build_dataset(seed=1, owners=[], size=5)
    selected = {row.id for row in Contact.select(Contact.id).where(compile_filter(tree))}
    everyone = {contact["id"] for contact in world["contacts"]}
    assert selected == (everyone if expected_ids == "everyone" else set())
