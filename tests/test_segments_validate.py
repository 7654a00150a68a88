"""The segment filter validator: every refusal names its condition by path, hostile input is cheap,
values come back in normal form, and segments cannot include themselves, directly or in a circle."""
import time

import pytest

from chapar.contacts import define_field
from chapar.segments import MAX_DEPTH, MAX_LIST, MAX_NODES, FilterInvalid, save_segment, validate_filter

CITY = {"field": "city", "op": "eq", "value": "Tehran"}


def problems(tree, **kwargs):
    with pytest.raises(FilterInvalid) as caught:
        validate_filter(tree, **kwargs)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def fields(app):
    define_field("score", "Score", "number")
    define_field("renewal", "Renewal", "date")
    define_field("plan", "Plan", "choice", choices=["free", "pro"])
    define_field("newsletter", "Newsletter", "boolean")


def test_an_unknown_operator_is_named_by_its_path(app):
    tree = {"all": [CITY, CITY, {"field": "city", "op": "equals", "value": "Tehran"}]}
    assert problems(tree) == ["all[2].op: unknown operator 'equals'"]


@pytest.mark.parametrize("tree, expected", [
    ({"any": [{"field": "citty", "op": "eq", "value": "x"}]}, "any[0].field: unknown field 'citty'"),
    ({"not": {"field": "city", "op": "gt", "value": "x"}},
     "not.op: 'gt' does not apply to city; use one of eq, ne, contains, starts_with, in, not_in, is_empty, "
     "is_not_empty"),
    ({"all": [{"field": "city", "op": "eq", "value": 5}]}, "all[0].value: expected text, got a number"),
    ({"all": [{"field": "city", "op": "eq", "value": "  "}]}, "all[0].value: the value is empty"),
    ({"all": [{"field": "city", "op": "in", "value": "Tehran"}]},
     "all[0].value: expected a list of values, got text"),
    ({"all": [{"field": "city", "op": "in", "value": []}]}, f"all[0].value: expected 1 to {MAX_LIST} values"),
    ({"all": [{"field": "city", "op": "in", "value": ["a"] * (MAX_LIST + 1)}]},
     f"all[0].value: expected 1 to {MAX_LIST} values"),
    ({"all": [{"field": "city", "op": "is_empty", "value": "x"}]}, "all[0].value: this operator takes no value"),
    ({"all": [{"field": "do_not_contact", "op": "eq", "value": "maybe"}]},
     "all[0].value: expected true or false, got 'maybe'"),
    ({"all": [{"field": "created_at", "op": "within_days", "value": -1}]},
     "all[0].value: expected a whole number from 0 to 36500"),
    ({"all": [{"field": "created_at", "op": "between", "value": ["2025-02-01", "2025-01-01"]}]},
     "all[0].value: the first value is greater than the second"),
    ({"all": [{"field": "created_at", "op": "gt", "value": "2025-13-01"}]},
     "all[0].value: expected a date as YYYY-MM-DD, got '2025-13-01'"),
    ({"all": [{"field": "consent.email", "op": "eq", "value": "yes"}]},
     "all[0].value: 'yes' is not one of unknown, subscribed, unsubscribed, bounced, complained"),
    ({"all": [{"field": "consent.telegram", "op": "eq", "value": "subscribed"}]},
     "all[0].field: unknown field 'consent.telegram'"),
    ({"all": [{"op": "eq", "value": "x"}]}, "all[0].field: 'eq' needs a \"field\""),
    ({"all": [{"field": "city", "op": "has_tag", "value": "vip"}]}, "all[0].field: 'has_tag' takes no \"field\""),
    ({"all": [{"op": "has_tag", "value": ""}]}, "all[0].value: the value is empty"),
    ({"all": [{"op": "has_tag"}]}, "all[0].value: expected text, got null"),
    ({"all": [{"field": "city", "value": "x"}]}, 'all[0].op: missing "op"'),
    ({"all": [{"field": "city", "op": "eq", "value": "x", "vlaue": 1}]}, "all[0].vlaue: unknown key 'vlaue'"),
    ({"all": [CITY], "any": []}, "a group has one key ('all'), not also 'any'"),
    ({"all": "city"}, "all: expected a list of conditions, got text"),
    ({"all": [["city"]]}, "all[0]: expected a condition or a group, got a list"),
    ({"all": [{"op": "in_segment", "value": "first"}]}, "all[0].value: expected a number, got 'first'"),
    ({"all": [{"op": "in_segment", "value": 999}]}, "all[0].value: no segment 999"),
    ("city = 'Tehran'", "expected a condition or a group, got text"),
])
def test_a_refusal_names_the_condition(app, tree, expected):
    assert problems(tree) == [expected]


