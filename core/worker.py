"""The RQ worker: no fork per job, an app context and a fresh database connection around each."""
import logging
import os

from rq import Queue, SimpleWorker
from rq.exceptions import StopRequested

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

    _maintaining = False

    def _shutdown(self):
        # RQ raises StopRequested from its signal handler wherever the code is. Inside the
        # maintenance pass a broad except (or a plugin's periodic hook) would swallow it, so
        # there the request is only noted, and raised once the pass is over.
        if self._maintaining:
            self._stop_requested = True
            if self.scheduler:
                self.stop_scheduler()
            return
        super()._shutdown()

    def run_maintenance_tasks(self):
        """RQ's registry cleaning, then the send pipeline's reconciler (one worker per interval)."""
        from .sending import reconcile_if_due

        self._maintaining = True
        try:
            super().run_maintenance_tasks()
            with self.app.app_context():
                db.connect(reuse_if_open=True)
                try:
                    reconcile_if_due(self.maintenance_interval)
                except Exception:  # noqa: BLE001 - never let a bad pass stop the worker; the next one retries
                    log.exception("reconciler pass failed")
                finally:
                    if not db.is_closed():
                        db.close()
        finally:
            self._maintaining = False
        if self._stop_requested:
            raise StopRequested()

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
