"""Polling each sender identity's mailbox over IMAP for bounces, complaints and replies.

An RQ job per identity (`poll_identity`) reads the inbox folder, hands each mail to
handling.handle and then:
- handled (a bounce, complaint, reply, auto-reply or delivery notice of ours, or a mail to the
  List-Unsubscribe address `unsubscribe+<token>@…` with a valid token): moved to the processed
  folder (IMAP MOVE, else COPY + \\Deleted + EXPUNGE) — never deleted;
- not ours, not understood, or an unsubscribe request with a forged token: left where it is,
  flagged with the keyword `ChaparSkipped` so the next poll does not read it again, and logged (a
  person can look at it in any mail client);
- an error while handling (database down, core API missing): left untouched, logged, and tried
  again on the next poll. Handling is one transaction, so nothing half-done stays behind.

Each mail is handled once: before moving a handled mail, a Redis key (the mailbox and a hash of
the mail, kept 30 days) records it, so a move that fails does not count a bounce twice.

The job schedules its own next run (CHAPAR_EMAIL_POLL_SECONDS, default 300); `schedule_polls()`
starts a chain for every identity with an IMAP host and makes any older chain stop, so calling
it at every startup never multiplies the polls.
"""
import email
import hashlib
import imaplib
import logging
import os
import re
import ssl
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email import policy

from redis.exceptions import LockError
from rq import get_current_job

from chapar import db, get_queue, get_redis

from . import handling

log = logging.getLogger("chapar_email.inbox")

SKIPPED_KEYWORD = "ChaparSkipped"
HANDLED_TTL = 30 * 24 * 3600
MAX_PER_POLL = 500  # the rest waits for the next poll; keeps a job well inside its timeout
MAX_MAIL_BYTES = 10 * 1024 * 1024  # bounces quote the original; anything bigger is not ours
POLL_LOCK_SECONDS = 15 * 60
DEFAULT_POLL_SECONDS = 300


@dataclass
class Mailbox:
    host: str
    port: int = 993
    username: str = ""
    password: str = ""
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    key: str = ""  # names the mailbox in the handled-mail keys (the identity id)
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_identity(cls, identity):
        return cls(host=identity.imap_host, port=int(identity.imap_port or 993),
                   username=identity.imap_username or "", password=identity.imap_password or "",
                   folder=identity.imap_folder or "INBOX",
                   processed_folder=identity.processed_folder or "Processed", key=f"identity-{identity.id}")


