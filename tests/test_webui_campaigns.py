"""The campaign pages: the list and its filters, creating, editing and deleting, and a campaign's
page with its programs, budget against spend, objective progress and timeline."""
from datetime import date
from decimal import Decimal

import pytest
from programs_support import channel, make_contacts, plugins  # noqa: F401 - fixtures

from chapar.campaigns import save_campaign
from chapar.events import record_event
from chapar.models import Campaign, Message, Program

GOOD = {"name": "Nowruz sale", "description": "Spring offers", "status": "active", "owner": "",
        "starts_on": "2030-03-01", "ends_on": "2030-03-31", "objective_metric": "leads",
        "objective_target": "250", "objective_deadline": "2030-04-10", "budget": "1500.50", "currency": "eur",
        "time_zone": "Asia/Tehran", "tags": "spring, nowruz، vip"}


def text_of(response):
    return response.get_data(as_text=True)


def spend(campaign, *costs, status="sent"):
    """A started program of `campaign` whose messages cost `costs` (handed over: paid for)."""
    program = Program.create(campaign=campaign, name=f"Program of {campaign.name}", channel="fixture",
                             status="sending", started_at=date(2030, 3, 2), launched_at=date(2030, 3, 2),
                             audience_size=len(costs), estimated_cost=sum(costs, Decimal(0)))
    for number, cost in enumerate(costs):
        contact = make_contacts(1, prefix=f"p{program.id}x{number}")[0]
        Message.create(program=program, contact=contact, address=contact.email, status=status, cost=cost,
                       sent_at=date(2030, 3, 2))
    return program


def test_only_managers_create_edit_and_delete(client_as, users):
    campaign = save_campaign({"name": "Spring"})
    viewer, marketer, manager = client_as("viewer"), client_as("marketer"), client_as("manager")
    for url in ("/campaigns", f"/campaigns/{campaign.id}", "/campaigns/calendar"):
        assert viewer.get(url).status_code == 200, url
    for browser in (viewer, marketer):
        assert browser.get("/campaigns/new").status_code == 403
        assert browser.post("/campaigns/new", GOOD).status_code == 403
        assert browser.get(f"/campaigns/{campaign.id}/edit").status_code == 403
        assert browser.post(f"/campaigns/{campaign.id}/delete").status_code == 403
    assert Campaign.select().count() == 1
    page = text_of(viewer.get(f"/campaigns/{campaign.id}"))
    assert f"/campaigns/{campaign.id}/edit" not in page and f"/campaigns/{campaign.id}/delete" not in page
    assert f"/campaigns/{campaign.id}/edit" in text_of(manager.get(f"/campaigns/{campaign.id}"))
    assert manager.get("/campaigns/new").status_code == 200


def test_the_empty_list_invites_a_manager_to_start(client_as):
    page = text_of(client_as("manager").get("/campaigns"))
    assert "No campaigns yet" in page and 'href="/campaigns/new"' in page
    page = text_of(client_as("viewer").get("/campaigns"))
    assert "No campaigns yet" in page and 'href="/campaigns/new"' not in page
    assert 'href="/campaigns"' in page  # the menu item, for every role


def test_the_list_shows_spend_against_budget_and_objective(client_as, users):
    over = save_campaign({"name": "Over", "budget": "10", "currency": "USD"})
    spend(over, Decimal("7.25"), Decimal("5"))
    save_campaign({"name": "Leads drive", "objective_metric": "delivered", "objective_target": "4", "budget": "100",
                   "owner": users["marketer"].id})
    page = text_of(client_as("viewer").get("/campaigns"))
    assert "12.25 USD" in page and "/ 10 USD" in page and "Over budget" in page
    assert "Messages delivered" in page and "0 / 4" in page and "(0%)" in page
    assert page.index("Leads drive") < page.index("Over")  # newest first
    assert "Marketer" in page


