"""GET /api/v1/contacts: search, filters, sorting and pagination."""
from datetime import datetime, timedelta, timezone

import pytest

from chapar.contacts import add_tags, change_consent, create_contact, set_do_not_contact
from chapar.models import Contact, SiteSetting


@pytest.fixture
def people(app):
    """A few contacts to search, by first name."""
    SiteSetting.set_value("default_country", "IR")
    rows = [
        {"first_name": "Sara", "last_name": "Rezaei", "email": "Sara.Rezaei@Example.com", "mobile": "09121234567",
         "source": "import"},
        {"first_name": "علی", "last_name": "کریمی", "email": "ali@example.org", "mobile": "+989351112233"},
        {"first_name": "Reza", "last_name": "Sarabi", "fax": "02188887777", "source": "import"},
        {"first_name": "Mina", "last_name": "100%_Pure", "email": "mina@shop.ir"},
        {"first_name": "Omid", "company": "Sara Foods"},
    ]
    found = {row["first_name"]: create_contact(row) for row in rows}
    add_tags([found["Sara"].id, found["علی"].id], ["vip"])
    add_tags([found["Sara"].id, found["Reza"].id], ["tehran"])
    change_consent(found["Sara"], "email", "subscribed", "user")
    change_consent(found["علی"], "email", "unsubscribed", "user")
    set_do_not_contact(found["Reza"], True, "user")
    return found


def names(response):
    assert response.status_code == 200, response.get_json()
    return sorted(item["first_name"] for item in response.get_json()["items"])


@pytest.mark.parametrize("q, expected", [
    ("sara", ["Reza", "Sara"]),  # first name, last name "Sarabi"; not the company
    ("SARA.REZAEI@EXAMPLE", ["Sara"]),  # email, whatever the case
    ("example.org", ["علی"]),
    ("۰۹۱۲۱۲۳۴۵۶۷", ["Sara"]),  # the mobile in Persian digits, local form
    ("0912 123 4567", ["Sara"]),
    ("+98 912 123", ["Sara"]),
    ("٠٩٣٥", ["علی"]),  # Arabic-Indic digits, a prefix
    ("8888", ["Reza"]),  # fax
    ("علی کریمی", ["علی"]),  # every word must match
    ("علي", ["علی"]),  # typed with an Arabic yeh
    ("sara rezaei", ["Sara"]),
    ("sara nobody", []),
    ("100%_", ["Mina"]),  # LIKE wildcards are literal
    ("%", ["Mina"]),
    ("_", ["Mina"]),
    ("", ["Mina", "Omid", "Reza", "Sara", "علی"]),
])
def test_search(app, users, api_as, people, q, expected):
    assert names(api_as("viewer").get("/api/v1/contacts", query_string={"q": q})) == expected


@pytest.mark.parametrize("query, expected", [
    ({"tag": "vip"}, ["Sara", "علی"]),
    ({"tag": ["vip", "tehran"]}, ["Sara"]),  # repeated: all of them
    ({"tag": "nobody-has-this"}, []),
    ({"consent_email": "subscribed"}, ["Sara"]),
    ({"consent_email": "unknown"}, ["Mina", "Omid", "Reza"]),
    ({"consent_sms": "unknown", "tag": "vip"}, ["Sara", "علی"]),
    ({"source": "import"}, ["Reza", "Sara"]),
    ({"do_not_contact": "true"}, ["Reza"]),
    ({"q": "sara", "source": "import", "tag": "tehran"}, ["Reza", "Sara"]),
])
def test_filters(app, users, api_as, people, query, expected):
    assert names(api_as("viewer").get("/api/v1/contacts", query_string=query)) == expected


def test_updated_since(app, users, api_as, people):
    old = datetime(2020, 1, 1)
    Contact.update(updated_at=old).where(Contact.first_name != "Mina").execute()
    client = api_as("viewer")
    assert names(client.get("/api/v1/contacts?updated_since=2024-01-01T00:00:00")) == ["Mina"]
    # An offset is honoured: 03:30 in Tehran is midnight UTC.
    Contact.update(updated_at=datetime(2024, 1, 1, 0, 0, 1)).where(Contact.first_name == "Omid").execute()
    assert names(client.get("/api/v1/contacts", query_string={"updated_since": "2024-01-01T03:30:00+03:30"})) == [
        "Mina", "Omid"]
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    assert names(client.get("/api/v1/contacts", query_string={"updated_since": since})) == ["Mina"]


def test_sorting(app, users, api_as, people):
    client = api_as("viewer")
    ids = [item["id"] for item in client.get("/api/v1/contacts").get_json()["items"]]
    assert ids == sorted(ids)  # default: id
    newest = [item["id"] for item in client.get("/api/v1/contacts?sort=-id").get_json()["items"]]
    assert newest == sorted(ids, reverse=True)
    by_last = [item["last_name"] for item in client.get("/api/v1/contacts?sort=last_name").get_json()["items"]]
    assert by_last == sorted(by_last)


def test_pagination_keeps_the_filters_in_the_links(app, users, api_as, people):
    client = api_as("viewer")
    first = client.get("/api/v1/contacts?per_page=2&sort=-id&source=import")
    body = first.get_json()
    assert (body["total"], body["pages"], len(body["items"])) == (2, 1, 2)
    page = client.get("/api/v1/contacts?per_page=2&page=2")
    body = page.get_json()
    assert (body["page"], body["total"], body["pages"], len(body["items"])) == (2, 5, 3, 2)
    assert 'rel="next"' in page.headers["Link"] and "page=3" in page.headers["Link"]
    assert "source=import" in first.headers["Link"]
    seen = []
    for number in (1, 2, 3):
        seen += [item["id"] for item in client.get(f"/api/v1/contacts?per_page=2&page={number}").get_json()["items"]]
    assert len(set(seen)) == 5  # stable pages: nothing twice, nothing missed
    assert client.get("/api/v1/contacts?page=9").get_json()["items"] == []


def test_a_page_shows_tags_and_custom_values_of_each_contact(app, users, api_as, people):
    items = {item["first_name"]: item for item in api_as("viewer").get("/api/v1/contacts").get_json()["items"]}
    assert items["Sara"]["tags"] == ["tehran", "vip"] and items["Omid"]["tags"] == []
    assert items["Reza"]["do_not_contact"] is True and items["Sara"]["consent"]["email"] == "subscribed"


@pytest.mark.parametrize("query, field", [
    ("per_page=201", "per_page"),
    ("consent_email=maybe", "consent_email"),
    ("source=carrier", "source"),
    ("sort=password", "sort"),
    ("updated_since=yesterday", "updated_since"),
    ("do_not_contact=perhaps", "do_not_contact"),
    ("q=" + "x" * 201, "q"),
])
def test_bad_list_arguments_are_422(app, users, api_as, query, field):
    response = api_as("viewer").get(f"/api/v1/contacts?{query}")
    assert response.status_code == 422
    assert list(response.get_json()["error"]["details"]["fields"]) == [field]
