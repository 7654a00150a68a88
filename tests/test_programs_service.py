"""Composing programs: what is accepted, what is refused with a clear message, and what is locked."""
from datetime import timedelta

import pytest
from sending_support import CONTENT, add_contacts, fixture_channel_on, make_program  # noqa: F401

from chapar.campaigns import CampaignBusy, delete_campaign, save_campaign
from chapar.errors import ValidationFailed
from chapar.models import Campaign, Message, Program, Segment, utcnow
from chapar.programs import (ProgramBusy, ProgramLocked, TransitionRefused, delete_program, estimate, launch,
                             save_program)
from chapar.channels import get_channel


def errors_of(call):
    with pytest.raises(ValidationFailed) as failed:
        call()
    return {name: error.message for name, error in failed.value.errors.items()}


def test_a_program_is_draft_until_it_has_content_and_an_audience(app, make_program):
    draft = make_program(contacts=[])
    assert draft.status == "draft"
    ready = save_program({"audience": {"contacts": add_contacts(1)}}, program=draft)
    assert ready.status == "ready"


def test_template_mistakes_are_reported_with_their_line(app, make_program):
    body = "Hello\n{{ contact.first_name }}\n{{ contact.nickname }}\n{% if %}"
    errors = errors_of(lambda: make_program(variants={"": {"subject": "Hi", "body": body}}))
    assert "line 3" in errors["variants.default.body"] or "line 4" in errors["variants.default.body"]
    assert "nickname" in errors["variants.default.body"] or "line 4" in errors["variants.default.body"]
    assert Program.select().count() == 0  # nothing half-saved


@pytest.mark.parametrize("source", ["{{ ''.__class__.__mro__ }}", "{{ config }}", "{{ self }}",
                                    "{% for i in range(10**9) %}x{% endfor %}", "{{ 'a' * 10**9 }}"])
def test_template_injection_is_refused_while_composing(app, make_program, source):
    errors = errors_of(lambda: make_program(variants={"": {"subject": "Hi", "body": source}}))
    assert "variants.default.body" in errors
    assert "SECRET" not in str(errors) and "<class" not in str(errors)


def test_required_fields_language_variants_and_unknown_fields(app, make_program):
    errors = errors_of(lambda: make_program(variants={"": {"subject": "", "body": "x", "colour": "red"}}))
    assert errors["variants.default.subject"] == "required"
    assert errors["variants.default.colour"] == "unknown field"
    errors = errors_of(lambda: make_program(variants={"fa": {"subject": "سلام", "body": "x"}}))
    assert "default variant" in errors["variants.content"]
    program = make_program(variants={**CONTENT, "fa": {"subject": "سلام {{ contact.first_name }}", "body": "متن"}})
    assert set(program.variants) == {"", "fa"}


def test_the_channels_own_checks_apply(app, make_program):
    errors = errors_of(lambda: make_program(variants={"": {"subject": "FORBIDDEN", "body": "x"}}))
    assert errors["variants.default.subject"] == "must not be FORBIDDEN"


def test_bad_schedule_audience_and_money_are_refused_together(app, make_program):
    past = (utcnow() - timedelta(hours=1)).isoformat()
    errors = errors_of(lambda: make_program(schedule_kind="at", scheduled_at=past, cost_per_unit="-1",
                                            audience={"include": [999999]}, throttle_per_minute="fast"))
    assert errors["scheduled_at"] == "the scheduled time is in the past"
    assert errors["cost_per_unit"].startswith("cost_per_unit must be between")
    assert errors["audience"] == "no segment with id 999999"
    assert errors["throttle_per_minute"] == "throttle_per_minute must be a whole number"
    errors = errors_of(lambda: make_program(channel="pigeon"))
    assert errors["channel"] == "no installed channel 'pigeon'"