def test_the_list_filters_by_status_owner_tag_and_name(client_as, users):
    save_campaign({"name": "Spring email", "status": "active", "tags": ["spring"], "owner": users["manager"].id})
    save_campaign({"name": "Autumn fax", "status": "planned", "tags": ["autumn"], "owner": users["marketer"].id})
    save_campaign({"name": "Spring print", "status": "archived", "tags": ["spring", "print"]})
    browser = client_as("viewer")

    def names(query):
        page = text_of(browser.get("/campaigns" + query))
        return {name for name in ("Spring email", "Autumn fax", "Spring print") if f">{name}</a>" in page}

    assert names("") == {"Spring email", "Autumn fax", "Spring print"}
    assert names("?status=active") == {"Spring email"}
    assert names(f"?owner={users['marketer'].id}") == {"Autumn fax"}
    assert names("?tag=spring") == {"Spring email", "Spring print"}
    assert names("?q=spr") == {"Spring email", "Spring print"}
    assert names("?q=SPRING&status=archived") == {"Spring print"}
    assert names("?status=bogus&owner=x") == {"Spring email", "Autumn fax", "Spring print"}  # ignored, not an error
    page = text_of(browser.get("/campaigns?q=nothing-like-this"))
    assert "No campaign matches these filters" in page and "Clear filters" in page
    assert 'value="nothing-like-this"' in page  # the search is kept in its box


def test_the_list_is_paginated(client_as):
    for number in range(30):
        save_campaign({"name": f"Campaign {number:02d}"})
    browser = client_as("viewer")
    first = text_of(browser.get("/campaigns"))
    assert ">Campaign 29</a>" in first and ">Campaign 00</a>" not in first and "Page 1 of 2" in first
    second = text_of(browser.get("/campaigns?page=2"))
    assert ">Campaign 00</a>" in second and ">Campaign 29</a>" not in second


def test_creating_a_campaign_with_every_field(client_as, users):
    response = client_as("manager").post("/campaigns/new", {**GOOD, "owner": str(users["marketer"].id)})
    assert response.status_code == 302
    campaign = Campaign.get(Campaign.name == "Nowruz sale")
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert (campaign.status, campaign.owner_id, campaign.currency, campaign.time_zone) == (
        "active", users["marketer"].id, "EUR", "Asia/Tehran")
    assert (campaign.starts_on, campaign.ends_on, campaign.objective_deadline) == (
        date(2030, 3, 1), date(2030, 3, 31), date(2030, 4, 10))
    assert (campaign.budget, campaign.objective_target, campaign.objective_metric) == (
        Decimal("1500.50"), Decimal("250"), "leads")
    page = text_of(client_as("viewer").get(f"/campaigns/{campaign.id}"))
    assert "Spring offers" in page and "Asia/Tehran" in page
    assert all(f">{tag}</a>" in page for tag in ("spring", "nowruz", "vip"))  # the Persian comma separates too


@pytest.mark.parametrize("field, value, message", [
    ("name", "  ", "Give the campaign a name."),
    ("name", "x" * 201, "Use at most 200 characters."),
    ("budget", "lots", "Enter a number, such as 1500 or 1500.50."),
    ("budget", "-5", "Enter an amount of zero or more."),
    ("objective_target", "1e999", "Enter an amount of zero or more."),
    ("starts_on", "31/03/2030", "Enter a date as YYYY-MM-DD."),
    ("ends_on", "2030-02-01", "The end date cannot be before the start date."),
    ("currency", "euro", "Enter a three-letter currency code such as USD, EUR or IRR."),
    ("time_zone", "Mars/Olympus", "Choose a time zone from the list."),
    ("status", "deleted", "Choose one of the options."),
    ("objective_metric", "likes", "Choose one of the options."),
    ("owner", "99999", "Choose one of the users."),
    ("tags", "ok, " + "t" * 65, "A tag may have at most 64 characters."),
])
def test_bad_input_is_shown_with_everything_typed_kept(client_as, field, value, message):
    response = client_as("manager").post("/campaigns/new", {**GOOD, field: value})
    page = text_of(response)
    assert response.status_code == 422
    assert message in page and 'aria-invalid="true"' in page and Campaign.select().count() == 0
    kept = {name: typed for name, typed in GOOD.items() if name != field and typed}
    assert "Spring offers" in page  # the good fields are still there
    assert all(f'value="{typed}"' in page for name, typed in kept.items() if name in ("budget", "starts_on", "tags"))
    assert ('value="Asia/Tehran" selected' in page) == (field != "time_zone")
    if field not in ("status", "objective_metric", "owner"):  # a select keeps only what it offers
        assert (value.strip() or value) in page.replace("&#39;", "'")


