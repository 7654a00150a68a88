"""SMTP connections kept open per identity in each worker process and reused across batches.

Opening a connection (TCP, EHLO, STARTTLS, AUTH) costs several round trips, more than sending a
message; a worker therefore keeps one connection per identity and hands it to batch after batch.
A connection idle for longer than IDLE_SECONDS is closed before reuse (servers drop idle clients
after a minute or so), and send.py reconnects whenever the server hung up.

`max_connections` of an identity bounds how many workers talk to its server at once: a slot is
a Redis sorted-set entry that expires by itself, so a killed worker never keeps one forever.
"""
import contextlib
import os
import smtplib
import ssl
import time
import uuid

from chapar import get_redis

from .identities import ascii_address

TIMEOUT = 30
IDLE_SECONDS = 45
SLOT_SECONDS = 90  # longer than a batch may take (the core's lease is about a minute)
SLOT_WAIT = 30

_pool = {}  # identity id -> (smtplib.SMTP, fingerprint, last used)
_pid = os.getpid()


class SmtpLoginError(ConnectionError):
    """The server refused the login: nothing can be sent with this identity."""


def _fingerprint(identity):
    return (identity.host, identity.port, identity.security, identity.username, identity.password)


def open_connection(identity, transcript=None):
    """A fresh, logged-in connection. `transcript` (a list) receives the server's replies."""
    note = transcript.append if transcript is not None else (lambda line: None)
    helo = ascii_address(identity.from_address).rpartition("@")[2]
    if identity.security == "tls":
        smtp = smtplib.SMTP_SSL(identity.host, identity.port, local_hostname=helo, timeout=TIMEOUT,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(identity.host, identity.port, local_hostname=helo, timeout=TIMEOUT)
    try:
        code, reply = smtp.ehlo()
        note(f"EHLO: {code} {reply.decode(errors='replace')}")
        if identity.security == "starttls":
            code, reply = smtp.starttls(context=ssl.create_default_context())
            note(f"STARTTLS: {code} {reply.decode(errors='replace')}")
            smtp.ehlo()
        if identity.username:
            try:
                code, reply = smtp.login(identity.username, identity.password)
            except smtplib.SMTPAuthenticationError as exc:
                raise SmtpLoginError(f"login refused: {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}") \
                    from None
            note(f"AUTH: {code} {reply.decode(errors='replace')}")
    except BaseException:
        close(smtp)
        raise
    return smtp


def close(smtp):
    with contextlib.suppress(Exception):
        smtp.quit()
    with contextlib.suppress(Exception):
        smtp.close()


def _own_pool():
    """After a fork the parent's sockets are not ours: forget them without sending QUIT."""
    global _pid
    if os.getpid() != _pid:
        _pool.clear()
        _pid = os.getpid()
    return _pool


def connection(identity):
    """This process's open connection for `identity`, opened or reopened when needed."""
    pool = _own_pool()
    held = pool.get(identity.id)
    if held is not None:
        smtp, fingerprint, used = held
        if fingerprint == _fingerprint(identity) and time.monotonic() - used < IDLE_SECONDS \
                and getattr(smtp, "sock", None) is not None:
            return smtp
        discard(identity)
    smtp = open_connection(identity)
    pool[identity.id] = (smtp, _fingerprint(identity), time.monotonic())
    return smtp


def touch(identity):
    held = _own_pool().get(identity.id)
    if held is not None:
        _pool[identity.id] = (held[0], held[1], time.monotonic())


def discard(identity):
    """Close and forget the connection (after the server hung up, or a protocol error)."""
    held = _own_pool().pop(identity.id, None)
    if held is not None:
        close(held[0])


def close_all():
    for identity_id in list(_own_pool()):
        close(_pool.pop(identity_id)[0])


@contextlib.contextmanager
def slot(identity, wait=SLOT_WAIT):
    """Hold one of the identity's `max_connections` slots across all workers while sending."""
    redis = get_redis()
    key = f"chapar:email:slots:{identity.id}"
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while True:
        now = time.time()
        with redis.pipeline() as pipe:
            pipe.zremrangebyscore(key, 0, now)
            pipe.zadd(key, {token: now + SLOT_SECONDS})
            pipe.zrank(key, token)
            pipe.expire(key, SLOT_SECONDS * 2)
            _removed, _added, rank, _expire = pipe.execute()
        # Entries sort by expiry, so a newcomer ranks after every live holder.
        if rank is not None and rank < max(1, identity.max_connections or 1):
            break
        redis.zrem(key, token)
        if time.monotonic() > deadline:
            raise ConnectionError(f"all {identity.max_connections} connections of {identity.name} are busy")
        time.sleep(0.05)
    try:
        yield
    finally:
        redis.zrem(key, token)
