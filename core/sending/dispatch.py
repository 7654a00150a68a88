"""Putting a program's queued messages on its channel's RQ queue, as batches of ids.

Each program keeps a Redis set of its job ids so the reconciler can tell whether work is still
waiting in a queue. A message may sit in two jobs at once (after a lost Redis or a reconciler
pass); that is harmless because a worker claims messages with one atomic UPDATE.
"""
from datetime import timedelta, timezone

from flask import current_app
from rq import Queue

from ..channels import UnknownChannel, get_channel
from ..db import fetch
from ..models import Message, utcnow
from ..queue import get_redis

JOB_SIZE = 500  # message ids per job at least; a worker sends them in chunks of the channel's batch size
# A job's last channel call overlaps nothing (its results are written before the job ends), so a
# job holds at least this many chunks: with two, half of an SMS program's sends waited alone.
CHUNKS_PER_JOB = 4
JOBS_TTL = 14 * 24 * 3600


def queue_name(channel_id):
    return f"send-{channel_id}"


def jobs_key(program_id):
    return f"chapar:program:{program_id}:jobs"


def send_queue(channel_id):
    return Queue(queue_name(channel_id), connection=get_redis(),
                 default_timeout=current_app.config["CHAPAR"].JOB_TIMEOUT)


def rq_moment(utc):
    """Naive UTC (how Chapar stores time) as RQ wants it: aware — RQ reads a naive datetime as the
    server's local time — and rounded up to the second, as RQ's scheduler keeps only seconds (so
    a retry never wakes a moment before its messages are due)."""
    whole = utc.replace(microsecond=0) + (timedelta(seconds=1) if utc.microsecond else timedelta(0))
    return whole.replace(tzinfo=timezone.utc)


def job_size(program):
    """Message ids per job for `program`'s channel: JOB_SIZE, or CHUNKS_PER_JOB of its batches."""
    try:
        return max(JOB_SIZE, CHUNKS_PER_JOB * get_channel(program.channel).batch_size)
    except UnknownChannel:
        return JOB_SIZE


def enqueue_ids(program, ids, at=None):
    """Enqueue `ids` in jobs of job_size(), now or at the UTC moment `at`; returns the job ids."""
    from .batch import send_batch

    if not ids:
        return []
    size = job_size(program)
    queue = send_queue(program.channel)
    redis = get_redis()
    job_ids = []
    with redis.pipeline() as pipe:
        for start in range(0, len(ids), size):
            chunk = list(ids[start:start + size])
            options = {"result_ttl": 0, "failure_ttl": JOBS_TTL,
                       "description": f"send program #{program.id}: {len(chunk)} messages"}
            if at is None:
                job = queue.enqueue(send_batch, program.id, chunk, pipeline=pipe, **options)
            else:
                job = queue.enqueue_at(rq_moment(at), send_batch, program.id, chunk, pipeline=pipe, **options)
            job_ids.append(job.id)
        pipe.sadd(jobs_key(program.id), *job_ids)
        pipe.expire(jobs_key(program.id), JOBS_TTL)
        pipe.execute()
    return job_ids


def dispatch(program, due_only=False):
    """Enqueue every queued message of `program`: due ones now, later retries at their time
    (unless `due_only`)."""
    now = utcnow()
    due, later = [], []
    # Plain rows: a launch reads every message here, and a fresh one has no retry time to convert.
    rows = fetch('SELECT "id", "next_attempt_at" FROM "message" WHERE "program_id" = ? AND "status" = \'queued\' '
                 'ORDER BY "id"', [program.id])
    as_time = Message.next_attempt_at.python_value
    for message_id, stored in rows:
        next_attempt = as_time(stored)
        (later if next_attempt and next_attempt > now else due).append((message_id, next_attempt))
    job_ids = enqueue_ids(program, [i for i, _ in due])
    if later and not due_only:
        job_ids += enqueue_ids(program, [i for i, _ in later], at=min(t for _, t in later))
    return job_ids


def job_states(program_id):
    """How many of the program's jobs are queued, scheduled or started (gone ones are forgotten).

    A job counts as queued only while its id is still in its queue (or RQ's intermediate queue,
    where a worker is taking it right now): a worker killed between popping a job and starting it
    leaves the job's status "queued" for ever, and counting it would strand its messages.
    """
    redis = get_redis()
    key = jobs_key(program_id)
    job_ids = [j.decode() if isinstance(j, bytes) else j for j in redis.smembers(key)]
    counts = {"queued": 0, "scheduled": 0, "started": 0}
    if not job_ids:
        return counts
    with redis.pipeline() as pipe:
        for job_id in job_ids:
            pipe.hmget(f"rq:job:{job_id}", "status", "origin")
        states = [[v.decode() if isinstance(v, bytes) else v for v in row] for row in pipe.execute()]
    waiting = [(job_id, origin) for job_id, (status, origin) in zip(job_ids, states) if status == "queued"]
    if waiting:
        with redis.pipeline() as pipe:
            for job_id, origin in waiting:
                pipe.lpos(f"{Queue.redis_queue_namespace_prefix}{origin}", job_id)
                pipe.lpos(f"{Queue.redis_queue_namespace_prefix}{origin}:intermediate", job_id)
            found = pipe.execute()
        lost = {job_id for (job_id, _), in_queue, taking in zip(waiting, found[::2], found[1::2])
                if in_queue is None and taking is None}
        states = [["lost", None] if job_id in lost else state for job_id, state in zip(job_ids, states)]
    gone = [j for j, (status, _) in zip(job_ids, states) if status not in counts]
    if gone:
        redis.srem(key, *gone)
    for status, _ in states:
        if status in counts:
            counts[status] += 1
    return counts


def forget_job(program_id, job_id):
    get_redis().srem(jobs_key(program_id), job_id)
