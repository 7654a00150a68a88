"""Channel calls outstanding when a job ends (core/sending/overlap.py): every chunk that went out
gets its results written, even when writing an earlier chunk's results failed."""
from concurrent.futures import Future

import fixture_channel
import pytest
from peewee import OperationalError
from rq.timeouts import JobTimeoutException
from sending_support import add_contacts, fixture_channel_on, make_program  # noqa: F401

from chapar.models import Message, Program
from chapar.programs import launch
from chapar.sending import overlap
from chapar.sending.batch import BatchSender


def failing_first_write(monkeypatch):
    """BatchSender._apply fails the first time (a database error); returns the ids each call got."""
    written, apply = [], BatchSender._apply

    def fails_first(sender, results, units, attempts):
        written.append(sorted(r.message_id for r in results))
        if len(written) == 1:
            raise OperationalError("database is locked")
        return apply(sender, results, units, attempts)

    monkeypatch.setattr(BatchSender, "_apply", fails_first)
    return written


def launched(make_program, count):
    program = make_program(contacts=add_contacts(count))
    launch(program)
    return program, [m.id for m in Message.select(Message.id).where(Message.program == program).order_by(Message.id)]


def test_a_failed_result_write_does_not_lose_the_next_chunks_results(app, make_program, fixture_channel_on,
                                                                     monkeypatch):
    program, ids = launched(make_program, 300)
    written = failing_first_write(monkeypatch)
    # One job's two chunks (250 + 50), both calls still outstanding when its loop ends: the
    # provider answers slowly. Writing the first chunk's results fails.
    fixture_channel.behave(fixture_channel_on, delay_ms=150)
    with pytest.raises(OperationalError):  # the job still fails, so the error is seen
        BatchSender(Program.get_by_id(program.id), ids).run()
    assert written == [ids[:250], ids[250:]]
    status = {m.id: (m.status, m.provider_id) for m in Message.select()}
    # The second chunk went out and says so; the first stays handed (its lease lets the reconciler decide).
    assert [status[i] for i in ids[250:]] == [("sent", f"fx-{i}") for i in ids[250:]]
    assert {status[i][0] for i in ids[:250]} == {"handed"}
    assert set(fixture_channel.accepted(fixture_channel_on)) == set(ids)  # both chunks reached the provider


def test_a_failed_result_write_mid_job_hands_no_further_chunk_over(app, make_program, fixture_channel_on,
                                                                    monkeypatch):
    # Three chunks: the first chunk's results are written (and fail) while the third is prepared.
    # The third must not be handed over and then dropped: it goes back to the queue, unsent.
    program, ids = launched(make_program, 750)
    written = failing_first_write(monkeypatch)
    fixture_channel.behave(fixture_channel_on, delay_ms=100)
    with pytest.raises(OperationalError):
        BatchSender(Program.get_by_id(program.id), ids).run()
    assert written == [ids[:250], ids[250:500]]
    status = {m.id: m.status for m in Message.select()}
    assert [status[i] for i in ids] == ["handed"] * 250 + ["sent"] * 250 + ["queued"] * 250
    assert set(fixture_channel.accepted(fixture_channel_on)) == set(ids[:500])


def test_an_answer_that_lands_as_the_job_timeout_strikes_is_still_applied(monkeypatch):
    # RQ's timeout interrupts the wait for a call at the very moment the call ends: its results
    # are written all the same (their messages went out), then the timeout goes on.
    class LateFuture(Future):
        def result(self, timeout=None):
            if not self.done():
                self.set_result(["answered"])
                raise JobTimeoutException("job timed out")
            return super().result(timeout)

    class Executor:
        def submit(self, run, call, *args):
            return LateFuture()

    monkeypatch.setattr(overlap, "_sender", Executor)
    applied, in_flight = [], overlap.InFlight()
    in_flight.start(print, (), then=applied.append)
    with pytest.raises(JobTimeoutException):
        in_flight.settle()
    assert applied == [["answered"]]
