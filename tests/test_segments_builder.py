"""The filter builder without JavaScript (plain form posts) and with htmx (fragments): adding and
removing rows, inline errors next to the offending condition, the live preview, and every kind
of condition surviving a round trip through the page's own form."""
import json
from html.parser import HTMLParser

import pytest

from chapar.contacts import add_tags, define_field
from chapar.models import Contact, Segment
from chapar.segments import save_segment, validate_filter

HTMX = {"HX-Request": "true"}


class FormFields(HTMLParser):
    """What a browser would submit for the builder's form (no button pressed)."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._textarea, self._in_form = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "seg-editor" in attrs.get("class", ""):
            self._in_form = True
        if not self._in_form or attrs.get("disabled") is not None:
            return
        if tag == "input" and attrs.get("type") not in ("submit", "checkbox") and "name" in attrs:
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False


def form_of(html, **changes):
    parser = FormFields()
    parser.feed(html)
    data = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    data.update(changes)
    return data


@pytest.fixture
def audience(app):
    define_field("score", "Score", "number")
    define_field("plan", "Plan", "choice", choices=["free", "pro"])
    define_field("renewal", "Renewal", "date")
    define_field("newsletter", "Newsletter", "boolean")
    ids = [Contact.create(first_name=f"C{n}", city="تهران" if n % 2 else "Shiraz").id for n in range(6)]
    add_tags(ids[:3], ["مشتری ویژه"])
    return ids


def test_building_a_segment_without_javascript(client_as, audience):
    browser = client_as("marketer")
    page = browser.get("/segments/new").get_data(as_text=True)
    assert 'name="subject-r-0"' in page and "6" in page  # a first row, and everyone counted
    page = browser.post("/segments/new", data=form_of(page, action="add:r")).get_data(as_text=True)
    assert 'name="subject-r-1"' in page
    page = browser.post("/segments/new", data=form_of(page, action="group:r")).get_data(as_text=True)
    assert 'name="subject-r-2-0"' in page and 'value="remove:r-2"' in page
    page = browser.post("/segments/new", data=form_of(page, action="remove:r-1")).get_data(as_text=True)
    assert 'name="subject-r-1-0"' in page and 'name="subject-r-2' not in page  # renumbered
    fields = {"name": "ویژه‌های تهران", "subject-r-0": "city", "op-r-0": "eq", "value-r-0": "تهران",
              "match-r-1": "any", "subject-r-1-0": "tag", "op-r-1-0": "has_tag", "value-r-1-0": "مشتری ویژه"}
    page = browser.post("/segments/new", data=form_of(page, action="refresh", **fields)).get_data(as_text=True)
    assert 'name="op-r-1-0"' in page and "has_tag" in page  # the subject change took effect
    response = browser.post("/segments/new", data=form_of(page, action="save", **fields))
    assert response.status_code == 302
    segment = Segment.get(Segment.name == "ویژه‌های تهران")
    assert json.loads(segment.filter_json) == {"all": [{"field": "city", "op": "eq", "value": "تهران"},
                                                       {"any": [{"op": "has_tag", "value": "مشتری ویژه"}]}]}
    shown = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "ویژه‌های تهران" in shown and "C1" in shown and "C3" not in shown


def test_errors_are_shown_next_to_the_condition(client_as, audience):
    browser = client_as("marketer")
    page = browser.get("/segments/new").get_data(as_text=True)
    page = browser.post("/segments/new", data=form_of(page, action="add:r")).get_data(as_text=True)
    wrong = {"subject-r-1": "custom.score", "op-r-1": "gt", "value-r-1": "lots", "value-r-0": "x"}
    data = form_of(page, action="save", name="", description="x" * 2001, **wrong)
    response = browser.post("/segments/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    row = html.split('id="problems-r-1"', 1)[1].split("</div>", 1)[0]
    assert "Enter a number." in row
    assert "Enter a number." not in html.split('id="problems-r-0"', 1)[1].split("</div>", 1)[0]
    assert "Give the segment a name." in html and "Keep the description under 2000 characters." in html
    assert 'value="lots"' in html  # nothing typed is lost
    assert Segment.select().count() == 0


def test_htmx_preview_and_builder_fragments(client_as, audience):
    browser = client_as("marketer")
    page = browser.get("/segments/new").get_data(as_text=True)
    data = form_of(page, **{"op-r-0": "eq", "value-r-0": "تهران"})
    preview = browser.post("/segments/preview", data=data, headers=HTMX).get_data(as_text=True)
    assert '<aside id="segment-preview"' in preview and '<p class="seg-big-number">3</p>' in preview
    assert 'id="problems-r-0" class="seg-problems" hx-swap-oob="true"></div>' in preview
    data = form_of(page, **{"subject-r-0": "created_at", "op-r-0": "within_days", "value-r-0": "-4"})
    preview = browser.post("/segments/preview", data=data, headers=HTMX).get_data(as_text=True)
    assert "Enter a whole number from 0 to 36500." in preview.split('id="problems-r-0"', 1)[1]
    builder = browser.post("/segments/builder", data=form_of(page, action="group:r"),
                           headers=HTMX).get_data(as_text=True)
    assert builder.startswith('<div id="segment-builder"') or '<div id="segment-builder"' in builder[:200]
    assert 'name="kind-r-1" value="group"' in builder and 'hx-swap-oob="true"' in builder
    assert "<html" not in builder


def test_a_blank_value_waits_instead_of_failing(client_as, audience):
    browser = client_as("marketer")
    page = browser.get("/segments/new").get_data(as_text=True)
    preview = browser.post("/segments/preview", data=form_of(page), headers=HTMX).get_data(as_text=True)
    assert '<p class="seg-big-number">6</p>' in preview and "waiting for a value" in preview


EVERY_KIND = {"all": [
    {"field": "city", "op": "in", "value": ["تهران", "Shiraz"]},
    {"field": "email", "op": "is_not_empty"},
    {"field": "custom.score", "op": "between", "value": [10, 20.5]},
    {"field": "custom.plan", "op": "not_in", "value": ["free"]},
    {"field": "custom.renewal", "op": "lt", "value": "2030-01-31"},
    {"field": "custom.newsletter", "op": "eq", "value": False},
    {"field": "consent.sms", "op": "eq", "value": "subscribed"},
    {"field": "do_not_contact", "op": "eq", "value": False},
    {"field": "created_at", "op": "within_days", "value": 30},
    {"field": "updated_at", "op": "between", "value": ["2024-01-01", "2024-12-31"]},
    {"not": {"any": [{"op": "has_tag", "value": "مشتری ویژه"}, {"field": "source", "op": "eq", "value": "import"}]}},
    {"not": {"all": [{"op": "lacks_tag", "value": "x"}, {"any": []}]}},
]}


def test_every_kind_of_condition_survives_the_edit_form(client_as, audience, users):
    inner = save_segment("Inner", {"field": "first_name", "op": "starts_with", "value": "C"})
    tree = {"all": EVERY_KIND["all"] + [{"op": "not_in_segment", "value": inner.id},
                                        {"field": "owner", "op": "in", "value": [users["admin"].id]}]}
    segment = save_segment("Everything", tree)
    browser = client_as("marketer")
    page = browser.get(f"/segments/{segment.id}/edit").get_data(as_text=True)
    response = browser.post(f"/segments/{segment.id}/edit", data=form_of(page, action="save"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert json.loads(Segment.get_by_id(segment.id).filter_json) == validate_filter(tree)


def test_a_new_field_brings_its_own_comparison(client_as, audience):
    browser = client_as("marketer")
    page = browser.get("/segments/new").get_data(as_text=True)
    data = form_of(page, action="refresh", **{"subject-r-0": "custom.score", "op-r-0": "contains",
                                              "value-r-0": "5"})
    html = browser.post("/segments/builder", data=data, headers=HTMX).get_data(as_text=True)
    assert '<option value="eq" selected>' in html.split('id="op-r-0"', 1)[1].split("</select>", 1)[0]
    assert 'id="problems-r-0" class="seg-problems"></div>' in html  # no complaint about "contains"
