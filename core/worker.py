"""The RQ worker: no fork per job, an app context and a fresh database connection around each."""
import logging
import os

from rq import Queue, SimpleWorker

from .db import db

log = logging.getLogger("chapar.worker")


class ChaparWorker(SimpleWorker):
    """SimpleWorker runs jobs in-process: forking per job costs about 3x throughput here.

    Job timeouts still apply: RQ's death penalty uses SIGALRM in the worker's main thread.
    """

    app = None

    @property
    def dequeue_timeout(self):
        # Wake from the blocking dequeue often enough for the reconciler to keep its interval.
        return max(1, min(self.worker_ttl - 15, self.maintenance_interval))

    def run_maintenance_tasks(self):
        """RQ's registry cleaning, then the send pipeline's reconciler (one worker per interval)."""
        super().run_maintenance_tasks()
        from .sending import reconcile_if_due

        with self.app.app_context():
            db.connect(reuse_if_open=True)
            try:
                reconcile_if_due(self.maintenance_interval)
            except Exception:  # noqa: BLE001 - never let a bad pass stop the worker; the next one retries
                log.exception("reconciler pass failed")
            finally:
                if not db.is_closed():
                    db.close()

    def perform_job(self, job, queue):
        with self.app.app_context():
            db.connect(reuse_if_open=True)
            try:
                return super().perform_job(job, queue)
            finally:
                if not db.is_closed():
                    db.close()


_fork_hook_installed = False


def scheduler_dies_with_worker():
    """Make every process this one forks (RQ's scheduler) get SIGTERM when it dies, even by SIGKILL.

    Call once in a worker process; the worker itself never forks per job.
    """
    global _fork_hook_installed
    if not _fork_hook_installed:
        from .embedded_redis import die_with_parent

        os.register_at_fork(after_in_child=die_with_parent)
        _fork_hook_installed = True


def build_worker(app, queue_names, name=None):
    from .queue import get_redis, known_queue_names

    with app.app_context():
        connection = get_redis()
        names = queue_names or known_queue_names()
        timeout = app.config["CHAPAR"].JOB_TIMEOUT
        queues = [Queue(n, connection=connection, default_timeout=timeout) for n in names]
    interval = app.config["CHAPAR"].RECONCILE_SECONDS
    worker = ChaparWorker(queues, connection=connection, name=name, maintenance_interval=interval)
    worker.app = app
    return worker
