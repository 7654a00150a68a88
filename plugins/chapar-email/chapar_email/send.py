"""Sending a batch over one SMTP connection, and what each SMTP answer means for a message.

- 2xx after the data: accepted (the provider id is the Message-ID we set).
- 4xx at MAIL, RCPT or after the data: transient; the core retries with backoff and jitter, or
  after the seconds the server names ("try again in 60 seconds").
- 5xx: permanent for that recipient only; the rest of the batch carries on.
- The connection dropped after the whole message was sent but before the server's reply:
  uncertain. The server may have queued it; email has no deduplication, so sending it again
  risks a second copy in the customer's inbox. Chapar never re-sends an uncertain message
  (a bounce or a reply may still arrive and settle it).
- The connection dropped before the data went out: nothing was delivered, so that message is
  transient, and the next one goes over a new connection.
- No connection at all (refused, timeout, login refused) before anything was sent: raise, and
  the core retries the whole batch.
"""
import queue
import re
import smtplib
import threading

from chapar import SendResult

from . import smtp_pool
from .mime import message_id

RETRY_AFTER = re.compile(r"(\d+)\s*(?:s\b|sec|second)", re.IGNORECASE)
RETRY_MINUTES = re.compile(r"(\d+)\s*(?:m\b|min|minute)", re.IGNORECASE)
_LEADING_DOT = re.compile(rb"(?m)^\.")


class _Dropped(Exception):
    """The server hung up; `after_data` says whether the whole message had gone out."""

    def __init__(self, after_data, reason):
        super().__init__(reason)
        self.after_data = after_data


class _Refused(Exception):
    def __init__(self, stage, code, reply):
        super().__init__(f"{stage}: {code} {reply}")
        self.code = code


def retry_after(reply):
    """Seconds a 4xx reply asks us to wait, when it says so."""
    found = RETRY_AFTER.search(reply)
    if found:
        return float(found.group(1))
    found = RETRY_MINUTES.search(reply)
    return float(found.group(1)) * 60 if found else None


def _command(smtp, stage, line, after_data=False):
    try:
        code, reply = smtp.docmd(line) if line is not None else smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise _Dropped(after_data, f"{stage}: connection lost ({exc})") from None
    reply = reply.decode("utf-8", "replace")
    if code == 421:  # the server is closing the connection: transient, and reconnect
        smtp_pool.close(smtp)
    return code, reply


def _transaction(smtp, sender, recipient, data):
    """MAIL, RCPT, DATA by hand, so that "lost after the data" can be told from "lost before".

    With PIPELINING (RFC 2920, offered by Postfix, Exim and most providers) the three commands
    go out together and their replies are read after: one round trip instead of three."""
    commands = (("MAIL", f"mail FROM:<{sender}>"), ("RCPT", f"rcpt TO:<{recipient}>"), ("DATA", "data"))
    if smtp.does_esmtp and smtp.has_extn("pipelining"):
        try:
            smtp.send("".join(line + "\r\n" for _stage, line in commands))
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Dropped(False, f"MAIL: connection lost ({exc})") from None
        replies = []
        for stage, _line in commands:
            code, reply = _command(smtp, stage, None)
            if code == 421:  # the server hung up: no further replies will come
                raise _Refused(stage, code, reply)
            replies.append((stage, code, reply))
        refused = next(((stage, code, reply) for stage, code, reply in replies[:2] if code >= 300), None)
        if refused is not None:
            if replies[2][1] == 354:  # a server that took DATA anyway: end the empty message
                _command(smtp, "end of data", ".")
            raise _Refused(*refused)
        if replies[2][1] != 354:
            raise _Refused(*replies[2])
    else:
        for stage, line in commands:
            code, reply = _command(smtp, stage, line)
            expected = 354 if stage == "DATA" else None
            if (code != expected) if expected else code >= 300:
                raise _Refused(stage, code, reply)
    # Dot-stuffing (RFC 5321 4.5.2); base64 bodies have no dots, so usually only a check.
    payload = _LEADING_DOT.sub(b"..", data) if b"\n." in data or data.startswith(b".") else data
    if not payload.endswith(b"\r\n"):
        payload += b"\r\n"
    try:
        smtp.send(payload + b".\r\n")
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        # Part of the message may have gone out, but without the final dot no server delivers it.
        raise _Dropped(False, f"connection lost while sending the message ({exc})") from None
    code, reply = _command(smtp, "end of data", None, after_data=True)
    if code >= 300:
        raise _Refused("end of data", code, reply)
    return reply