def test_editing_a_campaign(client_as, users):
    campaign = save_campaign({"name": "Spring", "tags": ["old"], "budget": "100", "time_zone": "Europe/Berlin"})
    browser = client_as("manager")
    form = text_of(browser.get(f"/campaigns/{campaign.id}/edit"))
    assert 'value="Spring"' in form and 'value="old"' in form and 'value="100"' in form
    assert '<option value="Europe/Berlin" selected>' in form
    response = browser.post(f"/campaigns/{campaign.id}/edit", {**GOOD, "name": "Spring, renamed", "tags": "new"})
    assert response.status_code == 302
    campaign = Campaign.get_by_id(campaign.id)
    assert campaign.name == "Spring, renamed" and campaign.budget == Decimal("1500.50")
    page = text_of(browser.get(f"/campaigns/{campaign.id}"))
    assert ">new</a>" in page and ">old</a>" not in page and "Campaign edited" in page
    bad = browser.post(f"/campaigns/{campaign.id}/edit", {**GOOD, "budget": "x"})
    assert bad.status_code == 422 and Campaign.get_by_id(campaign.id).budget == Decimal("1500.50")


def test_deleting_asks_first_and_is_refused_while_a_program_sends(client_as, channel):
    campaign = save_campaign({"name": "Busy"})
    program = spend(campaign, Decimal("1"))
    browser = client_as("manager")
    page = text_of(browser.get(f"/campaigns/{campaign.id}/delete"))
    assert "cannot be deleted while one of its programs is sending" in page and "Program of Busy" in page
    assert "<button" not in page.split("<main", 1)[1]
    refused = browser.post(f"/campaigns/{campaign.id}/delete")
    assert refused.status_code == 409 and "cannot be deleted" in text_of(refused)
    assert Campaign.get_or_none(Campaign.id == campaign.id) is not None
    Program.update(status="sent").where(Program.id == program.id).execute()
    page = text_of(browser.get(f"/campaigns/{campaign.id}/delete"))
    assert "Its 1 program is deleted with it," in page and "with 1 message" in page
    response = browser.post(f"/campaigns/{campaign.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/campaigns")
    assert Campaign.get_or_none(Campaign.id == campaign.id) is None
    assert "Deleted the campaign Busy" in text_of(browser.get("/campaigns"))


def test_the_campaign_page_shows_budget_spend_and_objective(client_as, channel, users):
    campaign = save_campaign({"name": "Spring", "budget": "20", "currency": "USD", "objective_metric": "delivered",
                              "objective_target": "4", "objective_deadline": "2030-04-10"}, actor=users["manager"])
    program = spend(campaign, Decimal("3.50"), Decimal("4"), Decimal("2.50"))
    Message.update(status="failed", cost=0).where(Message.id == Message.select(Message.id).limit(1)).execute()
    record_event("program.launched", program=program, queued=3)
    page = text_of(client_as("viewer").get(f"/campaigns/{campaign.id}"))
    assert "6.50 USD" in page and "spent of 20 USD" in page and "13.50 USD left" in page
    assert "Messages delivered" in page and "of 4" in page and "50%" in page and 'value="50.0"' in page
    assert "Fixture channel" in page and "Sending" in page and "Program of Spring" in page
    assert "Campaign created" in page and "Program launched" in page and "3 messages queued" in page
    assert "by Manager" in page
    assert page.index("Program launched") < page.index("Campaign created")  # newest first


def test_over_budget_is_shown_clearly(client_as, channel):
    campaign = save_campaign({"name": "Spendy", "budget": "5"})
    spend(campaign, Decimal("4"), Decimal("4"))
    page = text_of(client_as("viewer").get(f"/campaigns/{campaign.id}"))
    assert "Over budget" in page and "by 3 USD" in page and "budget-spent is-over" in page
    assert "budget-mark" in page  # where the budget ended, on the bar


def test_a_campaign_without_programs_explains_them(client_as, app):
    campaign = save_campaign({"name": "Fresh"})
    page = text_of(client_as("marketer").get(f"/campaigns/{campaign.id}"))
    assert "No programs yet" in page and "No target set." in page and "No budget set." in page
    if "webui.program_new" in app.view_functions:
        assert f"/campaigns/{campaign.id}/programs/new" in page


def test_unknown_campaigns_are_not_found(client_as):
    browser = client_as("manager")
    for url in ("/campaigns/999", "/campaigns/999/edit", "/campaigns/999/delete"):
        assert browser.get(url).status_code == 404, url


def test_html_in_names_is_escaped(client_as, channel):
    payload = '<script>alert("x")</script>'
    campaign = save_campaign({"name": payload, "tags": [payload], "description": payload})
    spend(campaign, Decimal("1"))
    for url in ("/campaigns", f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/delete"):
        assert "<script>alert" not in text_of(client_as("manager").get(url)), url
