"""What the channel benchmarks (email_send.py, sms.py) share: an app on a Scratch database, and a
program sent end to end by `chapar worker` subprocesses, timed from launch() to "sent"."""
import time

from chapar_process import chapar_env
from sending_processes import Processes, wait_for


def open_app(scratch):
    """A pushed app context on the scratch database and Redis, migrated; returns the context."""
    from chapar import create_app
    from chapar.db import db
    from chapar.schema import migrate

    app = create_app({"HOME": str(scratch.home), "DATABASE_URL": scratch.database_url,
                      "REDIS_URL": scratch.redis_url, "LOG_LEVEL": "WARNING"})
    context = app.app_context()
    context.push()
    db.connect(reuse_if_open=True)
    migrate()
    return context


def close_app(context):
    from chapar.db import db

    if not db.is_closed():
        db.close()
    context.pop()


def add_people(rows):
    """Insert contact rows (dicts) in chunks; returns every contact id."""
    from chapar.db import db
    from chapar.models import Contact

    with db.atomic():
        for start in range(0, len(rows), 1000):
            Contact.insert_many(rows[start:start + 1000]).execute()
    return [c.id for c in Contact.select(Contact.id)]


def timed_send(scratch, program, size, worker_count, **env):
    """Messages/s from launch() until `program` is sent by `worker_count` fresh worker processes
    (started and idle beforehand); every message must end "sent". `env` adds CHAPAR_* settings."""
    from rq import Worker

    from chapar.models import Message, Program
    from chapar.programs import launch
    from chapar.queue import get_redis

    workers = Processes(chapar_env(scratch.home, DATABASE_URL=scratch.database_url, REDIS_URL=scratch.redis_url,
                                   **env), scratch.home / "logs")
    try:
        for n in range(worker_count):
            workers.start_worker(f"bench-{n + 1}")
        wait_for(lambda: len(Worker.all(connection=get_redis())) >= worker_count, 60, "the workers listen")
        time.sleep(1)
        started = time.perf_counter()
        assert launch(program).queued == size
        wait_for(lambda: Program.select(Program.status).where(Program.id == program.id).scalar() == "sent",
                 3600, "the program is sent", every=0.01)
        seconds = time.perf_counter() - started
        sent = Message.select().where((Message.program == program) & (Message.status == "sent")).count()
        assert sent == size, f"{sent} of {size} sent; see {scratch.home / 'logs'}"
        return size / seconds
    finally:
        workers.stop_all()
        workers.close()
