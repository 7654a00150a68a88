"""/api/v1/custom-fields: admins define typed fields; key and kind never change."""
import pytest

from chapar.models import AuditLog, ContactFieldValue, CustomField


def define(client, **body):
    response = client.post("/api/v1/custom-fields", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def error_fields(response, status=422):
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]["details"]["fields"]


def test_define_list_get(app, users, api_as):
    admin = api_as("admin")
    created = admin.post("/api/v1/custom-fields", json={
        "key": "tier", "label": "سطح مشتری", "kind": "choice", "choices": [" طلایی", "نقره‌ای", "طلایی"]})
    assert created.status_code == 201
    tier = created.get_json()
    assert tier["choices"] == ["طلایی", "نقره‌ای"] and tier["label"] == "سطح مشتری"
    assert created.headers["Location"].endswith("/api/v1/custom-fields/tier")
    define(admin, key="birthday", kind="date", position=-1)

    viewer = api_as("viewer")
    listed = viewer.get("/api/v1/custom-fields").get_json()
    assert [item["key"] for item in listed["items"]] == ["birthday", "tier"]  # by position
    assert listed["items"][0]["label"] == "birthday"  # the key when no label is given
    assert viewer.get("/api/v1/custom-fields/tier").get_json() == tier
    assert viewer.get(f"/api/v1/custom-fields/{tier['id']}").get_json() == tier
    assert AuditLog.select().where(AuditLog.action == "custom_field.created").count() == 2


@pytest.mark.parametrize("body, field, status", [
    ({"key": "Bad Key", "kind": "text"}, "key", 422),
    ({"key": "9lives", "kind": "text"}, "key", 422),
    ({"key": "email", "kind": "text"}, "key", 422),  # a built-in field's name
    ({"key": "tags", "kind": "text"}, "key", 422),
    ({"key": "x" * 65, "kind": "text"}, "key", 422),
    ({"key": "colour", "kind": "colour"}, "kind", 422),
    ({"key": "colour"}, "kind", 422),
    ({"key": "colour", "kind": "choice"}, "choices", 422),
    ({"key": "colour", "kind": "choice", "choices": ["  "]}, "choices", 422),
    ({"key": "colour", "kind": "text", "choices": ["red"]}, "choices", 422),
    ({"key": "colour", "kind": "text", "label": "x" * 201}, "label", 422),
    ({"key": "colour", "kind": "text", "position": "1"}, "position", 422),
    ({"key": "colour", "kind": "text", "secret": True}, "secret", 422),
    ({"key": "existing", "kind": "number"}, "key", 409),
])
def test_bad_definitions(app, users, api_as, body, field, status):
    admin = api_as("admin")
    define(admin, key="existing", kind="text")
    assert field in error_fields(admin.post("/api/v1/custom-fields", json=body), status)
    assert CustomField.select().count() == 1


def test_change_label_position_and_choices(app, users, api_as):
    admin = api_as("admin")
    tier = define(admin, key="tier", kind="choice", choices=["gold", "silver"])
    changed = admin.patch("/api/v1/custom-fields/tier", json={
        "label": "Tier", "position": 3, "choices": ["gold", "silver", "bronze"], "kind": "choice", "key": "tier"})
    assert changed.status_code == 200, changed.get_json()
    assert {k: changed.get_json()[k] for k in ("label", "position", "choices")} == {
        "label": "Tier", "position": 3, "choices": ["gold", "silver", "bronze"]}
    assert admin.patch(f"/api/v1/custom-fields/{tier['id']}", json={"label": "Level"}).get_json()["label"] == "Level"


def test_kind_and_key_cannot_change(app, users, api_as):
    admin = api_as("admin")
    define(admin, key="score", kind="text")
    fields = error_fields(admin.patch("/api/v1/custom-fields/score", json={"kind": "number", "key": "points"}))
    assert "kind cannot change from text" in fields["kind"][0] and "new field" in fields["kind"][0]
    assert "key cannot change" in fields["key"][0]
    assert CustomField.get().kind == "text"


def test_choices_still_in_use_cannot_be_dropped(app, users, api_as):
    admin = api_as("admin")
    define(admin, key="tier", kind="choice", choices=["gold", "silver", "bronze"])
    for tier in ("gold", "gold", "silver"):
        admin.post("/api/v1/contacts", json={"first_name": tier, "custom_fields": {"tier": tier}})
    response = admin.patch("/api/v1/custom-fields/tier", json={"choices": ["silver"]})
    assert response.status_code == 409
    assert response.get_json()["error"]["details"] == {"in_use": {"gold": 2}}
    assert admin.patch("/api/v1/custom-fields/tier", json={"choices": ["gold", "silver"]}).status_code == 200
    assert "choices" in error_fields(admin.patch("/api/v1/custom-fields/tier", json={"choices": []}))
    blanks = admin.patch("/api/v1/custom-fields/tier", json={"choices": [" ", "gold", "silver "]})
    assert blanks.get_json()["choices"] == ["gold", "silver"]


def test_choices_only_on_choice_fields(app, users, api_as):
    admin = api_as("admin")
    define(admin, key="notes", kind="text")
    assert "choices" in error_fields(admin.patch("/api/v1/custom-fields/notes", json={"choices": ["a"]}))


def test_delete_removes_the_values(app, users, api_as):
    admin = api_as("admin")
    define(admin, key="score", kind="number")
    contact = admin.post("/api/v1/contacts", json={"first_name": "A", "custom_fields": {"score": "۱۲"}}).get_json()
    assert contact["custom_fields"] == {"score": 12}
    assert admin.delete("/api/v1/custom-fields/score").status_code == 204
    assert ContactFieldValue.select().count() == 0
    assert admin.get(f"/api/v1/contacts/{contact['id']}").get_json()["custom_fields"] == {}
    entry = AuditLog.get(AuditLog.action == "custom_field.deleted")
    assert entry.target == "score" and '"values": 1' in entry.details


@pytest.mark.parametrize("ref", ["nope", "424242", "99999999999999999999", "۱"])
def test_unknown_fields_are_404(app, users, api_as, ref):
    admin = api_as("admin")
    for method in ("get", "patch", "delete"):
        body = {"label": "x"} if method == "patch" else None
        response = getattr(admin, method)(f"/api/v1/custom-fields/{ref}", json=body)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
