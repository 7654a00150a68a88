"""What each SMTP answer does to a message, against real aiosmtpd servers: 4xx are retried
later (with the wait the server names), 5xx fail that recipient only, a hang-up after the data
is "uncertain" and never re-sent, an unreachable server fails the whole batch."""
import socket

import pytest
from chapar import OutgoingMessage
from chapar_email import verp
from email_support import email_app, email_plugin, faulty_smtp, make_identity, smtp_sink  # noqa: F401

CONTENT = {"subject": "Spring sale", "html": "<p>Hello!</p>"}


def outgoing(identity, *locals_, start=1):
    return [OutgoingMessage(id=start + i, program_id=1, contact_id=100 + i, address=f"{local}@example.test",
                            content=CONTENT, provider=str(identity.id)) for i, local in enumerate(locals_)]


def channel():
    from chapar_email.channel import EmailChannel

    return EmailChannel()


def by_id(results):
    return {r.message_id: r for r in results}


def test_each_recipient_gets_the_outcome_of_its_own_reply(email_app, faulty_smtp):
    identity = make_identity(faulty_smtp)
    batch = outgoing(identity, "ok1", "t450", "p550", "p554", "t421", "ok2")
    results = by_id(channel().send(batch, {}))
    assert len(results) == 6
    assert [results[i].outcome for i in range(1, 7)] == [
        "accepted", "transient", "permanent", "permanent", "transient", "accepted"]
    assert results[2].retry_after == 20 and results[6 - 1].retry_after == 30
    assert "550" in results[3].error and "No such user" in results[3].error
    assert results[1].provider_id == f"{verp.message_id_local(1)}@shop.example"
    # After the 421 the client reconnected; ok1 and ok2 each arrived exactly once.
    received = [rcpt[0] for _sender, rcpt, _data in faulty_smtp.handler.messages]
    assert received == ["ok1@example.test", "ok2@example.test"]
    from chapar_email import smtp_pool

    # The same outcomes whether the commands went one by one or pipelined (RFC 2920).
    assert smtp_pool._pool[identity.id][0].has_extn("pipelining") == faulty_smtp.handler.pipelining


def test_a_hang_up_after_the_data_is_uncertain_and_the_rest_carries_on(email_app, faulty_smtp):
    identity = make_identity(faulty_smtp)
    results = by_id(channel().send(outgoing(identity, "drop1", "ok"), {}))
    assert results[1].outcome == "uncertain" and "connection lost" in results[1].error
    assert results[2].outcome == "accepted"
    # The server did get the dropped message: sending it again would have doubled it.
    assert len(faulty_smtp.handler.to("drop1@example.test")) == 1


def test_a_refused_data_is_retried_later(email_app, faulty_smtp):
    identity = make_identity(faulty_smtp)
    results = by_id(channel().send(outgoing(identity, "data452", "ok"), {}))
    assert results[1].outcome == "transient" and "452" in results[1].error
    assert results[2].outcome == "accepted"


def test_an_unreachable_server_fails_the_whole_batch(email_app, free_port):
    from types import SimpleNamespace

    identity = make_identity(SimpleNamespace(hostname="127.0.0.1", port=free_port()))
    with pytest.raises(OSError):
        channel().send(outgoing(identity, "a", "b"), {})


def test_one_connection_serves_batch_after_batch_and_a_stale_one_is_replaced(email_app, smtp_sink):
    from chapar_email import smtp_pool

    identity = make_identity(smtp_sink)
    sessions = []
    original = smtp_pool.open_connection
    smtp_pool.open_connection = lambda *a, **k: sessions.append(1) or original(*a, **k)
    try:
        for start in (1, 11, 21):
            assert {r.outcome for r in channel().send(outgoing(identity, "a", "b", start=start), {})} == {"accepted"}
        assert len(sessions) == 1
        smtp_pool._pool[identity.id][0].sock.shutdown(socket.SHUT_RDWR)  # the idle connection died
        assert {r.outcome for r in channel().send(outgoing(identity, "c", start=31), {})} == {"accepted"}
        assert len(sessions) == 2
    finally:
        smtp_pool.open_connection = original
    assert len(smtp_sink.handler.messages) == 7


def test_the_rate_limit_is_the_identitys(email_app, smtp_sink):
    identity = make_identity(smtp_sink, rate_per_second=12.5)
    assert channel().rate_per_second({}, str(identity.id)) == 12.5


def test_a_message_that_cannot_be_built_fails_alone(email_app, smtp_sink):
    identity = make_identity(smtp_sink)
    batch = outgoing(identity, "ok") + [OutgoingMessage(id=9, program_id=1, contact_id=5, address="no-at-sign",
                                                        content=CONTENT, provider=str(identity.id))]
    results = by_id(channel().send(batch, {}))
    assert results[1].outcome == "accepted" and results[9].outcome == "permanent"