def test_custom_fields_are_typed_by_their_kind(fields):
    tree = {"all": [
        {"field": "custom.score", "op": "gte", "value": "lots"},
        {"field": "custom.score", "op": "contains", "value": "1"},
        {"field": "custom.plan", "op": "eq", "value": "gold"},
        {"field": "custom.renewal", "op": "between", "value": ["2025-01-01"]},
        {"field": "custom.newsletter", "op": "eq", "value": 1},
        {"field": "custom.nothing", "op": "eq", "value": 1},
    ]}
    assert problems(tree) == [
        "all[0].value: expected a number, got 'lots'",
        "all[1].op: 'contains' does not apply to custom.score; use one of eq, ne, gt, gte, lt, lte, between, in, "
        "not_in, is_empty, is_not_empty",
        "all[2].value: 'gold' is not one of free, pro",
        "all[3].value: expected two values: [from, to]",
        "all[4].value: expected true or false, got a number",
        "all[5].field: unknown field 'custom.nothing'",
    ]


def test_values_come_back_in_normal_form(fields):
    tree = {"all": [
        {"field": "custom.score", "op": "between", "value": ["۱۲", "1,500.5"]},
        {"field": "custom.renewal", "op": "lt", "value": "۲۰۲۵-۰۱-۰۲"},
        {"field": "created_at", "op": "within_days", "value": "30"},
        {"field": "city", "op": "in", "value": ["تهران", "Shiraz", "تهران"]},
        {"field": "custom.newsletter", "op": "eq", "value": "yes"},
        {"op": "has_tag", "value": "  big   spender "},
        {"not": {"field": "email", "op": "is_empty", "value": None}},
    ]}
    assert validate_filter(tree) == {"all": [
        {"field": "custom.score", "op": "between", "value": [12, 1500.5]},
        {"field": "custom.renewal", "op": "lt", "value": "2025-01-02"},
        {"field": "created_at", "op": "within_days", "value": 30},
        {"field": "city", "op": "in", "value": ["تهران", "Shiraz"]},
        {"field": "custom.newsletter", "op": "eq", "value": True},
        {"op": "has_tag", "value": "big spender"},
        {"not": {"field": "email", "op": "is_empty"}},
    ]}


def test_empty_groups_are_valid(app):
    assert validate_filter({"all": []}) == {"all": []}
    assert validate_filter({"not": {"any": []}}) == {"not": {"any": []}}


def nested(depth, leaf=CITY):
    tree = leaf
    for _ in range(depth):
        tree = {"all": [tree]}
    return tree


def test_depth_is_limited(app):
    assert validate_filter(nested(MAX_DEPTH))
    assert problems(nested(MAX_DEPTH + 1)) == [
        f"{'all[0].' * (MAX_DEPTH - 1)}all[0]: groups nest too deeply (at most {MAX_DEPTH} levels)"]


def test_hostile_input_is_refused_quickly(app):
    started = time.perf_counter()
    assert problems(nested(50_000))[0].endswith(f"groups nest too deeply (at most {MAX_DEPTH} levels)")
    assert problems({"any": [CITY] * 100_000}) == [f"too many conditions and groups (at most {MAX_NODES})"]
    many_errors = problems({"any": [{"op": "nope"}] * (MAX_NODES - 1)})
    assert len(many_errors) == 20 and many_errors[0] == "any[0].op: unknown operator 'nope'"
    assert time.perf_counter() - started < 2


def test_a_segment_cannot_include_itself(app):
    first = save_segment("First", {"all": [CITY]})
    assert problems({"op": "in_segment", "value": first.id}, segment_id=first.id) == [
        "value: a segment cannot include itself"]


def test_circular_references_are_refused(app):
    first = save_segment("First", {"all": [CITY]})
    second = save_segment("Second", {"all": [{"op": "in_segment", "value": first.id}]})
    third = save_segment("Third", {"any": [{"op": "not_in_segment", "value": second.id}]})
    tree = {"all": [CITY, {"op": "in_segment", "value": third.id}]}
    assert problems(tree, segment_id=first.id) == ["all[1].value: circular reference: Third → Second → First"]
    # Saving goes through the same validator and stores nothing.
    with pytest.raises(Exception) as caught:
        save_segment("First", tree, segment=first)
    assert "circular reference" in str(caught.value)
    first_again = type(first).get_by_id(first.id)
    assert "in_segment" not in first_again.filter_json


def test_reference_chains_are_limited(app):
    segment = save_segment("S0", {"all": [CITY]})
    for number in range(1, 6):
        segment = save_segment(f"S{number}", {"op": "in_segment", "value": segment.id})
    assert problems({"op": "in_segment", "value": segment.id}) == [
        "value: segments include each other too deeply (at most 5)"]