def test_a_schedule_that_has_passed_by_launch_time_is_refused(app, make_program):
    program = make_program(contacts=add_contacts(1), schedule_kind="at",
                           scheduled_at=(utcnow() + timedelta(hours=1)).isoformat())
    Program.update(scheduled_at=utcnow() - timedelta(minutes=1)).execute()
    with pytest.raises(TransitionRefused) as refused:
        launch(Program.get_by_id(program.id))
    assert refused.value.code == "schedule_in_past"
    assert Message.select().count() == 0


def test_content_is_locked_once_launched_but_name_and_costs_stay_editable(app, make_program):
    program = make_program(contacts=add_contacts(2))
    launch(program)
    with pytest.raises(ProgramLocked):
        save_program({"variants": {"": {"subject": "Changed", "body": "x"}}}, program=program)
    with pytest.raises(ProgramLocked):
        save_program({"audience": {"contacts": []}}, program=program)
    renamed = save_program({"name": "Spring email (final)", "cost_per_unit": "0.02"}, program=program)
    assert renamed.name == "Spring email (final)" and renamed.variants == CONTENT
    assert renamed.status == "sending"


def test_sending_programs_and_their_campaigns_cannot_be_deleted(app, make_program):
    program = make_program(contacts=add_contacts(2))
    launch(program)
    with pytest.raises(ProgramBusy):
        delete_program(program)
    with pytest.raises(CampaignBusy):
        delete_campaign(program.campaign)
    assert Message.select().count() == 2
    Program.update(status="sent").execute()
    delete_campaign(Campaign.get_by_id(program.campaign_id))
    assert Program.select().count() == 0 and Message.select().count() == 0


def test_audience_from_segments_minus_excluded_ones_each_contact_once(app, make_program):
    from chapar.segments import save_segment

    ids = add_contacts(6)
    everyone = save_segment("Everyone", {"field": "last_name", "op": "eq", "value": "Test"})
    few = save_segment("First two", {"any": [{"field": "email", "op": "eq", "value": "person0@example.test"},
                                             {"field": "email", "op": "eq", "value": "person1@example.test"}]})
    program = make_program(audience={"include": [everyone.id], "exclude": [few.id], "contacts": ids[:3]})
    result = launch(program)
    assert result.queued == 4 and result.skipped == {"excluded": 2}
    assert Message.select().count() == 6  # every contact once, although picked and in the segment


def test_the_estimate_uses_units_and_fixed_cost(app, make_program):
    program = make_program(contacts=add_contacts(10), cost_per_unit="0.05", fixed_cost="2",
                           variants={"": {"subject": "Hi", "body": "x" * 1500}})
    found = estimate(program, get_channel("fixture"))
    assert found.recipients == 10 and found.units_per_message == 2 and found.total_units == 20
    assert str(found.cost) == "3.00" and found.warnings == ("long message",)


def test_campaign_fields_are_validated_all_at_once(app, users):
    errors = errors_of(lambda: save_campaign({"name": "", "budget": "lots", "currency": "dollars",
                                              "starts_on": "2026-12-10", "ends_on": "2026-12-01",
                                              "time_zone": "Mars/Olympus", "objective_metric": "fame"}))
    assert set(errors) == {"name", "budget", "currency", "ends_on", "time_zone", "objective_metric"}
    campaign = save_campaign({"name": "نوروز", "budget": "1,500,000", "currency": "irr", "tags": ["spring", "spring"],
                              "time_zone": "Asia/Tehran"}, actor=users["manager"])
    assert str(campaign.budget) == "1500000.00" and campaign.currency == "IRR" and campaign.owner == users["manager"]
    from chapar.campaigns import tags_of

    assert tags_of(campaign) == ["spring"]
    assert Segment.select().count() == 0


def test_amounts_typed_with_persian_digits_and_separators_are_read(app, make_program):
    campaign = save_campaign({"name": "تخفیف", "budget": "۱۲٬۵۰۰٫۵۰"})
    assert str(campaign.budget) == "12500.50"
    program = make_program(cost_per_unit="۰٫۰۵", fixed_cost="٢٠٠")
    assert (str(program.cost_per_unit), str(program.fixed_cost)) == ("0.0500", "200.00")
