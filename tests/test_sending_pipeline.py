"""The send pipeline in one process: launch snapshots, workers send each message exactly once,
failures are retried or final, and the program is sent when every message is final."""
from decimal import Decimal

import fixture_channel
import pytest
from sending_support import add_contacts, fixture_channel_on, make_program, run_worker  # noqa: F401

from chapar.models import Contact, Message, Program
from chapar.programs import TransitionRefused, actual_cost, launch, progress


def statuses(program):
    return {m.contact_id: m.status for m in Message.select().where(Message.program == program)}


def test_a_launched_program_sends_each_recipient_once_and_finishes(app, make_program, fixture_channel_on, users):
    ids = add_contacts(30)
    program = make_program(contacts=ids)
    assert program.status == "ready"
    result = launch(program, actor=users["manager"])
    assert result.queued == 30 and result.skipped == {}
    run_worker(app)
    program = Program.get_by_id(program.id)
    assert program.status == "sent"
    accepted = fixture_channel.accepted(fixture_channel_on)
    messages = list(Message.select().where(Message.program == program))
    assert sorted(accepted) == sorted(m.id for m in messages)
    assert all(m.status == "sent" and m.provider_id == f"fx-{m.id}" and m.sent_at for m in messages)
    assert str(actual_cost(program)) == "0.30"  # 30 messages × 1 unit × 0.01
    bodies = fixture_channel_on.lrange("fixture:bodies", 0, -1)
    assert b"|Hello Person0" in b"".join(bodies)


def test_launch_skips_contacts_with_reasons(app, make_program, fixture_channel_on):
    ok = add_contacts(2)
    unsubscribed = add_contacts(1, start=10, consent="unsubscribed")
    bounced = add_contacts(1, start=20, consent="bounced")
    never_asked = add_contacts(1, start=30, consent="unknown")
    blocked = add_contacts(1, start=40, do_not_contact=True)
    no_email = Contact.create(first_name="NoMail", consent_email="subscribed").id
    program = make_program(contacts=ok + unsubscribed + bounced + never_asked + blocked + [no_email])
    result = launch(program)
    assert result.queued == 2
    assert result.skipped == {"no_consent": 2, "bounced": 1, "do_not_contact": 1, "no_address": 1}
    reasons = {m.contact_id: m.reason for m in Message.select().where(Message.status == "skipped")}
    assert reasons[never_asked[0]] == "no_consent" and reasons[no_email] == "no_address"


def test_not_refused_policy_includes_contacts_never_asked(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(1, consent="unknown"), consent_policy="not_refused")
    assert launch(program).queued == 1


def test_launching_twice_launches_once(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(3))
    launch(program)
    stale = Program.get_by_id(program.id)
    stale.status = "ready"  # a second browser tab that still shows the program as ready
    with pytest.raises(TransitionRefused) as refused:
        launch(stale)
    assert refused.value.code == "already_launched"
    assert Message.select().where(Message.program == program).count() == 3


def test_an_empty_audience_is_refused_and_queues_nothing(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(2, consent="unsubscribed"))
    with pytest.raises(TransitionRefused) as refused:
        launch(program)
    assert refused.value.code == "empty_audience"
    assert refused.value.details["skipped"] == {"no_consent": 2}
    assert Message.select().count() == 0
    assert Program.get_by_id(program.id).status == "ready"


def test_a_permanent_failure_is_final_and_does_not_hold_back_the_rest(app, make_program, fixture_channel_on):
    ids = add_contacts(5)
    fixture_channel.fail_permanently(fixture_channel_on, "person2@example.test")
    program = make_program(contacts=ids)
    launch(program)
    run_worker(app)
    found = statuses(program)
    assert found[ids[2]] == "failed"
    assert [found[i] for i in ids if i != ids[2]] == ["sent"] * 4
    failed = Message.get((Message.program == program) & (Message.status == "failed"))
    assert failed.error == "mailbox does not exist" and failed.attempts == 1
    assert Program.get_by_id(program.id).status == "sent"


