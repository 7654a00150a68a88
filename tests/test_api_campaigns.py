"""/api/v1/campaigns: create, read, change and delete campaigns; filters and pages; roles; bad
input answers 422 naming every wrong field and changes nothing; deleting while sending is a 409."""
import pytest
from programs_support import channel, make_campaign, make_contacts, plugins, ready_program  # noqa: F401

from chapar.models import AuditLog, Campaign
from chapar.programs import launch

SPRING = {"name": "حراج بهاره", "description": "Nowruz offers", "objective_metric": "leads", "objective_target": 40,
          "objective_deadline": "2031-04-01", "starts_on": "2031-03-10", "ends_on": "2031-04-10",
          "budget": "1500000", "currency": "irr", "time_zone": "Asia/Tehran", "tags": ["nowruz", "vip"]}


def test_create_read_change_delete(api_as, users):
    api = api_as("manager")
    created = api.post("/api/v1/campaigns", json=SPRING)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["name"] == "حراج بهاره" and body["budget"] == "1500000.00" and body["currency"] == "IRR"
    assert (body["starts_on"], body["ends_on"], body["objective_target"]) == ("2031-03-10", "2031-04-10", "40.00")
    assert body["owner_id"] == users["manager"].id and body["status"] == "planned"
    assert body["tags"] == ["nowruz", "vip"] and body["spend"] == "0.00" and body["program_count"] == 0
    assert body["objective_value"] == "0.00" and body["objective_percent"] == 0.0
    url = created.headers["Location"]
    assert api.get(url).get_json() == body

    changed = api.patch(url, json={"status": "active", "tags": ["spring"], "owner_id": users["viewer"].id})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["status"], changed.get_json()["tags"]) == ("active", ["spring"])
    assert changed.get_json()["owner_id"] == users["viewer"].id and changed.get_json()["budget"] == "1500000.00"

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    actions = [entry.action for entry in AuditLog.select().order_by(AuditLog.id)][-3:]
    assert actions == ["campaign.created", "campaign.updated", "campaign.deleted"]


def test_roles(api_as):
    campaign = make_campaign()
    url = f"/api/v1/campaigns/{campaign.id}"
    for role in ("viewer", "marketer"):
        api = api_as(role)
        assert api.get("/api/v1/campaigns").get_json()["total"] == 1
        assert api.get(url).status_code == 200
        assert api.post("/api/v1/campaigns", json={"name": "Mine"}).status_code == 403
        assert api.patch(url, json={"name": "Renamed"}).status_code == 403
        assert api.delete(url).status_code == 403
    assert Campaign.get_by_id(campaign.id).name == "Spring" and Campaign.select().count() == 1
    assert api_as("admin").patch(url, json={"name": "Renamed"}).get_json()["name"] == "Renamed"


def test_bad_input_names_every_wrong_field_and_saves_nothing(api_as):
    api = api_as("manager")
    wrong_types = api.post("/api/v1/campaigns", json={
        "name": "X", "budget": "lots", "starts_on": "tomorrow", "owner_id": "3", "tags": "vip", "spend": 5,
        "status": "running"})
    assert wrong_types.status_code == 422
    error = wrong_types.get_json()["error"]
    assert error["code"] == "validation_failed" and error["details"]["location"] == "json"
    assert set(error["details"]["fields"]) == {"budget", "starts_on", "owner_id", "tags", "spend", "status"}
    assert error["details"]["fields"]["spend"] == ["Unknown field."]

    rules = api.post("/api/v1/campaigns", json={"name": "X", "time_zone": "Mars/Olympus", "starts_on": "2031-05-01",
                                                "ends_on": "2031-04-01", "owner_id": 999999, "budget": -5})
    fields = rules.get_json()["error"]["details"]["fields"]
    assert rules.status_code == 422
    assert fields == {"time_zone": ["unknown time zone 'Mars/Olympus'"],
                      "ends_on": ["ends_on must not be before starts_on"],
                      "owner_id": ["owner must be an existing user"],
                      "budget": ["budget must be between 0 and 99999999999999.99"]}
    missing = api.post("/api/v1/campaigns", json={"description": "no name"}).get_json()["error"]
    assert missing["details"]["fields"] == {"name": ["Missing data for required field."]}
    huge = api.post("/api/v1/campaigns", json={"name": "X", "owner_id": 2 ** 63}).get_json()["error"]
    assert list(huge["details"]["fields"]) == ["owner_id"]
    assert Campaign.select().count() == 0

    campaign = make_campaign(budget="100")
    blank = api.patch(f"/api/v1/campaigns/{campaign.id}", json={"name": "   ", "budget": "7"})
    assert blank.status_code == 422 and blank.get_json()["error"]["details"]["fields"] == {
        "name": ["name is required"]}
    assert Campaign.get_by_id(campaign.id).budget == 100 and Campaign.get_by_id(campaign.id).name == "Spring"
    for path in ("/api/v1/campaigns/0", "/api/v1/campaigns/99999999999999999999", f"/api/v1/campaigns/{2 ** 62}"):
        assert api.get(path).status_code == 404
    assert api.get("/api/v1/campaigns?owner=99999999999999999999").status_code == 422


def test_filters_and_pages(api_as, users):
    manager, viewer = users["manager"], users["viewer"]
    make_campaign("Nowruz SMS", owner=manager.id, status="active", tags=["nowruz"])
    make_campaign("Nowruz email", owner=viewer.id, status="active", tags=["nowruz", "email"])
    make_campaign("Yalda", owner=manager.id, status="finished")
    api = api_as("viewer")

    def names(query):
        response = api.get(f"/api/v1/campaigns?{query}")
        assert response.status_code == 200, response.get_json()
        return [item["name"] for item in response.get_json()["items"]]

    assert names("") == ["Yalda", "Nowruz email", "Nowruz SMS"]  # newest first
    assert names("status=active") == ["Nowruz email", "Nowruz SMS"]
    assert names(f"owner={manager.id}") == ["Yalda", "Nowruz SMS"]
    assert names("tag=nowruz&owner=" + str(viewer.id)) == ["Nowruz email"]
    assert names("q=nowruz") == ["Nowruz email", "Nowruz SMS"] and names("tag=none") == []
    page = api.get("/api/v1/campaigns?per_page=2&page=2&status=active")
    assert page.get_json()["total"] == 2 and page.get_json()["items"] == []
    first = api.get("/api/v1/campaigns?per_page=2")
    assert (first.get_json()["pages"], len(first.get_json()["items"])) == (2, 2)
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    assert api.get("/api/v1/campaigns?status=running").status_code == 422
    assert api.get("/api/v1/campaigns?per_page=201").status_code == 422


@pytest.mark.usefixtures("channel")
def test_a_campaign_with_a_sending_program_cannot_be_deleted(api_as):
    campaign = make_campaign()
    program = ready_program(campaign, make_contacts(3))
    launch(program)
    api = api_as("admin")
    refused = api.delete(f"/api/v1/campaigns/{campaign.id}")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "campaign_busy"
    assert "cancel it" in refused.get_json()["error"]["message"]
    listed = api.get(f"/api/v1/campaigns/{campaign.id}").get_json()
    assert listed["program_count"] == 1 and listed["name"] == "Spring"
    assert api.post(f"/api/v1/programs/{program.id}/cancel").status_code == 200
    assert api.delete(f"/api/v1/campaigns/{campaign.id}").status_code == 204
