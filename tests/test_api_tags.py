"""/api/v1/tags: list with contact counts, create, rename, delete."""
from chapar.contacts import add_tags, create_contact
from chapar.models import AuditLog, ContactTag, Tag


def test_list_with_counts(app, users, api_as):
    ali, sara = create_contact({"first_name": "Ali"}), create_contact({"first_name": "Sara"})
    add_tags([ali.id, sara.id], ["vip"])
    add_tags([ali.id], ["مشتری"])
    Tag.create(name="empty")
    client = api_as("viewer")
    body = client.get("/api/v1/tags").get_json()
    assert [(item["name"], item["contact_count"]) for item in body["items"]] == [
        ("empty", 0), ("vip", 2), ("مشتری", 1)]
    assert body["total"] == 3 and body["items"][0]["created_at"].endswith("+00:00")
    assert [item["name"] for item in client.get("/api/v1/tags?q=VI").get_json()["items"]] == ["vip"]
    paged = client.get("/api/v1/tags?per_page=1&page=3").get_json()
    assert (paged["pages"], [item["name"] for item in paged["items"]]) == (3, ["مشتری"])


def test_create_get_rename_delete(app, users, api_as):
    marketer = api_as("marketer")
    created = marketer.post("/api/v1/tags", json={"name": "  مشتری   ویژه "})
    assert created.status_code == 201
    tag = created.get_json()
    assert tag["name"] == "مشتری ویژه" and tag["contact_count"] == 0
    assert created.headers["Location"].endswith(f"/api/v1/tags/{tag['id']}")
    assert marketer.get(created.headers["Location"]).get_json() == tag

    contact = create_contact({"first_name": "Ali"})
    add_tags([contact.id], ["مشتری ویژه"])
    renamed = marketer.patch(f"/api/v1/tags/{tag['id']}", json={"name": "VIP"})
    assert renamed.status_code == 200
    assert (renamed.get_json()["name"], renamed.get_json()["contact_count"]) == ("VIP", 1)
    assert marketer.get(f"/api/v1/contacts/{contact.id}").get_json()["tags"] == ["VIP"]
    assert marketer.patch(f"/api/v1/tags/{tag['id']}", json={"name": "VIP"}).status_code == 200  # same name: fine

    assert api_as("manager").delete(f"/api/v1/tags/{tag['id']}").status_code == 204
    assert Tag.select().count() == 0 and ContactTag.select().count() == 0
    assert marketer.get(f"/api/v1/contacts/{contact.id}").get_json()["tags"] == []
    assert AuditLog.get(AuditLog.action == "tag.deleted").target == "VIP"


def test_names_are_unique(app, users, api_as):
    client = api_as("marketer")
    first = client.post("/api/v1/tags", json={"name": "vip"}).get_json()
    other = client.post("/api/v1/tags", json={"name": "lead"}).get_json()
    duplicate = client.post("/api/v1/tags", json={"name": " vip "})
    assert duplicate.status_code == 409
    assert duplicate.get_json()["error"]["details"] == {"tag_id": first["id"]}
    assert client.patch(f"/api/v1/tags/{other['id']}", json={"name": "vip"}).status_code == 409
    assert Tag.get_by_id(other["id"]).name == "lead"


def test_bad_input_and_unknown_ids(app, users, api_as):
    client = api_as("manager")
    for body in ({}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": 5}, {"name": "a", "colour": 1}):
        assert client.post("/api/v1/tags", json=body).status_code == 422, body
    for method, tag_id in (("get", "99999"), ("patch", "99999"), ("delete", "99999"), ("get", "9" * 20)):
        body = {"name": "x"} if method == "patch" else None
        response = getattr(client, method)(f"/api/v1/tags/{tag_id}", json=body)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
