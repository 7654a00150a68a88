"""What the reconciler does when a worker or Redis lets the pipeline down, and the controls
people use during a send: pause, resume, cancel."""
import uuid
from datetime import timedelta

import fixture_channel
import pytest
from sending_support import add_contacts, fixture_channel_on, make_program, run_worker  # noqa: F401

from chapar.models import Message, Program, utcnow
from chapar.programs import TransitionRefused, cancel, launch, pause, resume
from chapar.sending import claims, reconcile


def counts(program):
    found = {}
    for message in Message.select().where(Message.program == program):
        found[message.status] = found.get(message.status, 0) + 1
    return found


def test_a_dead_workers_claim_is_requeued_after_its_lease_and_then_sent(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(4))
    launch(program)
    ids = [m.id for m in Message.select()]
    claims.claim(program.id, ids[:2], uuid.uuid4().hex, lease_seconds=60)  # a worker that then died
    run_worker(app)  # the other two are sent; the claimed ones wait for their lease
    assert counts(program) == {"sending": 2, "sent": 2}
    assert reconcile()["leases"] == 0  # the lease has not run out yet
    done = reconcile(now=utcnow() + timedelta(seconds=61))
    assert done["leases"] == 2 and done["redispatched"] == 1
    run_worker(app)
    assert counts(program) == {"sent": 4}
    assert Program.get_by_id(program.id).status == "sent"
    assert len(fixture_channel.accepted(fixture_channel_on)) == 4


def test_messages_a_worker_died_holding_are_uncertain_when_the_channel_cannot_deduplicate(
        app, make_program, fixture_channel_on, monkeypatch):
    monkeypatch.setattr(fixture_channel.RecordingChannel, "idempotent", False)
    program = make_program(contacts=add_contacts(3))
    launch(program)
    token = uuid.uuid4().hex
    held = claims.claim(program.id, [m.id for m in Message.select()], token, lease_seconds=60)
    claims.hand_over(token, [m.id for m in held][:1])  # died inside channel.send()
    reconcile(now=utcnow() + timedelta(seconds=61))
    uncertain = Message.get(Message.status == "uncertain")
    assert "not sent again" in uncertain.error
    run_worker(app)
    assert counts(program) == {"uncertain": 1, "sent": 2}
    assert Program.get_by_id(program.id).status == "sent"
    assert uncertain.id not in fixture_channel.accepted(fixture_channel_on)


def test_work_lost_with_redis_is_dispatched_again(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(5))
    launch(program)
    fixture_channel_on.flushall()  # Redis restarted without persistence: every job is gone
    assert reconcile()["redispatched"] == 1
    run_worker(app)
    assert counts(program) == {"sent": 5}


def test_a_job_a_killed_worker_had_just_taken_is_dispatched_again(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(5))
    launch(program)
    # A worker pops the job off its queue and dies before starting it: RQ still says "queued".
    queue = f"rq:queue:send-{program.channel}"
    job_id = fixture_channel_on.lpop(queue).decode()
    assert fixture_channel_on.hget(f"rq:job:{job_id}", "status") == b"queued"
    assert reconcile()["redispatched"] == 1
    run_worker(app)
    assert counts(program) == {"sent": 5}


def test_a_starting_worker_reconciles_first(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(5))
    launch(program)
    fixture_channel_on.flushall()
    run_worker(app)  # its first maintenance pass finds the queued messages no job waits for
    assert counts(program) == {"sent": 5}


def test_the_reconciler_leaves_waiting_work_alone(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(5))
    launch(program)
    assert reconcile()["redispatched"] == 0  # the launch's job is still waiting in the queue
    run_worker(app)
    assert len(fixture_channel.attempts(fixture_channel_on)) == 5


def test_a_scheduled_program_starts_when_its_time_comes(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(2), schedule_kind="at",
                           scheduled_at=(utcnow() + timedelta(hours=1)).isoformat())
    result = launch(program)
    assert result.starts_at is not None
    assert Program.get_by_id(program.id).status == "scheduled"
    assert reconcile()["started"] == 0
    assert reconcile(now=utcnow() + timedelta(hours=1, seconds=1))["started"] == 1
    run_worker(app)
    assert Program.get_by_id(program.id).status == "sent"


def test_a_paused_program_sends_nothing_until_resumed(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(6))
    launch(program)
    pause(program)
    run_worker(app)
    assert counts(program) == {"queued": 6} and fixture_channel.attempts(fixture_channel_on) == []
    with pytest.raises(TransitionRefused):
        pause(program)
    resume(program)
    run_worker(app)
    assert counts(program) == {"sent": 6}
    assert Program.get_by_id(program.id).status == "sent"


def test_cancel_stops_the_rest_for_good(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(4))
    launch(program)
    cancel(program)
    run_worker(app)
    assert counts(program) == {"cancelled": 4}
    assert Program.get_by_id(program.id).status == "cancelled"
    with pytest.raises(TransitionRefused) as refused:
        resume(program)
    assert refused.value.code == "not_paused"
    # A message requeued later (a dead worker's lease) is cancelled too, never sent.
    Message.update(status="queued").where(Message.id == Message.select(Message.id).limit(1)).execute()
    assert reconcile()["cancelled"] == 1


