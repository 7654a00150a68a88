"""Channel calls outstanding when a job ends (core/sending/overlap.py): every chunk that went out
gets its results written, even when writing an earlier chunk's results failed."""
import fixture_channel
import pytest
from peewee import OperationalError
from sending_support import add_contacts, fixture_channel_on, make_program  # noqa: F401

from chapar.models import Message, Program
from chapar.programs import launch
from chapar.sending.batch import BatchSender


def test_a_failed_result_write_does_not_lose_the_next_chunks_results(app, make_program, fixture_channel_on,
                                                                     monkeypatch):
    program = make_program(contacts=add_contacts(300))
    launch(program)
    ids = [m.id for m in Message.select(Message.id).where(Message.program == program).order_by(Message.id)]
    written, apply = [], BatchSender._apply

    def fails_first(sender, results, units, attempts):
        written.append(sorted(r.message_id for r in results))
        if len(written) == 1:
            raise OperationalError("database is locked")
        return apply(sender, results, units, attempts)

    monkeypatch.setattr(BatchSender, "_apply", fails_first)
    # One job's two chunks (250 + 50), both calls still outstanding when its loop ends: the
    # provider answers slowly. Writing the first chunk's results fails (a database error).
    fixture_channel.behave(fixture_channel_on, delay_ms=150)
    with pytest.raises(OperationalError):  # the job still fails, so the error is seen
        BatchSender(Program.get_by_id(program.id), ids).run()
    assert written == [ids[:250], ids[250:]]
    status = {m.id: (m.status, m.provider_id) for m in Message.select()}
    # The second chunk went out and says so; the first stays handed (its lease lets the reconciler decide).
    assert [status[i] for i in ids[250:]] == [("sent", f"fx-{i}") for i in ids[250:]]
    assert {status[i][0] for i in ids[:250]} == {"handed"}
    assert set(fixture_channel.accepted(fixture_channel_on)) == set(ids)  # both chunks reached the provider
