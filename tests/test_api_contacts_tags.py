"""Tagging contacts: `tags` on create and PATCH replaces, POST/DELETE .../tags add and remove."""
from datetime import datetime

from chapar.models import Contact, ContactTag, Tag


def make(client, **fields):
    response = client.post("/api/v1/contacts", json={"first_name": "Ali", **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_tags_set_on_create_and_replaced_on_patch(app, users, api_as):
    client = api_as("marketer")
    contact = make(client, tags=["vip", "  مشتری   ویژه ", "vip"])
    assert contact["tags"] == ["vip", "مشتری ویژه"]  # runs of spaces collapse, repeats go
    url = f"/api/v1/contacts/{contact['id']}"
    assert client.patch(url, json={"tags": ["lead"]}).get_json()["tags"] == ["lead"]
    assert client.patch(url, json={"city": "Qom"}).get_json()["tags"] == ["lead"]  # absent: unchanged
    assert client.patch(url, json={"tags": []}).get_json()["tags"] == []
    assert Tag.select().count() == 3  # untagging never deletes the tag itself


def test_add_and_remove(app, users, api_as):
    client = api_as("marketer")
    contact = make(client, tags=["a"])
    url = f"/api/v1/contacts/{contact['id']}/tags"
    added = client.post(url, json={"tags": ["b", "a", "ج"]})
    assert added.status_code == 200 and added.get_json() == {"tags": ["a", "b", "ج"]}
    removed = client.delete(url, json={"tags": ["a", "never-had-it", "ج"]})
    assert removed.status_code == 200 and removed.get_json() == {"tags": ["b"]}
    assert client.get(f"/api/v1/contacts/{contact['id']}").get_json()["tags"] == ["b"]
    assert ContactTag.select().count() == 1


def test_tagging_counts_as_an_update(app, users, api_as):
    client = api_as("marketer")
    contact = make(client)
    Contact.update(updated_at=datetime(2020, 1, 1)).execute()
    client.post(f"/api/v1/contacts/{contact['id']}/tags", json={"tags": ["x"]})
    found = client.get("/api/v1/contacts?updated_since=2024-01-01T00:00:00").get_json()["items"]
    assert [item["id"] for item in found] == [contact["id"]]


def test_bad_tag_bodies(app, users, api_as):
    client = api_as("marketer")
    url = f"/api/v1/contacts/{make(client)['id']}/tags"
    for body in ({}, {"tags": []}, {"tags": "vip"}, {"tags": [""]}, {"tags": ["x" * 101]}, {"tags": [7]},
                 {"tags": ["ok"], "extra": 1}, {"tags": ["a"] * 101}):
        response = client.post(url, json=body)
        assert response.status_code == 422, body
    assert Tag.select().count() == 0
    assert client.post("/api/v1/contacts/424242/tags", json={"tags": ["x"]}).status_code == 404
    assert client.delete("/api/v1/contacts/424242/tags", json={"tags": ["x"]}).status_code == 404