def poll_identity(identity_id, reschedule=True):
    """RQ job: poll one identity's mailbox; with `reschedule` (the polling chain), queue the next
    poll too. A manual poll ("check now", tests) passes reschedule=False. Returns the counts."""
    from .identities import SenderIdentity

    redis = get_redis()
    job = get_current_job()
    chain = redis.get(_chain_key(identity_id))
    if reschedule and job is not None and chain is not None and chain.decode() != job.id:
        return {"superseded": 1}  # a newer chain was started (schedule_polls): this one ends
    identity = SenderIdentity.get_or_none(SenderIdentity.id == identity_id)
    if identity is None or not getattr(identity, "imap_host", ""):
        return {}  # deleted, or IMAP switched off: the chain of polls ends here
    # One poll per mailbox at a time, whichever worker took the job: a second would read the
    # same mail while the first is still moving it.
    lock = redis.lock(f"chapar-email:polling:{identity_id}", timeout=POLL_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return {"busy": 1}
    try:
        return poll_mailbox(Mailbox.from_identity(identity))
    finally:
        try:
            lock.release()
        except LockError:  # the poll outlived the lock; it has expired already
            pass
        if reschedule:
            schedule_poll(identity_id)


def _chain_key(identity_id):
    return f"chapar-email:poll-chain:{identity_id}"


def schedule_poll(identity_id, delay=None):
    """Queue the next poll of one identity. Each poll job has its own id (RQ deletes a finished
    job's data, so a successor must not reuse its id); the id of the newest is kept in Redis and
    any older chain (a second startup, a restart) stops at its next run."""
    seconds = delay if delay is not None else poll_seconds()
    job_id = f"chapar-email-poll-{identity_id}-{uuid.uuid4().hex[:12]}"
    get_redis().set(_chain_key(identity_id), job_id)
    return get_queue().enqueue_in(timedelta(seconds=seconds), poll_identity, identity_id, job_id=job_id)


def poll_seconds():
    """CHAPAR_EMAIL_POLL_SECONDS (environment): seconds between two polls of a mailbox (300)."""
    try:
        return max(1, int(os.environ.get("CHAPAR_EMAIL_POLL_SECONDS", DEFAULT_POLL_SECONDS)))
    except ValueError:  # a typo must not end every mailbox's chain of polls
        log.warning("CHAPAR_EMAIL_POLL_SECONDS is not a number of seconds; polling every %s", DEFAULT_POLL_SECONDS)
        return DEFAULT_POLL_SECONDS


def schedule_polls(delay=0):
    """Start polling every identity that has an IMAP host (call at startup and after saving one);
    returns the scheduled jobs."""
    from .identities import SenderIdentity

    return [schedule_poll(identity.id, delay)
            for identity in SenderIdentity.select().where(SenderIdentity.imap_host != "")]


def ensure_polling():
    """Start the chain of polls of every IMAP identity that has none alive (a new identity, a
    Redis that lost its data); returns how many were started. Run by the `periodic` hook."""
    from rq.job import Job

    from .identities import SenderIdentity

    redis = get_redis()
    started = 0
    for identity in SenderIdentity.select().where(SenderIdentity.imap_host != ""):
        job_id = redis.get(_chain_key(identity.id))
        alive = job_id is not None and redis.exists(Job.key_for(job_id.decode()))
        if not alive:
            schedule_poll(identity.id, delay=0)
            started += 1
    return started


def poll_mailbox(mailbox):
    """Read and handle the mail in `mailbox.folder`; returns {outcome kind: count}."""
    counts = {}
    conn = _connect(mailbox)
    try:
        _ok(conn.login(mailbox.username, mailbox.password), "LOGIN")
        delimiter = _delimiter(conn)
        folder, processed = (name.replace("/", delimiter) for name in (mailbox.folder, mailbox.processed_folder))
        _ensure_folder(conn, processed)
        _ok(conn.select(_quote(folder)), f"SELECT {folder}")
        typ, data = conn.uid("SEARCH", None, "UNKEYWORD", SKIPPED_KEYWORD)
        _ok((typ, data), "SEARCH")
        uids = (data[0] or b"").split()[:MAX_PER_POLL]
        can_move = b"MOVE" in _capabilities(conn)
        sizes = _sizes(conn, uids)
        for uid in uids:
            kind = _one(conn, mailbox, uid, can_move, processed, sizes.get(uid))
            counts[kind] = counts.get(kind, 0) + 1
        if not can_move and uids:
            conn.expunge()
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    if counts:
        log.info("mailbox %s@%s: %s", mailbox.username, mailbox.host, counts)
    return counts


_SIZE_ITEM = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


def _sizes(conn, uids):
    """{uid: size in bytes} of the mails `uids`, in one FETCH, so an oversized mail is never downloaded."""
    if not uids:
        return {}
    typ, data = conn.uid("FETCH", b",".join(uids), "(RFC822.SIZE)")
    sizes = {}
    for item in data or () if typ == "OK" else ():
        match = _SIZE_ITEM.search(item[0] if isinstance(item, tuple) else item or b"")
        if match:
            uid, size = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            sizes[uid] = int(size)
    return sizes


def _one(conn, mailbox, uid, can_move, processed, size=None):
    """Handle one mail; returns what it was ("error" when handling failed)."""
    if size is not None and size > MAX_MAIL_BYTES:  # not fetched: anyone can send a huge mail here
        return _skip(conn, mailbox, uid, handling.Outcome("unknown", False, None, f"too large ({size} bytes)"))
    typ, data = conn.uid("FETCH", uid, "(RFC822.SIZE BODY.PEEK[])")
    raw = next((part[1] for part in data or () if isinstance(part, tuple)), None)
    if typ != "OK" or raw is None:
        log.warning("mailbox %s: could not fetch uid %s (%s)", mailbox.key, uid.decode(), typ)
        return "error"
    done_key = f"chapar-email:handled:{mailbox.key}:{hashlib.sha256(raw).hexdigest()}"
    redis = get_redis()
    if redis.exists(done_key):  # handled before; only the move failed
        _move(conn, uid, processed, can_move)
        return "already_handled"
    if len(raw) > MAX_MAIL_BYTES:
        outcome = handling.Outcome("unknown", False, None, f"too large ({len(raw)} bytes)")
    else:
        try:
            outcome = _handled(raw)
        except Exception:
            log.exception("mailbox %s: handling uid %s failed; left in place", mailbox.key, uid.decode())
            return "error"
    if not outcome.handled:
        return _skip(conn, mailbox, uid, outcome)
    redis.set(done_key, outcome.kind, ex=HANDLED_TTL)
    _move(conn, uid, processed, can_move)
    return outcome.kind


def _skip(conn, mailbox, uid, outcome):
    """Leave a mail where it is, flagged so no poll reads it again, and say why."""
    conn.uid("STORE", uid, "+FLAGS", f"({SKIPPED_KEYWORD})")
    log.warning("mailbox %s: left uid %s in place: %s", mailbox.key, uid.decode(), outcome.detail)
    return outcome.kind


def _handled(raw):
    """handling.handle of one raw mail, in one transaction. Anyone can send mail here: one whose
    MIME parts nest thousands deep (RecursionError in the parser or a walk) is not ours and is left
    skipped, instead of failing every poll and holding up the mail behind it."""
    try:
        msg = email.message_from_bytes(raw, policy=policy.compat32)
        with db.atomic():
            return handling.handle(msg)
    except RecursionError:
        return handling.Outcome("unknown", False, None, "MIME parts nested too deep to read")


def _move(conn, uid, folder, can_move):
    if can_move:
        typ, data = conn.uid("MOVE", uid, _quote(folder))
        _ok((typ, data), f"MOVE to {folder}")
        return
    # No MOVE (RFC 6851): copy first; only a successful copy may be flagged for deletion.
    _ok(conn.uid("COPY", uid, _quote(folder)), f"COPY to {folder}")
    _ok(conn.uid("STORE", uid, "+FLAGS", r"(\Deleted)"), "STORE \\Deleted")


def _connect(mailbox):
    context = mailbox.ssl_context or ssl.create_default_context()
    if mailbox.port == 143:  # the submission-style port: upgrade with STARTTLS, never log in in clear
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=30)
        conn.starttls(ssl_context=context)
        return conn
    return imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=context, timeout=30)


def _delimiter(conn):
    """The server's hierarchy separator ("." for dovecot's Maildir, "/" for most others): folder
    settings are written with "/" and translated, so "Chapar/Processed" works on either."""
    typ, data = conn.list('""', '""')
    if typ == "OK" and data and data[0]:
        match = re.match(rb'\([^)]*\) "(.)"', data[0])
        if match:
            return match.group(1).decode()
    return "/"


def _ensure_folder(conn, name):
    typ, data = conn.list('""', _quote(name))
    if typ == "OK" and any(item for item in data if item):
        return
    _ok(conn.create(_quote(name)), f"CREATE {name}")
    conn.subscribe(_quote(name))


def _capabilities(conn):
    typ, data = conn.capability()
    return (data[0] or b"").upper().split() if typ == "OK" and data else []


def _quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(result, what):
    typ, data = result
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data!r}")
    return data
