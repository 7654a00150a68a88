"""The send job: a worker claims a batch of message ids, renders and sends them chunk by chunk.

Between chunks it re-reads the program's status, so pause and cancel take effect before the next
chunk is handed over (at most two handed-over chunks still go out: overlap.DEPTH). See docs/sending.md.
"""
import logging
import time
import uuid

from flask import current_app
from redis.exceptions import RedisError
from rq import get_current_job

from ..channels import SendResult, UnknownChannel, channel_settings, get_channel
from ..db import fetch
from ..models import Program, utcnow
from ..programs.errors import CHANNEL_NOT_INSTALLED
from ..programs.schedule import next_open
from ..queue import get_redis
from ..templating import TemplateError
from . import claims
from .dispatch import enqueue_ids, forget_job
from .finish import finish_if_done
from .overlap import InFlight
from .ratelimit import limiter_for
from .render import Renderer, field_values

log = logging.getLogger("chapar.sending")


def _status(program_id):
    rows = fetch('SELECT "status" FROM "program" WHERE "id" = ?', [program_id])  # before every chunk
    return rows[0][0] if rows else None


class BatchSender:
    def __init__(self, program, message_ids):
        self.program = program
        self.ids = list(message_ids)
        self.channel = get_channel(program.channel)
        self.settings = channel_settings(self.channel.identifier)
        self.per_piece = self.channel.cost_per_piece(self.settings)
        config = current_app.config["CHAPAR"]
        self.lease = config.SEND_LEASE_SECONDS
        self.max_attempts = config.SEND_MAX_ATTEMPTS
        self.limiter = limiter_for(get_redis(), self.channel, self.settings, program)
        self.token = uuid.uuid4().hex
        self.renderer = Renderer(program, self.channel, self.settings)
        self.in_flight = InFlight()  # earlier chunks' channel calls, while this one is prepared

    @property
    def chunk_size(self):
        return max(1, min(self.channel.batch_size, self.limiter.largest_grant or self.channel.batch_size))

    def sending(self):
        return _status(self.program.id) == "sending"

    def run(self):
        claimed = claims.claim(self.program.id, self.ids, self.token, self.lease)
        self.renewed = started = time.monotonic()
        # Stop well before RQ's job timeout (its SIGALRM could land inside channel.send()): a
        # rate-limited batch goes back to the queue and carries on in a new job.
        budget = current_app.config["CHAPAR"].JOB_TIMEOUT / 2
        try:
            for start in range(0, len(claimed), self.chunk_size):
                rest = [m.id for m in claimed[start:]]
                if time.monotonic() - started > budget:
                    claims.release(self.token)
                    enqueue_ids(self.program, rest)
                    break
                if not self._send_chunk(claimed[start:start + self.chunk_size], rest):
                    break
        finally:
            try:
                self.in_flight.close()  # the last chunk's results land before the job ends
            finally:
                # Whatever was claimed and not handed over goes back (or is cancelled with the program).
                claims.release(self.token, "cancelled" if _status(self.program.id) == "cancelled" else "queued")

    def _send_chunk(self, chunk, rest):
        """Send one chunk; False when the job should stop (paused, cancelled, window closed)."""
        if not self.sending():
            return False
        opens = next_open(self.program, self.program.campaign.time_zone, utcnow())
        if opens is not None:
            claims.release(self.token)
            enqueue_ids(self.program, rest, at=opens)
            return False
        if time.monotonic() - self.renewed > self.lease / 3:  # renewing every chunk costs a write per row
            claims.renew(self.token, self.lease)
            self.renewed = time.monotonic()
        # Contacts as they are now, not as they were at the claim: consent is checked at sending.
        contacts = claims.contacts_of(chunk)
        values = field_values(set(contacts))
        outgoing, results, units, attempts, skipped = [], [], {}, {}, {}
        for message in chunk:
            attempts[message.id] = message.attempts
            contact = contacts.get(message.contact_id)
            reason = refused_since_launch(contact, self.channel)
            if reason:
                skipped.setdefault(reason, []).append(message.id)
                continue
            try:
                out = self.renderer.outgoing(message, contact, values.get(message.contact_id))
            except TemplateError as exc:
                results.append(SendResult.permanent(message.id, f"template: {exc}"))
                continue
            units[message.id] = self.channel.estimate(out).units
            outgoing.append(out)
        claims.skip(self.token, skipped)
        self.in_flight.make_room()  # writes earlier results: a failure there leaves this chunk unhanded
        # Permits are taken last, right before the provider sees the messages.
        if outgoing and not self.limiter.acquire(len(outgoing), keep_going=self.sending):
            return False
        # Ownership check too: a worker whose lease ran out while it waited sends nothing.
        handed = set(claims.hand_over(self.token, [o.id for o in outgoing]))
        batch = [o for o in outgoing if o.id in handed]
        self.in_flight.start(self._call_channel, (batch,),
                             then=lambda answered: self._apply(results + answered, units, attempts))
        return True

    def _apply(self, results, units, attempts):
        """Write a chunk's results; schedule its transient failures' retry."""
        outcome, next_at = claims.apply_results(self.token, results, units, self.program.cost_per_unit, attempts,
                                                self.max_attempts, self.per_piece)
        if outcome["transient"]:
            try:
                enqueue_ids(self.program, outcome["transient"], at=next_at)
            except RedisError:  # the messages are queued in the database; the reconciler dispatches them
                log.warning("program #%s: could not schedule a retry; the reconciler will", self.program.id)

    def _call_channel(self, batch):
        if not batch:
            return []
        try:
            results = list(self.channel.send(batch, self.settings) or [])
        except Exception as exc:  # noqa: BLE001 - the whole batch failed; each message retries
            log.warning("channel %s failed a batch of %d: %s", self.channel.identifier, len(batch), exc)
            return [SendResult.transient(m.id, f"{type(exc).__name__}: {exc}") for m in batch]
        answered = {r.message_id for r in results}
        for message in batch:
            if message.id not in answered:
                # No answer: the provider may or may not have it.
                if self.channel.idempotent:
                    results.append(SendResult.transient(message.id, "the channel gave no result"))
                else:
                    results.append(SendResult.uncertain(message.id, "the channel gave no result"))
        return results


def refused_since_launch(contact, channel):
    """Why a message queued at launch must not go out now (the contact was deleted, opted out,
    bounced…), or "": consent is checked again at the moment of sending."""
    if contact is None:
        return "contact_deleted"
    if contact.do_not_contact:
        return "do_not_contact"
    consent = contact.consent(channel.consent_channel)
    if consent in ("bounced", "complained"):
        return consent
    return "no_consent" if consent == "unsubscribed" else ""


def send_batch(program_id, message_ids):
    """RQ job: send these messages of the program (ids only: nothing stale travels in Redis)."""
    job = get_current_job()
    try:
        program = Program.get_or_none(Program.id == program_id)
        if program is None or program.status != "sending":
            return "program is not sending"
        try:
            sender = BatchSender(program, message_ids)
        except UnknownChannel:
            # Paused, not failed: sending carries on once the plugin is installed again.
            (Program.update(status="paused", error=CHANNEL_NOT_INSTALLED % {"channel": program.channel},
                            updated_at=utcnow()).where((Program.id == program_id) & (Program.status == "sending"))
             .execute())
            return "channel not installed"
        sender.run()
        finish_if_done(program_id)
    finally:
        if job is not None:
            try:
                forget_job(program_id, job.id)
            except RedisError:  # Redis went away: the set it lived in went with it
                pass
    return "done"