def test_a_closed_window_defers_sending(app, make_program, fixture_channel_on):
    from chapar.programs.schedule import to_local

    local_now = to_local(utcnow(), "UTC")
    opens = (local_now + timedelta(hours=2)).strftime("%H:%M")
    closes = (local_now + timedelta(hours=3)).strftime("%H:%M")
    program = make_program(contacts=add_contacts(3), schedule_kind="window", window_start=opens, window_end=closes)
    launch(program)
    run_worker(app)
    assert counts(program) == {"queued": 3}
    assert fixture_channel.attempts(fixture_channel_on) == []
    scheduled = app.extensions["chapar.redis"].zcard("rq:scheduled:send-fixture")
    assert scheduled == 1  # the batch waits in RQ's scheduler for the window to open


def test_consent_is_checked_again_when_sending(app, make_program, fixture_channel_on):
    from chapar.contacts import change_consent
    from chapar.models import Contact

    ids = add_contacts(4)
    program = make_program(contacts=ids)
    launch(program)
    change_consent(Contact.get_by_id(ids[0]), "email", "unsubscribed", "unsubscribe_link")
    Contact.update(do_not_contact=True).where(Contact.id == ids[1]).execute()
    Contact.delete_by_id(ids[2])
    run_worker(app)
    found = {m.contact_id: (m.status, m.reason) for m in Message.select()}
    assert found[ids[0]] == ("skipped", "no_consent") and found[ids[1]] == ("skipped", "do_not_contact")
    assert found[None] == ("skipped", "contact_deleted") and found[ids[3]] == ("sent", "")
    assert len(fixture_channel.accepted(fixture_channel_on)) == 1
    assert Program.get_by_id(program.id).status == "sent"


def test_a_program_whose_channel_is_gone_pauses_and_resumes_once_it_is_back(app, make_program, fixture_channel_on):
    from chapar import plugins as manager

    program = make_program(contacts=add_contacts(2))
    launch(program)
    manager.unregister_plugin("fixture_channel")
    run_worker(app)
    paused = Program.get_by_id(program.id)
    assert paused.status == "paused" and paused.error == "the fixture channel is not installed"
    assert counts(program) == {"queued": 2}
    manager.register_plugin(fixture_channel, name="fixture_channel")
    resume(paused)
    run_worker(app)
    assert Program.get_by_id(program.id).status == "sent" and Program.get_by_id(program.id).error == ""


def test_resuming_with_nothing_left_finishes_the_program(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(1))
    launch(program)
    run_worker(app)
    Program.update(status="paused").execute()  # paused just as the last message went out
    resume(Program.get_by_id(program.id))
    assert Program.get_by_id(program.id).status == "sent"


def test_rq_gets_aware_utc_rounded_up_to_the_second():
    from datetime import datetime, timezone

    from chapar.sending.dispatch import rq_moment

    # RQ reads a naive datetime as the server's local time; a retry must not wake before it is due.
    assert rq_moment(datetime(2026, 11, 25, 9, 0, 0, 1)) == datetime(2026, 11, 25, 9, 0, 1, tzinfo=timezone.utc)
    assert rq_moment(datetime(2026, 11, 25, 9, 0)) == datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def test_a_message_that_kills_every_worker_gives_up(app, make_program, fixture_channel_on):
    program = make_program(contacts=add_contacts(1))
    launch(program)
    Message.update(attempts=8).execute()
    claims.claim(program.id, [m.id for m in Message.select()], uuid.uuid4().hex, lease_seconds=60)
    reconcile(now=utcnow() + timedelta(seconds=61))
    failed = Message.get()
    assert failed.status == "failed" and failed.reason == "gave_up" and "stopped each time" in failed.error


def test_due_messages_are_not_held_by_a_scheduled_job(app, make_program, fixture_channel_on):
    from chapar.sending.dispatch import enqueue_ids

    program = make_program(contacts=add_contacts(3))
    launch(program)
    for job_id in fixture_channel_on.smembers(f"chapar:program:{program.id}:jobs"):  # the launch's job is lost…
        fixture_channel_on.delete(b"rq:job:" + job_id)
    fixture_channel_on.delete("rq:queue:send-fixture")
    enqueue_ids(Program.get_by_id(program.id), [999_999], at=utcnow() + timedelta(days=3))  # …a far retry is not
    assert reconcile()["redispatched"] == 1
    run_worker(app)
    assert counts(program) == {"sent": 3}


def test_a_late_result_lands_on_an_uncertain_message_and_a_retry_never_undoes_a_receipt(
        app, make_program, fixture_channel_on, monkeypatch):
    from chapar.channels import SendResult
    from chapar.events import record_event

    monkeypatch.setattr(fixture_channel.RecordingChannel, "idempotent", False)
    program = make_program(contacts=add_contacts(2))
    launch(program)
    first, second = Message.select().order_by(Message.id)
    token = uuid.uuid4().hex
    claims.claim(program.id, [first.id, second.id], token, lease_seconds=60)
    claims.hand_over(token, [first.id, second.id])
    reconcile(now=utcnow() + timedelta(seconds=61))  # the worker looked dead: both uncertain
    record_event("delivered", message=second.id)  # the provider had the second one after all
    claims.apply_results(token, [SendResult.accepted(first.id, "late-1"), SendResult.transient(second.id, "timeout")],
                         {}, "0.1", {first.id: 1, second.id: 1}, 8)
    first, second = Message.get_by_id(first.id), Message.get_by_id(second.id)
    assert (first.status, first.provider_id) == ("sent", "late-1")
    assert second.status == "delivered"  # never queued again, so never sent twice
