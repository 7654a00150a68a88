"""/api/v1/segments: CRUD, preview, count and members; malformed filters answer 422 naming the
condition; roles; Persian round-trips; documented in the OpenAPI document."""
import pytest

from chapar.contacts import add_tags
from chapar.models import AuditLog, Contact, Segment

VIP_IN_TEHRAN = {"all": [{"op": "has_tag", "value": "vip"}, {"field": "city", "op": "eq", "value": "تهران"},
                         {"field": "consent.email", "op": "eq", "value": "subscribed"}]}


@pytest.fixture
def audience(app):
    ids = [Contact.create(first_name=f"C{n}", city="تهران" if n % 2 else "Shiraz",
                          consent_email="subscribed" if n % 3 else "unknown", email=f"c{n}@example.com").id
           for n in range(12)]
    add_tags(ids[:8], ["vip"])
    return ids


def expected_members(ids):
    return [i for n, i in enumerate(ids[:8]) if n % 2 and n % 3]


def test_create_read_update_delete(api_as, audience):
    api = api_as("manager")
    created = api.post("/api/v1/segments", json={"name": "VIP «تهران»", "filter": VIP_IN_TEHRAN})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["name"] == "VIP «تهران»" and body["filter"] == VIP_IN_TEHRAN
    assert body["count"] == len(expected_members(audience)) and body["counted_at"].endswith("+00:00")
    url = created.headers["Location"]
    assert api.get(url).get_json()["name"] == "VIP «تهران»"
    changed = api.patch(url, json={"filter": {"op": "has_tag", "value": "vip"}})
    assert changed.status_code == 200 and changed.get_json()["count"] == 8
    assert changed.get_json()["name"] == "VIP «تهران»"
    listed = api.get("/api/v1/segments?q=VIP").get_json()
    assert [item["name"] for item in listed["items"]] == ["VIP «تهران»"] and listed["total"] == 1
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    actions = [entry.action for entry in AuditLog.select().order_by(AuditLog.id)]
    assert actions[-3:] == ["segment.created", "segment.changed", "segment.deleted"]


def test_malformed_filters_answer_422_naming_the_condition(api_as, audience):
    api = api_as("marketer")
    bad = {"all": [{"op": "has_tag", "value": "vip"}, {"field": "city", "op": "eq", "value": "x"},
                   {"field": "city", "op": "equals", "value": "Tehran"}]}
    for url, body in (("/api/v1/segments", {"name": "Bad", "filter": bad}), ("/api/v1/segments/preview",
                                                                            {"filter": bad})):
        response = api.post(url, json=body)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert "all[2].op: unknown operator 'equals'" in error["message"]
        assert error["details"]["fields"]["filter"] == ["all[2].op: unknown operator 'equals'"]
        assert error["details"]["problems"] == [
            {"path": "all[2].op", "code": "unknown_operator", "message": "unknown operator 'equals'"}]
    assert Segment.select().count() == 0
    missing = api.post("/api/v1/segments", json={"name": "No filter"}).get_json()["error"]
    assert missing["details"]["fields"] == {"filter": ["Missing data for required field."]}
    both = api.post("/api/v1/segments", json={"name": " ", "filter": []}).get_json()["error"]
    assert set(both["details"]["fields"]) == {"name", "filter"}
    deep = {"all": []}
    for _ in range(30):
        deep = {"not": deep}
    assert "groups nest too deeply" in api.post("/api/v1/segments/preview", json={"filter": deep}).get_json()[
        "error"]["message"]


def test_duplicate_names_and_included_segments_conflict(api_as, audience):
    api = api_as("admin")
    first = api.post("/api/v1/segments", json={"name": "First", "filter": {"all": []}}).get_json()
    again = api.post("/api/v1/segments", json={"name": "First", "filter": {"all": []}})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    second = api.post("/api/v1/segments", json={"name": "Second", "filter": {"op": "in_segment",
                                                                              "value": first["id"]}}).get_json()
    circle = api.patch(f"/api/v1/segments/{first['id']}",
                       json={"filter": {"op": "not_in_segment", "value": second["id"]}})
    assert circle.status_code == 422
    assert circle.get_json()["error"]["details"]["fields"]["filter"] == [
        "value: circular reference: Second → First"]
    refused = api.delete(f"/api/v1/segments/{first['id']}")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["details"]["segments"] == [{"id": second["id"], "name": "Second"}]


def test_preview_count_and_members(api_as, audience):
    api = api_as("viewer")
    shown = api.post("/api/v1/segments/preview", json={"filter": VIP_IN_TEHRAN, "sample": 2}).get_json()
    members = expected_members(audience)
    assert shown["count"] == len(members) and [c["id"] for c in shown["sample"]] == members[:2]
    assert shown["sample"][0]["city"] == "تهران"
    segment = api_as("marketer").post("/api/v1/segments", json={"name": "S", "filter": VIP_IN_TEHRAN}).get_json()
    Contact.create(first_name="Late", city="تهران", consent_email="subscribed")
    add_tags([Contact.get(Contact.first_name == "Late").id], ["vip"])
    url = f"/api/v1/segments/{segment['id']}"
    assert api.get(url + "/count").get_json()["count"] == len(members)  # cached
    fresh = api.get(url + "/count?refresh=true").get_json()
    assert fresh["count"] == len(members) + 1
    page = api.get(url + "/members?per_page=2&page=1")
    assert page.status_code == 200 and 'rel="next"' in page.headers["Link"]
    body = page.get_json()
    assert body["total"] == len(members) + 1 and [m["id"] for m in body["items"]] == members[:2]


def test_roles(api_as, audience, client):
    segment = api_as("marketer").post("/api/v1/segments", json={"name": "S", "filter": {"all": []}}).get_json()
    url = f"/api/v1/segments/{segment['id']}"
    viewer, marketer = api_as("viewer"), api_as("marketer")
    assert viewer.post("/api/v1/segments", json={"name": "V", "filter": {"all": []}}).status_code == 403
    assert viewer.patch(url, json={"name": "V"}).status_code == 403
    assert viewer.delete(url).status_code == 403
    assert marketer.delete(url).status_code == 403
    for path in ("", "/count", "/members"):
        assert viewer.get(url + path).status_code == 200
        assert client.raw.get(url + path).status_code == 401
    assert client.raw.post("/api/v1/segments/preview", json={"filter": {"all": []}}).status_code == 401
    assert api_as("viewer").get("/api/v1/segments/99999999999").status_code == 404


def test_documented_in_openapi(app, client):
    document = client.raw.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/segments", "/api/v1/segments/preview", "/api/v1/segments/{segment_id}",
                 "/api/v1/segments/{segment_id}/count", "/api/v1/segments/{segment_id}/members"):
        assert path in document["paths"], path
    create = document["paths"]["/api/v1/segments"]["post"]
    assert create["summary"] == "Create a segment"
