"""Compiled filters on chosen data: LIKE wildcards are literal, Persian text matches, input never
becomes SQL text, and saved segments count, list and refuse deletion while others include them."""
import pytest

from chapar.contacts import add_tags
from chapar.errors import FieldError
from chapar.models import Contact, Segment
from chapar.segments import (compile_filter, delete_segment, matching, member_ids, preview, refresh_count,
                             save_segment)

CITIES = ["Tehran", "Te%ran", "Teh_an", "Tehhan", "te\\ran", "تهران", "تهرانپارس", "Shiraz"]


@pytest.fixture
def people(app):
    ids = {}
    for number, city in enumerate(CITIES):
        ids[city] = Contact.create(first_name=f"P{number}", city=city, email=f"p{number}@example.com").id
    return ids


def cities(tree):
    return sorted(contact.city for contact in matching(tree))


@pytest.mark.parametrize("op, value, expected", [
    ("contains", "%", ["Te%ran"]),
    ("contains", "h_a", ["Teh_an"]),
    ("contains", "_", ["Teh_an"]),
    ("contains", "\\", ["te\\ran"]),
    ("starts_with", "Te%", ["Te%ran"]),
    ("starts_with", "te_", []),
    ("starts_with", "TEH", ["Teh_an", "Tehhan", "Tehran"]),
    ("contains", "RAN", ["Te%ran", "Tehran", "te\\ran"]),
    ("eq", "tehran", []),
    ("contains", "تهران", ["تهران", "تهرانپارس"]),
    ("starts_with", "تهرانپ", ["تهرانپارس"]),
    ("eq", "تهران", ["تهران"]),
    ("in", ["تهران", "Shiraz"], ["Shiraz", "تهران"]),
])
def test_like_wildcards_are_literal_and_case_is_folded(people, op, value, expected):
    assert cities({"field": "city", "op": op, "value": value}) == sorted(expected)


def test_input_never_becomes_sql_text(people):
    hostile = "x'); DROP TABLE contact; --"
    query = matching({"any": [{"field": "city", "op": "contains", "value": hostile},
                              {"op": "has_tag", "value": hostile}]})
    sql, params = query.sql()
    assert "DROP" not in sql and any(hostile in str(param) for param in params)
    assert list(query) == []
    assert Contact.select().count() == len(CITIES)


def test_a_tag_condition_with_persian_names(people):
    add_tags([people["تهران"], people["Shiraz"]], ["مشتری ویژه"])
    tree = {"all": [{"op": "has_tag", "value": "مشتری  ویژه"}, {"field": "city", "op": "ne", "value": "Shiraz"}]}
    assert cities(tree) == ["تهران"]
    assert cities({"op": "lacks_tag", "value": "مشتری ویژه"}) == sorted(set(CITIES) - {"تهران", "Shiraz"})


def test_saved_segments_count_list_and_preview(people):
    segment = save_segment("Tehran «ویژه»", {"field": "city", "op": "contains", "value": "teh"})
    assert (segment.cached_count, segment.counted_at is not None) == (3, True)
    assert Segment.get_by_id(segment.id).name == "Tehran «ویژه»"  # Persian round-trips
    ids = member_ids(segment)
    assert ids == sorted(people[c] for c in ("Tehran", "Teh_an", "Tehhan"))
    assert member_ids(segment, after=ids[0], limit=1) == [ids[1]]
    Contact.create(city="TEHRAN")
    assert Segment.get_by_id(segment.id).cached_count == 3  # cached until refreshed
    assert refresh_count(segment) == 4
    shown = preview({"all": [{"op": "in_segment", "value": segment.id}]}, sample=2)
    assert shown["count"] == 4 and [c.id for c in shown["sample"]] == ids[:2]


def test_a_segment_included_by_another_cannot_be_deleted(people):
    inner = save_segment("Inner", {"field": "city", "op": "eq", "value": "Shiraz"})
    outer = save_segment("Outer", {"not": {"op": "in_segment", "value": inner.id}})
    with pytest.raises(FieldError) as caught:
        delete_segment(inner)
    assert caught.value.code == "in_use" and "Outer" in caught.value.message
    delete_segment(outer)
    delete_segment(inner)
    assert Segment.select().count() == 0


def test_within_days_uses_one_instant(people):
    from datetime import timedelta

    from chapar.models import utcnow

    now = utcnow()
    Contact.update(created_at=now - timedelta(days=10)).where(Contact.city == "Shiraz").execute()
    recent = {"field": "created_at", "op": "within_days", "value": 5}
    assert "Shiraz" not in cities(recent) and len(cities(recent)) == len(CITIES) - 1
    old = Contact.select().where(compile_filter({"field": "created_at", "op": "older_than_days", "value": 9},
                                                now=now))
    assert [c.city for c in old] == ["Shiraz"]


def test_an_included_segment_gone_stale_is_named(people):
    from chapar.contacts import define_field
    from chapar.models import CustomField
    from chapar.segments import FilterInvalid

    define_field("score", "Score", "number")
    inner = save_segment("Scored", {"field": "custom.score", "op": "gt", "value": 1})
    outer = save_segment("Outer", {"all": [{"op": "in_segment", "value": inner.id}]})
    CustomField.delete().execute()
    with pytest.raises(FilterInvalid) as caught:
        refresh_count(outer)
    assert str(caught.value) == ("the included segment 'Scored' needs fixing: "
                                 "field: unknown field 'custom.score'")
