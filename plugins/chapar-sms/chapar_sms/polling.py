"""Gateways that fetch their own receipts and received messages (an SMPP bind) are polled by a
chain of RQ jobs, one chain per gateway: each poll queues the next. The newest chain's job id is
kept in Redis, so an older chain (a second start, a restart) ends at its next run, and the
`periodic` hook restarts a chain Redis lost.
"""
import logging
import os
import uuid
from datetime import timedelta

from chapar import get_queue, get_redis
from redis.exceptions import LockError
from rq import get_current_job
from rq.job import Job

from .gateways import SmsGateway
from .providers.base import SmsProvider
from .providers.registry import provider_for, provider_kinds

log = logging.getLogger(__name__)
DEFAULT_POLL_SECONDS = 5


def poll_seconds():
    """CHAPAR_SMS_POLL_SECONDS (environment): seconds between two polls of a gateway (5)."""
    try:
        return max(1, int(os.environ.get("CHAPAR_SMS_POLL_SECONDS", DEFAULT_POLL_SECONDS)))
    except ValueError:
        log.warning("CHAPAR_SMS_POLL_SECONDS is not a number of seconds; polling every %s", DEFAULT_POLL_SECONDS)
        return DEFAULT_POLL_SECONDS


def polled_gateways():
    """Gateways whose provider kind implements poll()."""
    kinds = {kind for kind, cls in provider_kinds().items() if cls.poll is not SmsProvider.poll}
    return list(SmsGateway.select().where(SmsGateway.kind.in_(list(kinds) or [""])))


def _chain_key(gateway_id):
    return f"chapar-sms:poll-chain:{gateway_id}"


def schedule_poll(gateway_id, delay=None):
    job_id = f"chapar-sms-poll-{gateway_id}-{uuid.uuid4().hex[:12]}"
    get_redis().set(_chain_key(gateway_id), job_id)
    seconds = poll_seconds() if delay is None else delay
    return get_queue().enqueue_in(timedelta(seconds=seconds), poll_gateway, gateway_id, job_id=job_id)


def ensure_polling():
    """Start the chain of every polled gateway that has none alive; returns how many started."""
    redis = get_redis()
    started = 0
    for gateway in polled_gateways():
        job_id = redis.get(_chain_key(gateway.id))
        if job_id is None or not redis.exists(Job.key_for(job_id.decode())):
            schedule_poll(gateway.id, delay=0)
            started += 1
    return started


def poll_gateway(gateway_id, reschedule=True):
    """RQ job: one poll of one gateway, then (in a chain) queue the next."""
    redis = get_redis()
    job = get_current_job()
    chain = redis.get(_chain_key(gateway_id))
    if reschedule and job is not None and chain is not None and chain.decode() != job.id:
        return "superseded"
    gateway = SmsGateway.get_or_none(SmsGateway.id == gateway_id)
    if gateway is None:
        return "gone"  # deleted: the chain ends here
    lock = redis.lock(f"chapar-sms:polling:{gateway_id}", timeout=300, blocking=False)
    if not lock.acquire():
        return "busy"
    try:
        provider_for(gateway).poll()
        return "polled"
    except Exception:
        log.exception("SMS gateway %s: poll failed", gateway.name)
        return "failed"
    finally:
        try:
            lock.release()
        except LockError:
            pass
        if reschedule:
            schedule_poll(gateway_id)
