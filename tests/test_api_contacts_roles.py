"""Who may call which audience route: every route of the contacts, consent, tags and custom fields
resources is listed here with its lowest role, and checked below it, at it and anonymously."""
import pytest

from chapar.contacts import add_tags, define_field
from chapar.models import Contact, Tag

ROLES = ("viewer", "marketer", "manager", "admin")
BLUEPRINTS = ("contacts", "consent", "tags", "custom_fields")

# (method, URL pattern, body, lowest role). {contact}, {other}, {tag} and {field} are filled in.
ROUTES = [
    ("GET", "/api/v1/contacts", None, "viewer"),
    ("POST", "/api/v1/contacts", {"first_name": "New"}, "marketer"),
    ("GET", "/api/v1/contacts/{contact}", None, "viewer"),
    ("PATCH", "/api/v1/contacts/{contact}", {"city": "Shiraz"}, "marketer"),
    ("DELETE", "/api/v1/contacts/{contact}", None, "manager"),
    ("POST", "/api/v1/contacts/{contact}/tags", {"tags": ["x"]}, "marketer"),
    ("DELETE", "/api/v1/contacts/{contact}/tags", {"tags": ["x"]}, "marketer"),
    ("POST", "/api/v1/contacts/{contact}/merge", {"other_id": "{other}"}, "manager"),
    ("GET", "/api/v1/contacts/{contact}/consent", None, "viewer"),
    ("POST", "/api/v1/contacts/{contact}/consent", {"channel": "sms", "status": "subscribed"}, "marketer"),
    ("GET", "/api/v1/tags", None, "viewer"),
    ("POST", "/api/v1/tags", {"name": "fresh"}, "marketer"),
    ("GET", "/api/v1/tags/{tag}", None, "viewer"),
    ("PATCH", "/api/v1/tags/{tag}", {"name": "renamed"}, "marketer"),
    ("DELETE", "/api/v1/tags/{tag}", None, "manager"),
    ("GET", "/api/v1/custom-fields", None, "viewer"),
    ("POST", "/api/v1/custom-fields", {"key": "fresh", "kind": "text"}, "admin"),
    ("GET", "/api/v1/custom-fields/{field}", None, "viewer"),
    ("PATCH", "/api/v1/custom-fields/{field}", {"label": "Renamed"}, "admin"),
    ("DELETE", "/api/v1/custom-fields/{field}", None, "admin"),
]


@pytest.fixture
def records(app):
    contact = Contact.create(first_name="Ali")
    other = Contact.create(first_name="Ali", last_name="again")
    add_tags([contact.id], ["x"])
    field = define_field("notes", "", "text")
    return {"contact": contact.id, "other": other.id, "tag": Tag.get().id, "field": field.key}


def _fill(value, records):
    if isinstance(value, dict):
        return {key: _fill(item, records) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return records[value[1:-1]]
    return value.format(**records) if isinstance(value, str) else value


@pytest.mark.parametrize("method, url, body, role", ROUTES, ids=[f"{m} {u}" for m, u, _b, _r in ROUTES])
def test_roles(app, users, api_as, records, method, url, body, role):
    url, body = _fill(url, records), _fill(body, records)
    anonymous = app.test_client().open(url, method=method, json=body)
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthorized"
    below = ROLES[:ROLES.index(role)]
    for weaker in below:
        # An invalid body too: the role is checked before the input.
        response = api_as(weaker).open(url, method=method, json={"bogus": True} if body else None)
        assert response.status_code == 403, (weaker, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
    allowed = api_as(role).open(url, method=method, json=body)
    assert allowed.status_code in (200, 201, 204), allowed.get_json()


def test_every_audience_route_is_in_the_table(app):
    listed = {(method, url) for method, url, _body, _role in ROUTES}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in BLUEPRINTS:
            path = rule.rule.replace("<id:contact_id>", "{contact}").replace("<id:tag_id>", "{tag}")
            path = path.replace("<field_ref>", "{field}")
            served |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == listed
