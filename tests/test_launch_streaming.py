"""A launch writes its audience a chunk at a time and queues each chunk as soon as it is written:
sending starts before the whole audience is written, yet the program is not finished, paused
chunks are not sent, a cancelled program gets no more, and a launch cut short is completed by
the reconciler."""
from datetime import timedelta
from importlib import import_module

import fixture_channel
import pytest
from peewee import OperationalError
from sending_support import add_contacts, fixture_channel_on, make_program, run_worker  # noqa: F401

from chapar.models import Contact, Message, Program, utcnow
from chapar.programs import TransitionRefused, audience, cancel, launch, launching, pause, resume
from chapar.sending import reconcile
from chapar.sending.finish import finish_if_done

dispatch_module = import_module("chapar.sending.dispatch")  # chapar.sending.dispatch is also a function

CHUNK = 3
AUDIENCE = 10  # four chunks: 3, 3, 3 and 1


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of three rows, so ten contacts take four transactions."""
    monkeypatch.setattr(audience, "CHUNK", CHUNK)


@pytest.fixture
def enqueues(monkeypatch):
    """Every enqueue_ids call, as {"ids", "at", "launching", "written" (the program's rows at that moment)};
    `enqueues.after_first` (a function) runs once, right after the first call."""
    real = dispatch_module.enqueue_ids
    calls = []

    def spy(program, ids, at=None):
        state = Program.get_by_id(program.id)
        calls.append({"ids": list(ids), "at": at, "launching": state.launching,
                      "written": Message.select().where(Message.program == program.id).count()})
        job_ids = real(program, ids, at=at)
        if len(calls) == 1 and spy.after_first:
            spy.after_first()
        return job_ids

    spy.after_first = None
    spy.calls = calls
    monkeypatch.setattr(dispatch_module, "enqueue_ids", spy)
    return spy


def fresh(program):
    return Program.get_by_id(program.id)


def counts(program):
    found = {}
    for message in Message.select().where(Message.program == program):
        found[message.status] = found.get(message.status, 0) + 1
    return found


def message_ids(program):
    return sorted(m.id for m in Message.select(Message.id).where(Message.program == program))


def assert_each_sent_once(redis, program):
    """The provider got every message of the program once, and was asked for each only once."""
    ids = message_ids(program)
    assert sorted(fixture_channel.accepted(redis)) == ids
    assert sorted(fixture_channel.attempts(redis)) == ids


def test_sending_starts_before_the_whole_audience_is_written(app, make_program, fixture_channel_on, enqueues):
    """The first messages are on the queue while the rest of the audience is still being written."""
    program = make_program(contacts=add_contacts(AUDIENCE))
    result = launch(program)
    assert result.queued == AUDIENCE
    assert [call["written"] for call in enqueues.calls] == [3, 6, 9, 10]
    assert all(call["launching"] and call["at"] is None for call in enqueues.calls)
    queued = [i for call in enqueues.calls for i in call["ids"]]
    assert sorted(queued) == message_ids(program)  # each message queued once, with its chunk
    program = fresh(program)
    assert program.status == "sending" and not program.launching and program.audience_size == AUDIENCE
    run_worker(app)
    assert_each_sent_once(fixture_channel_on, program)
    assert fresh(program).status == "sent"


def test_the_first_chunks_are_small_so_the_first_messages_go_out_soon(app, make_program, fixture_channel_on,
                                                                     enqueues, monkeypatch):
    """Chunks start small and double up to the largest size."""
    monkeypatch.setattr(audience, "FIRST_CHUNK", 2)
    monkeypatch.setattr(audience, "CHUNK", 4)
    launch(make_program(contacts=add_contacts(AUDIENCE)))
    assert [call["written"] for call in enqueues.calls] == [2, 6, 10]


def test_a_program_is_not_finished_while_its_launch_is_still_writing(app, make_program, fixture_channel_on, enqueues):
    """A worker sending the whole first chunk does not mark the program sent: the rest is still coming."""
    program = make_program(contacts=add_contacts(AUDIENCE))
    seen = {}

    def first_chunk_sent():
        run_worker(app)
        seen["program"], seen["counts"] = fresh(program), counts(program)
        seen["finished"] = finish_if_done(program.id)

    enqueues.after_first = first_chunk_sent
    launch(program)
    assert seen["counts"] == {"sent": 3}
    assert seen["program"].status == "sending" and seen["program"].launching
    assert seen["finished"] is None
    assert counts(program) == {"sent": 3, "queued": 7}
    run_worker(app)
    assert_each_sent_once(fixture_channel_on, program)
    assert fresh(program).status == "sent"


def test_the_last_message_sent_before_the_launch_ends_still_finishes_the_program(
        app, make_program, fixture_channel_on, enqueues):
    """When workers have sent everything before the launch lowers its flag, the launch finishes it."""
    program = make_program(contacts=add_contacts(2))  # one chunk
    enqueues.after_first = lambda: run_worker(app)
    launch(program)
    program = fresh(program)
    assert program.status == "sent" and not program.launching and program.finished_at
    assert_each_sent_once(fixture_channel_on, program)


def test_cancelling_during_the_launch_writes_and_sends_nothing_more(app, make_program, fixture_channel_on, enqueues):
    """Cancelled after the first chunk: the rest of the audience gets no message, nothing is sent."""
    ids = add_contacts(AUDIENCE)
    program = make_program(contacts=ids)
    enqueues.after_first = lambda: cancel(fresh(program))
    assert launch(program).queued == CHUNK  # what was written before the cancel
    program = fresh(program)
    assert program.status == "cancelled" and not program.launching and program.audience_size == CHUNK
    assert counts(program) == {"cancelled": 3}
    written = {m.contact_id for m in Message.select().where(Message.program == program)}
    assert written == set(ids[:CHUNK])  # the later contacts got no message at all
    assert len(enqueues.calls) == 1
    run_worker(app)
    assert reconcile()["cancelled"] == 0
    assert counts(program) == {"cancelled": 3}
    assert fixture_channel.attempts(fixture_channel_on) == []
    assert fresh(program).status == "cancelled"


def test_chunks_written_while_paused_are_not_sent_until_resumed(app, make_program, fixture_channel_on, enqueues):
    """Paused after the first chunk: the launch still writes everyone, nothing goes out; resumed,
    everyone gets the message once."""
    program = make_program(contacts=add_contacts(AUDIENCE))
    enqueues.after_first = lambda: pause(fresh(program))
    assert launch(program).queued == AUDIENCE
    assert len(enqueues.calls) == 1  # the chunks written while paused were not queued
    program = fresh(program)
    assert program.status == "paused" and not program.launching and program.audience_size == AUDIENCE
    run_worker(app)
    assert counts(program) == {"queued": AUDIENCE} and fixture_channel.attempts(fixture_channel_on) == []
    resume(program)
    run_worker(app)
    assert counts(program) == {"sent": AUDIENCE}
    assert_each_sent_once(fixture_channel_on, program)
    assert fresh(program).status == "sent"


def cut_short(program, monkeypatch):
    """Launch `program` with the database failing on the second chunk."""
    real = launching.executemany
    calls = []

    def failing_second_time(sql, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise OperationalError("database went away")
        return real(sql, rows)

    with monkeypatch.context() as patch:
        patch.setattr(launching, "executemany", failing_second_time)
        with pytest.raises(OperationalError):
            launch(program)


def test_a_launch_cut_short_is_completed_by_the_reconciler(app, make_program, fixture_channel_on, monkeypatch):
    """The database fails on the second chunk: the first chunk is sent, the program waits (not
    sent) and, once the launch has been silent for STALE_AFTER, the reconciler writes the rest."""
    program = make_program(contacts=add_contacts(AUDIENCE))
    cut_short(program, monkeypatch)
    program = fresh(program)
    assert program.status == "sending" and program.launching
    assert counts(program) == {"queued": CHUNK}
    assert program.audience_size == CHUNK  # the failed chunk's count was rolled back with it
    run_worker(app)
    assert counts(program) == {"sent": CHUNK}
    assert fresh(program).status == "sending"  # not "sent": most of the audience is not written yet
    assert reconcile(now=utcnow() + timedelta(minutes=1))["launches"] == 0  # still too early
    assert fresh(program).launching
    done = reconcile(now=utcnow() + launching.STALE_AFTER + timedelta(seconds=1))
    assert done["launches"] == 1
    program = fresh(program)
    assert not program.launching
    assert program.audience_size == AUDIENCE and program.estimated_cost
    assert counts(program) == {"sent": CHUNK, "queued": AUDIENCE - CHUNK}
    assert reconcile(now=utcnow() + launching.STALE_AFTER * 2)["launches"] == 0  # completed once
    run_worker(app)
    assert_each_sent_once(fixture_channel_on, program)
    assert fresh(program).status == "sent"


def test_a_launch_cut_short_and_then_cancelled_is_settled_without_writing_more(app, make_program, fixture_channel_on,
                                                                              monkeypatch):
    """Cancelled before the reconciler came: it writes nothing more, keeps the size of what was
    written, and the program is left alone afterwards."""
    program = make_program(contacts=add_contacts(AUDIENCE))
    cut_short(program, monkeypatch)
    cancel(fresh(program))
    assert reconcile(now=utcnow() + launching.STALE_AFTER + timedelta(seconds=1))["launches"] == 1
    program = fresh(program)
    assert program.status == "cancelled" and not program.launching and program.audience_size == CHUNK
    assert counts(program) == {"cancelled": CHUNK}
    assert reconcile(now=utcnow() + launching.STALE_AFTER * 2)["launches"] == 0
    run_worker(app)
    assert fixture_channel.attempts(fixture_channel_on) == []


def test_a_launch_whose_audience_cannot_be_read_is_undone_and_can_be_tried_again(app, make_program,
                                                                                fixture_channel_on, monkeypatch):
    """The audience query fails before anything is written: the user gets the error, the program is
    ready again (not stuck sending with nothing to send), and a second launch works."""
    program = make_program(contacts=add_contacts(AUDIENCE))

    def unreadable(*args, **kwargs):
        raise OperationalError("no such column: contact.bogus")

    with monkeypatch.context() as patch:
        patch.setattr(launching, "snapshot_chunks", unreadable)
        with pytest.raises(OperationalError):
            launch(fresh(program))
    program = fresh(program)
    assert (program.status, program.launching, program.launched_at) == ("ready", False, None)
    assert counts(program) == {}
    assert launch(program).queued == AUDIENCE
    run_worker(app)
    assert_each_sent_once(fixture_channel_on, program)
    assert fresh(program).status == "sent"


def test_a_cancelled_launch_is_settled_without_reading_the_audience_again(app, make_program, fixture_channel_on,
                                                                         monkeypatch):
    """Cut short, then cancelled, while the audience query now fails: the reconciler still settles
    it (the card stops waiting for it) instead of failing on that query at every pass."""
    program = make_program(contacts=add_contacts(AUDIENCE))
    cut_short(program, monkeypatch)
    cancel(fresh(program))

    def unreadable(*args, **kwargs):
        raise OperationalError("no such column: contact.bogus")

    monkeypatch.setattr(launching, "snapshot_chunks", unreadable)
    assert reconcile(now=utcnow() + launching.STALE_AFTER + timedelta(seconds=1))["launches"] == 1
    program = fresh(program)
    assert (program.status, program.launching, program.error) == ("cancelled", False, "")
    assert program.audience_size == CHUNK and counts(program) == {"cancelled": CHUNK}


def test_a_scheduled_programs_chunks_wait_for_its_time(app, make_program, fixture_channel_on, enqueues):
    """Nothing of a scheduled program is queued or sent before its time; then everyone gets it once."""
    program = make_program(contacts=add_contacts(AUDIENCE), schedule_kind="at",
                           scheduled_at=(utcnow() + timedelta(hours=1)).isoformat())
    result = launch(program)
    assert result.queued == AUDIENCE and result.starts_at is not None
    assert enqueues.calls == []
    program = fresh(program)
    assert program.status == "scheduled" and not program.launching and program.audience_size == AUDIENCE
    run_worker(app)
    assert counts(program) == {"queued": AUDIENCE} and fixture_channel.attempts(fixture_channel_on) == []
    assert reconcile(now=utcnow() + timedelta(hours=1, seconds=1))["started"] == 1
    run_worker(app)
    assert_each_sent_once(fixture_channel_on, program)
    assert fresh(program).status == "sent"


def test_an_empty_audience_over_several_chunks_is_refused_and_leaves_the_program_ready(
        app, make_program, fixture_channel_on, enqueues):
    """Nobody to send to: the launch is refused, nothing is kept, and it can be launched later."""
    ids = add_contacts(AUDIENCE, consent="unsubscribed")
    program = make_program(contacts=ids)
    with pytest.raises(TransitionRefused) as refused:
        launch(program)
    assert refused.value.code == "empty_audience"
    assert refused.value.details["skipped"] == {"no_consent": AUDIENCE}
    assert enqueues.calls == []
    assert Message.select().where(Message.program == program).count() == 0
    for seen in (program, fresh(program)):
        assert seen.status == "ready" and seen.launched_at is None and seen.started_at is None
        assert not seen.launching
    assert fresh(program).audience_size == 0
    Contact.update(consent_email="subscribed").where(Contact.id == ids[-1]).execute()
    assert launch(fresh(program)).queued == 1
    run_worker(app)
    assert counts(program) == {"skipped": AUDIENCE - 1, "sent": 1}
    assert fresh(program).status == "sent"


def test_a_launch_cancelled_before_anyone_was_queued_is_over_for_good(app, make_program, fixture_channel_on, enqueues):
    """Cancelled while only skipped contacts were written: the launch is over, the reconciler leaves it alone."""
    program = make_program(contacts=add_contacts(6, consent="unsubscribed") + add_contacts(4, start=100))
    real = launching.executemany

    def cancel_after_first_chunk(sql, rows):
        real(sql, rows)
        if not hasattr(cancel_after_first_chunk, "done"):
            cancel_after_first_chunk.done = True
            cancel(fresh(program))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(launching, "executemany", cancel_after_first_chunk)
        result = launch(program)  # not "empty_audience": 4 could have been sent to
    assert result.queued == 0 and result.skipped == {"no_consent": 3}
    assert fresh(program).status == "cancelled" and enqueues.calls == []
    assert not fresh(program).launching
    assert reconcile(now=utcnow() + launching.STALE_AFTER * 2)["launches"] == 0


def test_a_launch_completed_after_its_first_messages_went_out_keeps_them(app, make_program, fixture_channel_on,
                                                                         monkeypatch):
    """Cut short after the first chunk was sent; everyone has unsubscribed by the time the
    reconciler comes: the launch is settled, not undone — what was sent stays on record."""
    ids = add_contacts(AUDIENCE)
    program = make_program(contacts=ids)
    cut_short(program, monkeypatch)
    run_worker(app)
    Contact.update(consent_email="unsubscribed").where(Contact.id.in_(ids)).execute()
    assert reconcile(now=utcnow() + launching.STALE_AFTER + timedelta(seconds=1))["launches"] == 1
    program = fresh(program)
    assert program.status == "sent" and not program.launching and program.launched_at
    assert program.audience_size == CHUNK
    assert counts(program) == {"sent": CHUNK, "skipped": AUDIENCE - CHUNK}


def test_redis_gone_while_launching_loses_nothing(app, make_program, fixture_channel_on, monkeypatch):
    """Redis refuses the chunks' jobs: the launch still writes everyone, and the reconciler puts
    them on the queue once Redis is back."""
    from redis.exceptions import ConnectionError as RedisDown

    def refused(*args, **kwargs):
        raise RedisDown("Redis is restarting")

    program = make_program(contacts=add_contacts(AUDIENCE))
    with monkeypatch.context() as patch:
        patch.setattr(dispatch_module, "enqueue_ids", refused)
        assert launch(program).queued == AUDIENCE
    assert counts(program) == {"queued": AUDIENCE} and not fresh(program).launching
    assert reconcile()["redispatched"] == 1
    run_worker(app)
    assert_each_sent_once(fixture_channel_on, program)
    assert fresh(program).status == "sent"


def test_a_launch_the_reconciler_cannot_complete_says_why_and_is_tried_again(app, make_program, fixture_channel_on,
                                                                            monkeypatch):
    """The reconciler's own attempt fails: the program's error says so, the rest of the pass still
    runs, and a later attempt completes it and clears the error."""
    program = make_program(contacts=add_contacts(AUDIENCE))
    cut_short(program, monkeypatch)
    real_estimate = launching.estimate

    def broken(*args, **kwargs):
        raise RuntimeError("the price list is unreadable")

    later = utcnow() + launching.STALE_AFTER + timedelta(seconds=1)
    with monkeypatch.context() as patch:
        patch.setattr(launching, "estimate", broken)
        done = reconcile(now=later)
    assert done["launches"] == 0 and "redispatched" in done
    program = fresh(program)
    assert program.launching and "the price list is unreadable" in program.error
    assert launching.estimate is real_estimate
    assert reconcile(now=later + launching.STALE_AFTER)["launches"] == 1
    program = fresh(program)
    assert not program.launching and program.error == "" and program.audience_size == AUDIENCE


def test_editing_a_program_while_it_launches_keeps_the_launchs_state(app, make_program, fixture_channel_on, enqueues):
    """A rename saved from a copy read mid-launch changes the name only: the launch's flag, size
    and status are not written back."""
    from chapar.programs import save_program

    program = make_program(contacts=add_contacts(AUDIENCE))
    copies = []
    enqueues.after_first = lambda: copies.append(fresh(program))
    launch(program)
    save_program({"name": "Renamed"}, program=copies[0])
    program = fresh(program)
    assert program.name == "Renamed"
    assert not program.launching and program.audience_size == AUDIENCE and program.estimated_cost is not None
    run_worker(app)
    assert fresh(program).status == "sent"


def test_a_launch_answers_with_the_status_the_program_ended_in(app, make_program, fixture_channel_on, enqueues):
    """Paused by someone else during the launch: the launched program says paused, not sending."""
    program = make_program(contacts=add_contacts(AUDIENCE))
    enqueues.after_first = lambda: pause(fresh(program))
    launch(program)
    assert program.status == "paused"
