"""Looking into RQ for the admin Jobs page: counts, job lists, failures, retry and delete.

Everything is read from rq's own queues and registries; this module keeps no state of its own.
Call these inside an app context (they use the app's Redis connection).
"""
from dataclasses import dataclass, field
from datetime import datetime

from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.results import Result

from .queue import get_redis, known_queue_names

# The states a job passes through, in the order the Jobs page shows them.
STATES = ("queued", "started", "deferred", "scheduled", "finished", "failed")
_REGISTRIES = {
    "started": "started_job_registry",
    "deferred": "deferred_job_registry",
    "scheduled": "scheduled_job_registry",
    "finished": "finished_job_registry",
    "failed": "failed_job_registry",
}


class JobNotFound(LookupError):
    """No such job (it may have expired or been deleted meanwhile), or not in the expected state."""


@dataclass
class QueueSummary:
    name: str
    counts: dict  # state -> number of jobs


@dataclass
class JobInfo:
    id: str
    queue: str
    function: str
    description: str
    status: str
    enqueued_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    traceback: str = ""  # the whole exception text when the latest run failed

    @property
    def error(self):
        """The exception's last line ("ValueError: bad id"), which says what went wrong."""
        lines = [line for line in self.traceback.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


@dataclass
class WorkerInfo:
    name: str
    hostname: str
    pid: int | None
    state: str  # idle, busy, started, suspended
    queues: list = field(default_factory=list)
    current_job: str = ""
    started_at: datetime | None = None
    last_heartbeat: datetime | None = None


def known_queue(name):
    """The named queue, if Chapar knows it; JobNotFound otherwise (names come from URLs)."""
    if name not in known_queue_names():
        raise JobNotFound(name)
    return Queue(name, connection=get_redis())


def count(rq_queue, state):
    if state == "queued":
        return rq_queue.count
    return getattr(rq_queue, _REGISTRIES[state]).count  # .count also moves abandoned jobs to failed


def queue_summaries():
    """One QueueSummary per known queue, with a count for every state."""
    summaries = []
    for name in known_queue_names():
        rq_queue = Queue(name, connection=get_redis())
        summaries.append(QueueSummary(name, {state: count(rq_queue, state) for state in STATES}))
    return summaries


def _job_ids(rq_queue, state, offset, limit):
    if state == "queued":
        return rq_queue.get_job_ids(offset, limit)
    registry = getattr(rq_queue, _REGISTRIES[state])
    # Scores are expiry (or run-at) times: newest first, except scheduled jobs, soonest first.
    ids = registry.get_job_ids(offset, offset + limit - 1, desc=state != "scheduled")
    return list(dict.fromkeys(ids))  # a started job is listed once per execution


def _describe_page(rq_queue, state, offset, limit):
    jobs = Job.fetch_many(_job_ids(rq_queue, state, offset, limit), connection=rq_queue.connection)
    return [describe(job) for job in jobs if job is not None]  # None: expired since listed


def list_jobs(queue_name, state, offset=0, limit=50):
    """JobInfo for one page of a queue's jobs in `state`, most relevant first."""
    if state not in STATES:
        raise JobNotFound(state)
    return _describe_page(known_queue(queue_name), state, offset, limit)


def failed_jobs(limit=50):
    """The most recent failures across every queue, newest first."""
    found = []
    for name in known_queue_names():
        found.extend(_describe_page(Queue(name, connection=get_redis()), "failed", 0, limit))
    found.sort(key=lambda info: info.ended_at or datetime.min, reverse=True)
    return found[:limit]


def describe(job):
    """A JobInfo for an rq Job, tolerating jobs whose stored call cannot be decoded."""
    try:
        function = job.func_name or ""
        description = job.description or function
    except Exception:  # noqa: BLE001 - pickled arguments from code that no longer exists
        function, description = "?", job.id
    traceback = ""
    result = job.latest_result()
    if result is not None and result.type == Result.Type.FAILED:
        traceback = result.exc_string or ""
    return JobInfo(id=job.id, queue=job.origin, function=function, description=description,
                   status=getattr(job.get_status(refresh=False), "value", ""), enqueued_at=job.enqueued_at,
                   started_at=job.started_at, ended_at=job.ended_at, traceback=traceback)


def _fetch(job_id):
    try:
        return Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):  # ValueError: not a possible RQ job id (ids come from URLs)
        raise JobNotFound(job_id) from None


def retry(job_id):
    """Put a failed job back on its queue; returns the Job."""
    job = _fetch(job_id)
    try:
        return job.failed_job_registry.requeue(job)
    except InvalidJobOperation:  # not (or no longer) in the failed registry
        raise JobNotFound(job_id) from None


def retry_all_failed(queue_name):
    """Requeue every failed job of a queue; returns how many went back."""
    registry = known_queue(queue_name).failed_job_registry
    requeued = 0
    for job_id in registry.get_job_ids():
        try:
            registry.requeue(job_id)
            requeued += 1
        except (NoSuchJobError, InvalidJobOperation):
            registry.remove(job_id)  # its data expired: nothing left to run
    return requeued


def delete(job_id):
    """Remove a job and its results from Redis, whatever its state; returns the JobInfo it had."""
    job = _fetch(job_id)
    info = describe(job)
    job.delete()
    return info


def workers():
    """The workers registered in Redis, busy ones first."""
    found = []
    for worker in Worker.all(connection=get_redis()):
        found.append(WorkerInfo(name=worker.name, hostname=worker.hostname or "", pid=worker.pid,
                                state=str(worker.get_state() or ""), queues=worker.queue_names(),
                                current_job=worker.get_current_job_id() or "",
                                started_at=worker.birth_date, last_heartbeat=worker.last_heartbeat))
    found.sort(key=lambda info: (info.state != "busy", info.name))
    return found