def send_batch(prepared, identity):
    """One SendResult per message, sent as `identity` over this worker's connection.

    `prepared` is [(OutgoingMessage, (sender, recipient, bytes) or the exception building it)]."""
    results, sent_any = [], False
    smtp = smtp_pool.connection(identity)  # raises when the server is unreachable: whole batch
    domain = identity.from_domain
    for message, built in prepared:
        if isinstance(built, Exception):
            results.append(SendResult.permanent(message.id, f"cannot build the email: {built}"))
            continue
        sender, recipient, data = built
        if smtp is None:
            try:
                smtp = smtp_pool.connection(identity)
            except (OSError, smtplib.SMTPException) as exc:
                if not sent_any:
                    raise
                results.append(SendResult.transient(message.id, f"cannot reconnect: {exc}"))
                continue
        try:
            _transaction(smtp, sender, recipient, data)
        except _Refused as exc:
            if 400 <= exc.code < 500:
                results.append(SendResult.transient(message.id, str(exc), retry_after=retry_after(str(exc))))
            else:
                results.append(SendResult.permanent(message.id, str(exc)))
            if exc.code == 421 or not _reset(smtp):
                smtp_pool.discard(identity)
                smtp = None
            continue
        except _Dropped as exc:
            smtp_pool.discard(identity)
            smtp = None
            if exc.after_data:
                sent_any = True
                results.append(SendResult.uncertain(message.id, str(exc)))
            elif not sent_any and not results:
                # The reused connection had gone stale: reconnect once and try this message again.
                try:
                    smtp = smtp_pool.connection(identity)
                    _transaction(smtp, sender, recipient, data)
                except (_Dropped, _Refused, OSError, smtplib.SMTPException) as again:
                    smtp_pool.discard(identity)
                    smtp = None
                    results.append(_after_retry(message, again))
                    sent_any = sent_any or isinstance(again, _Dropped) and again.after_data
                    continue
                sent_any = True
                results.append(SendResult.accepted(message.id, message_id(message, domain).strip("<>")))
            else:
                results.append(SendResult.transient(message.id, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - unforeseen: the server may have it; never send twice
            smtp_pool.discard(identity)
            smtp = None
            sent_any = True
            results.append(SendResult.uncertain(message.id, f"{type(exc).__name__}: {exc}"))
            continue
        sent_any = True
        results.append(SendResult.accepted(message.id, message_id(message, domain).strip("<>")))
    if smtp is not None:
        smtp_pool.touch(identity)
    return results


class Sender:
    """send_batch in a thread of its own, fed message after message as they are built.

    `put` items while inside `with`; on leaving, the thread finishes and `results` holds the
    SendResults, or the exception that failed the whole batch is raised here."""

    def __init__(self, identity):
        self.identity = identity
        self.queue = queue.Queue(maxsize=20)
        self.results = None
        self.error = None
        self.thread = threading.Thread(target=self._run, name="chapar-email-smtp", daemon=True)

    def _items(self):
        return iter(self.queue.get, None)

    def _run(self):
        try:
            self.results = send_batch(self._items(), self.identity)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self.error = exc
            for _item in self._items():  # keep taking, so the producer never blocks
                pass

    def put(self, item):
        self.queue.put(item)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.queue.put(None)
        self.thread.join()
        if exc is None and self.error is not None:
            raise self.error
        return False


def _after_retry(message, exc):
    if isinstance(exc, _Dropped):
        return (SendResult.uncertain if exc.after_data else SendResult.transient)(message.id, str(exc))
    if isinstance(exc, _Refused) and exc.code >= 500:
        return SendResult.permanent(message.id, str(exc))
    return SendResult.transient(message.id, str(exc), retry_after=retry_after(str(exc)))


def _reset(smtp):
    """RSET after a refused recipient, so the next message starts a clean transaction."""
    try:
        code, _reply = smtp.docmd("rset")
        return code == 250
    except (smtplib.SMTPServerDisconnected, OSError):
        return False

