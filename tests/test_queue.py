"""Background jobs: enqueued with Chapar's defaults, run by `chapar worker` in its own process
(no fork per job) inside an app context with a database connection, and stopped at their timeout.

The worker imports the job functions below by name (tests/ is on its PYTHONPATH).
"""
import os
import shutil
import subprocess
import time
import uuid

import pytest
import redis
from chapar_process import chapar_env, command
from peewee import SqliteDatabase
from rq import Queue
from rq.job import JobStatus

from chapar import enqueue, get_queue
from chapar.queue import known_queue_names
from chapar.worker import build_worker


def where_am_i(label):
    """A job: note in the database who ran it, and report the process and app it ran in."""
    from flask import current_app

    from chapar.db import db
    from chapar.models import SiteSetting

    SiteSetting.set_value(f"queue-test-{label}", os.getpid())
    return {"pid": os.getpid(), "app": current_app.name, "home": str(current_app.config["CHAPAR"].HOME),
            "db_open": not db.is_closed()}


def sleep_for(seconds):
    time.sleep(seconds)


@pytest.fixture(scope="module")
def burst(tmp_path_factory, redis_url, sqlite_template):
    """Enqueue jobs on a queue of their own, run `chapar worker --burst` once, and report."""
    home = tmp_path_factory.mktemp("worker")
    database = home / "chapar.db"
    shutil.copyfile(sqlite_template, database)
    connection = redis.Redis.from_url(redis_url)
    queue = Queue(f"test-{uuid.uuid4().hex[:8]}", connection=connection)
    jobs = {"first": queue.enqueue(where_am_i, "first"), "second": queue.enqueue(where_am_i, "second"),
            "slow": queue.enqueue(sleep_for, 60, job_timeout=1)}
    started = time.monotonic()
    worker = subprocess.Popen(command("worker", "--burst", "--queue", queue.name),
                              env=chapar_env(home, REDIS_URL=redis_url, DATABASE_URL=f"sqlite:///{database}"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = worker.communicate(timeout=60)[0]
    report = {"pid": worker.pid, "exit": worker.returncode, "output": output, "home": str(home), "jobs": {},
              "seconds": time.monotonic() - started}
    for name, job in jobs.items():
        job.refresh()
        result = job.latest_result()
        report["jobs"][name] = {"status": job.get_status(), "value": job.return_value(),
                                "error": result.exc_string if result is not None else None}
    db = SqliteDatabase(str(database))
    report["rows"] = dict(db.execute_sql("SELECT key, value FROM site_setting WHERE key LIKE 'queue-test-%'"))
    db.close()
    return report


def test_a_burst_worker_processes_the_jobs_and_exits(burst):
    assert burst["exit"] == 0, burst["output"][-2000:]
    assert burst["jobs"]["first"]["status"] == JobStatus.FINISHED
    assert burst["jobs"]["second"]["status"] == JobStatus.FINISHED


def test_jobs_run_in_the_workers_own_process_without_a_fork(burst):
    first, second = burst["jobs"]["first"]["value"], burst["jobs"]["second"]["value"]
    assert first["pid"] == second["pid"] == burst["pid"]


def test_a_job_runs_in_an_app_context_with_a_database_connection(burst):
    value = burst["jobs"]["first"]["value"]
    assert value["app"] == "chapar" and value["home"] == burst["home"] and value["db_open"]
    assert burst["rows"] == {"queue-test-first": str(value["pid"]), "queue-test-second": str(value["pid"])}


def test_a_job_over_its_timeout_is_stopped_and_failed(burst):
    slow = burst["jobs"]["slow"]
    assert slow["status"] == JobStatus.FAILED
    assert "JobTimeoutException" in slow["error"] and "(1 seconds)" in slow["error"]
    assert burst["seconds"] < 50  # the job asked for 60 s: it was cut short, not waited for


def test_enqueue_uses_the_configured_job_timeout(app_config):
    from chapar import create_app

    app_config["JOB_TIMEOUT"] = 42
    with create_app(app_config).app_context():
        job = enqueue(sleep_for, 0, queue="reports")
        assert job.timeout == 42 and job.origin == "reports"
        assert get_queue("reports").count == 1
        assert known_queue_names() == ["default", "reports"]


def test_an_in_process_worker_runs_jobs_in_this_process(app):
    job = enqueue(where_am_i, "inline")
    build_worker(app, ["default"], name=f"inline-{uuid.uuid4().hex[:6]}").work(burst=True)
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert job.return_value()["pid"] == os.getpid()