def test_transient_failures_are_retried_later_with_backoff(app, make_program, fixture_channel_on):
    import time

    ids = add_contacts(4)
    fixture_channel.behave(fixture_channel_on, transient_until=time.time() + 3600)
    program = make_program(contacts=ids)
    launch(program)
    run_worker(app)
    waiting = list(Message.select().where(Message.program == program))
    assert {m.status for m in waiting} == {"queued"}
    assert all(m.next_attempt_at and m.error == "provider busy, try later" for m in waiting)
    assert Program.get_by_id(program.id).status == "sending"
    # The provider recovers and the retry time comes.
    fixture_channel.behave(fixture_channel_on, transient_until=0)
    Message.update(next_attempt_at=None).execute()
    from chapar.sending import dispatch

    dispatch(Program.get_by_id(program.id))
    run_worker(app)
    assert set(statuses(program).values()) == {"sent"}
    assert {m.attempts for m in Message.select()} == {2}
    assert Program.get_by_id(program.id).status == "sent"


def test_a_batch_the_channel_cannot_take_is_retried(app, make_program, fixture_channel_on):
    import time

    fixture_channel.behave(fixture_channel_on, raise_until=time.time() + 3600)
    program = make_program(contacts=add_contacts(3))
    launch(program)
    run_worker(app)
    assert {m.error for m in Message.select()} == {"ConnectionError: fixture provider unreachable"}
    assert {m.status for m in Message.select()} == {"queued"}


def test_a_template_that_fails_at_send_time_fails_only_its_message(app, make_program, fixture_channel_on):
    ids = add_contacts(2)
    program = make_program(contacts=ids, variants={"": {"subject": "Hi", "body": "{{ 10 / (contact.first_name|length - 7) }}"}})
    launch(program)
    run_worker(app)
    assert {m.status for m in Message.select()} == {"failed"}
    assert all(m.error.startswith("template:") for m in Message.select())
    assert Program.get_by_id(program.id).status == "failed"


def test_progress_counts_every_message(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(3) + add_contacts(1, start=50, consent="unsubscribed"))
    launch(program)
    before = progress(program)
    assert before.counts["queued"] == 3 and before.counts["skipped"] == 1 and before.total == 4
    run_worker(app)
    after = progress(program)
    assert after.counts["sent"] == 3 and after.done == 4 and after.percent == 100.0


def test_receipts_move_messages_on_and_a_fast_receipt_is_not_overwritten(app, make_program, fixture_channel_on):
    from chapar.events import record_event
    from chapar.sending import claims

    ids = add_contacts(3)
    program = make_program(contacts=ids)
    launch(program)
    messages = list(Message.select().order_by(Message.id))
    token = "t" * 32
    claims.claim(program.id, [m.id for m in messages], token, 60)
    claims.hand_over(token, [m.id for m in messages])
    record_event("delivered", message=messages[0].id)  # the provider's receipt beat the worker's write
    from chapar.channels import SendResult

    claims.apply_results(token, [SendResult.accepted(m.id, f"p{m.id}") for m in messages], {}, "0.5",
                         {m.id: 1 for m in messages}, 8)
    record_event("bounced", message=messages[1].id, error="550 no such user")
    record_event("undelivered", message=messages[2].id, error="expired")
    found = {m.id: m for m in Message.select()}
    first, second, third = (found[m.id] for m in messages)
    assert first.status == "delivered" and first.provider_id == f"p{first.id}" and first.delivered_at
    assert second.status == "bounced" and second.error == "550 no such user"
    assert third.status == "failed" and third.reason == "undelivered"
    assert str(actual_cost(program)) == "1.50"  # the provider took all three: all are paid for
    record_event("delivered", message=second.id)  # a late receipt never un-bounces a message
    assert Message.get_by_id(second.id).status == "bounced"


