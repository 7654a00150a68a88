"""Putting a program's queued messages on its channel's RQ queue, as batches of ids.

Each program keeps a Redis set of its job ids so the reconciler can tell whether work is still
waiting in a queue. A message may sit in two jobs at once (after a lost Redis or a reconciler
pass); that is harmless because a worker claims messages with one atomic UPDATE.
"""
from flask import current_app
from rq import Queue

from ..models import Message, utcnow
from ..queue import get_redis

JOB_SIZE = 500  # message ids per job; a worker sends them in chunks of the channel's batch size
WAITING = {"queued", "scheduled", "deferred"}
JOBS_TTL = 14 * 24 * 3600


def queue_name(channel_id):
    return f"send-{channel_id}"


def jobs_key(program_id):
    return f"chapar:program:{program_id}:jobs"


def send_queue(channel_id):
    return Queue(queue_name(channel_id), connection=get_redis(),
                 default_timeout=current_app.config["CHAPAR"].JOB_TIMEOUT)


def enqueue_ids(program, ids, at=None):
    """Enqueue `ids` in jobs of JOB_SIZE, now or at the UTC moment `at`; returns the job ids."""
    from .batch import send_batch

    if not ids:
        return []
    queue = send_queue(program.channel)
    redis = get_redis()
    job_ids = []
    with redis.pipeline() as pipe:
        for start in range(0, len(ids), JOB_SIZE):
            chunk = list(ids[start:start + JOB_SIZE])
            options = {"result_ttl": 0, "failure_ttl": JOBS_TTL,
                       "description": f"send program #{program.id}: {len(chunk)} messages"}
            if at is None:
                job = queue.enqueue(send_batch, program.id, chunk, pipeline=pipe, **options)
            else:
                job = queue.enqueue_at(at.replace(tzinfo=None), send_batch, program.id, chunk, pipeline=pipe,
                                       **options)
            job_ids.append(job.id)
        pipe.sadd(jobs_key(program.id), *job_ids)
        pipe.expire(jobs_key(program.id), JOBS_TTL)
        pipe.execute()
    return job_ids


def dispatch(program):
    """Enqueue every queued message of `program`: due ones now, later retries at their time."""
    now = utcnow()
    due, later = [], []
    rows = (Message.select(Message.id, Message.next_attempt_at)
            .where((Message.program == program) & (Message.status == "queued")).order_by(Message.id).tuples())
    for message_id, next_attempt in rows:
        (later if next_attempt and next_attempt > now else due).append((message_id, next_attempt))
    job_ids = enqueue_ids(program, [i for i, _ in due])
    if later:
        job_ids += enqueue_ids(program, [i for i, _ in later], at=min(t for _, t in later))
    return job_ids


def waiting_jobs(program_id):
    """How many of the program's jobs are still waiting in a queue (not started, not gone)."""
    redis = get_redis()
    key = jobs_key(program_id)
    job_ids = [j.decode() if isinstance(j, bytes) else j for j in redis.smembers(key)]
    if not job_ids:
        return 0
    with redis.pipeline() as pipe:
        for job_id in job_ids:
            pipe.hget(f"rq:job:{job_id}", "status")
        statuses = pipe.execute()
    gone = [j for j, s in zip(job_ids, statuses) if s is None or s.decode() not in WAITING | {"started"}]
    if gone:
        redis.srem(key, *gone)
    return sum(1 for s in statuses if s is not None and s.decode() in WAITING)


def forget_job(program_id, job_id):
    get_redis().srem(jobs_key(program_id), job_id)


def forget_program(program_id):
    get_redis().delete(jobs_key(program_id))