@pytest.mark.parametrize("update_from", [True, False], ids=["update-from", "older-sqlite"])
def test_a_large_chunk_of_accepted_messages_is_written_whole_and_only_where_still_held(
        app, make_program, fixture_channel_on, monkeypatch, update_from):
    # More accepted results than one statement writes (claims.SENT_ROWS), each with its own
    # provider id and units; a message another worker took over meanwhile keeps what it has.
    from chapar.channels import SendResult
    from chapar.sending import claims

    monkeypatch.setattr(claims, "joins_values", lambda: update_from)

    program = make_program(contacts=add_contacts(claims.SENT_ROWS * 2 + 3))
    launch(program)
    ids = [m.id for m in Message.select(Message.id).order_by(Message.id)]
    token = "t" * 32
    claims.claim(program.id, ids, token, 60)
    claims.hand_over(token, ids)
    taken = ids[claims.SENT_ROWS]  # its lease ran out and another worker claimed it
    Message.update(lease_token="u" * 32).where(Message.id == taken).execute()
    outcome, _ = claims.apply_results(token, [SendResult.accepted(i, f"smsc-{i}", units=1 + i % 3) for i in ids], {},
                                      "0.25", {i: 1 for i in ids}, 8)
    assert outcome["accepted"] == ids
    found = {m.id: m for m in Message.select()}
    assert found[taken].status == "handed" and found[taken].provider_id == ""
    for i in ids:
        if i != taken:
            m = found[i]
            assert (m.status, m.provider_id, m.units, m.lease_token, m.error) == ("sent", f"smsc-{i}", 1 + i % 3, "", "")
            assert m.cost == Decimal("0.25") * m.units and m.sent_at is not None
    assert actual_cost(program) == sum(Decimal("0.25") * (1 + i % 3) for i in ids if i != taken)


def test_a_letter_moves_from_rendered_to_printed_to_mailed_in_the_channels_words(
        app, make_program, fixture_channel_on, client_as, monkeypatch):
    from chapar.events import record_event

    monkeypatch.setattr(fixture_channel.RecordingChannel, "sent_label", "Rendered")
    program = make_program(contacts=add_contacts(3))
    launch(program)
    run_worker(app)
    first, second, third = Message.select().where(Message.program == program).order_by(Message.id)
    record_event("printed", message=first.id)
    record_event("mailed", message=first.id)
    record_event("mailed", message=second.id)  # handed to the post without a printer reporting
    record_event("printed", message=second.id)  # a late printer report never undoes "mailed"
    assert [m.status for m in Message.select().order_by(Message.id)] == ["mailed", "mailed", "sent"]
    assert progress(program).counts["mailed"] == 2
    page = client_as("viewer").get(f"/programs/{program.id}/messages").get_data(as_text=True)
    assert '<span class="badge ok">Mailed</span>' in page and '<span class="badge ok">Rendered</span>' in page
    assert '<span class="badge ok">Sent</span>' not in page
    shown = client_as("viewer").get(f"/messages/{third.id}").get_data(as_text=True)
    assert "Rendered" in shown


def test_a_cost_per_piece_such_as_postage_is_estimated_and_charged_on_every_message(app, make_program, monkeypatch):
    from decimal import Decimal

    from chapar.channels import get_channel
    from chapar.programs import estimate

    monkeypatch.setattr(fixture_channel.RecordingChannel, "cost_per_piece", lambda self, settings: "0.75")
    program = make_program(contacts=add_contacts(4), cost_per_unit="0.10", fixed_cost="2")
    assert estimate(program, get_channel("fixture")).cost == Decimal("5.40")  # 4 × (0.10 + 0.75) + 2
    launch(program)
    run_worker(app)
    assert {m.cost for m in Message.select().where(Message.program == program)} == {Decimal("0.85")}
    assert actual_cost(Program.get_by_id(program.id)) == Decimal("5.40")
