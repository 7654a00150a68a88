"""Send figures: messages/s from launch to "sent" and the worker's peak RSS, against Redis's
pipelined LPUSH of as many items (the ceiling), measured in the same run.

    python bench/send.py [--sizes 10000 100000] [--workers 1 2] [--engines sqlite postgresql]

Each case gets a fresh database (a SQLite file, or a scratch PostgreSQL database on
CHAPAR_TEST_POSTGRES_URL's server) and a fresh private redis-server. Untimed: contacts inserted,
a segment of all of them, a program on the null channel (bench/null_channel: accepts every
message, does nothing, 100 a call), `chapar worker` subprocesses started and idle. Timed: launch()
(the audience snapshot into messages, then dispatch to RQ) until the program is "sent", every
message claimed, rendered, handed to the channel and marked sent by the workers. Worker RSS is
sampled every 0.1 s with psutil: idle before the launch, and the peak during the send. The ceiling
is LPUSH of as many items to the same Redis, pipelined by 10,000 — what RQ's own enqueueing
could never beat. Targets (issue 4): at least 3,000 messages/s per worker, two workers at least
1.7x one, worker memory flat and under 200 MB at 100k.
--py-spy FILE attaches py-spy (if installed) to the first worker during the send and writes its
collapsed stacks to FILE, for finding where the time goes.
"""
import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psutil

BENCH = Path(__file__).resolve().parent
TESTS = BENCH.parent / "tests"
sys.path[:0] = [str(BENCH / "null_channel_site"), str(BENCH), str(TESTS)]

from chapar_process import chapar_env, start_redis_server  # noqa: E402
from sending_processes import Processes, wait_for  # noqa: E402

# What a newsletter looks like to the renderer: merge tags in both fields and a channel link.
CONTENT = {"": {"subject": "Hello {{ contact.first_name|default('friend') }}",
                "body": "Dear {{ contact.full_name }}, our spring sale starts today. {{ links.unsubscribe }}"}}


def postgres_server():
    return os.environ.get("CHAPAR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class Scratch:
    """A fresh database (SQLite file or PostgreSQL database) and redis-server, removed on exit."""

    def __init__(self, engine, workdir):
        self.engine = engine
        self.home = Path(tempfile.mkdtemp(prefix=f"send-{engine}-", dir=workdir))
        self.pg_name = None
        if engine == "sqlite":
            self.database_url = f"sqlite:///{self.home / 'chapar.db'}"
        else:
            import psycopg

            self.pg_name = f"chapar_bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(postgres_server(), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            self.database_url = urlparse(postgres_server())._replace(path="/" + self.pg_name).geturl()
        self.redis_process, port = start_redis_server(self.home)
        self.redis_url = f"redis://127.0.0.1:{port}/0"

    def close(self):
        self.redis_process.kill()
        self.redis_process.wait()
        if self.pg_name:
            import psycopg

            from chapar.db import db

            if not db.is_closed():
                db.close()
            with psycopg.connect(postgres_server(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.home, ignore_errors=True)


def prepare(scratch, size):
    """A migrated database with `size` subscribed contacts and a ready program for all of them."""
    from chapar import create_app
    from chapar.campaigns import save_campaign
    from chapar.db import db
    from chapar.models import Contact
    from chapar.programs import save_program
    from chapar.schema import migrate
    from chapar.segments import save_segment

    app = create_app({"HOME": str(scratch.home), "DATABASE_URL": scratch.database_url,
                      "REDIS_URL": scratch.redis_url, "LOG_LEVEL": "WARNING"})
    context = app.app_context()
    context.push()
    db.connect(reuse_if_open=True)
    migrate()
    rows = [{"first_name": f"Person{i}", "last_name": "Bench", "email": f"person{i}@example.test",
             "consent_email": "subscribed"} for i in range(size)]
    with db.atomic():
        for start in range(0, size, 1000):
            Contact.insert_many(rows[start:start + 1000]).execute()
    segment = save_segment("Everyone subscribed", {"field": "consent.email", "op": "eq", "value": "subscribed"})
    campaign = save_campaign({"name": "Bench"})
    program = save_program({"name": "Spring", "channel": "null", "variants": CONTENT,
                            "audience": {"include": [segment.id], "exclude": [], "contacts": []}}, campaign=campaign)
    assert program.status == "ready", program.status
    return context, program


class PeakRss:
    """Samples the RSS of some processes in a thread; `peak_mb` is the largest seen of any one."""

    def __init__(self, pids, every=0.1):
        self.processes = [psutil.Process(pid) for pid in pids]
        self.every = every
        self.peak_mb = self.now_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now_mb(self):
        return max(p.memory_info().rss for p in self.processes) / 2**20

    def _run(self):
        while not self._stop.wait(self.every):
            self.peak_mb = max(self.peak_mb, self.now_mb())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def start_workers(scratch, count):
    from rq import Worker

    from chapar.queue import get_redis

    env = chapar_env(scratch.home, DATABASE_URL=scratch.database_url, REDIS_URL=scratch.redis_url)
    env["PYTHONPATH"] = os.pathsep.join([str(BENCH / "null_channel_site"), str(BENCH), env["PYTHONPATH"]])
    workers = Processes(env, scratch.home / "logs")
    for n in range(count):
        workers.start_worker(f"bench-{n + 1}")
    wait_for(lambda: len(Worker.all(connection=get_redis())) >= count, 60, f"{count} workers are listening")
    time.sleep(1)  # past start-up: the idle RSS is the steady one
    return workers


def py_spy(pid, output):
    if not shutil.which("py-spy"):
        raise SystemExit("--py-spy: py-spy is not installed (pip install py-spy, into the venv only)")
    return subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                             "--output", str(output), "--nonblocking", "--idle"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def run_case(engine, size, worker_count, workdir, profile=None):
    """One send, timed from launch to sent; returns the figures."""
    from chapar.db import db
    from chapar.models import Message, Program
    from chapar.programs import launch
    from chapar.queue import get_redis

    scratch = Scratch(engine, workdir)
    context = workers = spy = None
    try:
        context, program = prepare(scratch, size)
        workers = start_workers(scratch, worker_count)
        pids = [p.pid for p in workers.running.values()]
        with PeakRss(pids) as rss:
            idle_mb = rss.now_mb()
            spy = py_spy(pids[0], profile) if profile else None
            started = time.perf_counter()
            assert launch(program).queued == size
            launched = time.perf_counter()
            wait_for(lambda: Program.select(Program.status).where(Program.id == program.id).scalar() == "sent",
                     3600, "the program is sent", every=0.01)
            finished = time.perf_counter()
        if spy:
            spy.send_signal(2)
            spy.wait(timeout=60)
        sent = Message.select().where((Message.program == program) & (Message.status == "sent")).count()
        assert sent == size, f"{sent} of {size} sent"
        ceiling = lpush_ceiling(get_redis(), size)
        return {"seconds": finished - started, "launch": launched - started, "idle_mb": idle_mb,
                "peak_mb": rss.peak_mb, "ceiling": ceiling}
    finally:
        if workers:
            workers.stop_all()
            workers.close()
        if context:
            if not db.is_closed():
                db.close()
            context.pop()
        scratch.close()


def lpush_ceiling(redis, count, chunk=10_000):
    """Items/s for LPUSH of `count` message-sized ids, pipelined by `chunk`."""
    started = time.perf_counter()
    for start in range(0, count, chunk):
        with redis.pipeline(transaction=False) as pipe:
            for i in range(start, min(count, start + chunk)):
                pipe.lpush("bench:ceiling", i)
            pipe.execute()
    elapsed = time.perf_counter() - started
    redis.delete("bench:ceiling")
    return count / elapsed


def machine():
    import sqlite3

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GB RAM, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--engines", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    parser.add_argument("--py-spy", dest="profile", help="collapsed stacks of worker 1 (first case only) to FILE")
    args = parser.parse_args()
    print(f"# Send benchmark — {time.strftime('%Y-%m-%d')} — {machine()}")
    print(f"# load average at the start: {os.getloadavg()[0]:.1f}; channel: null (accepts all, 100 a call)")
    workdir = tempfile.mkdtemp(prefix="chapar-bench-send-")
    profile = args.profile
    try:
        for engine in args.engines:
            for size in args.sizes:
                rates = {}
                for count in args.workers:
                    f = run_case(engine, size, count, workdir, profile)
                    profile = None
                    rate = size / f["seconds"]
                    rates[count] = rate
                    send_rate = size / (f["seconds"] - f["launch"])
                    print(f"{engine:<10} {size:>7,} messages, {count} worker{'s' if count > 1 else ' '}: "
                          f"{rate:>6,.0f} msg/s ({rate / count:,.0f} per worker; {f['seconds']:.1f} s: launch "
                          f"{f['launch']:.1f} s, then {send_rate:,.0f} msg/s)  ceiling LPUSH {f['ceiling']:,.0f}/s, "
                          f"ratio {rate / f['ceiling']:.3f}  worker RSS idle {f['idle_mb']:.0f} MB, "
                          f"peak {f['peak_mb']:.0f} MB")
                    sys.stdout.flush()
                if 1 in rates and len(rates) > 1:
                    most = max(rates)
                    print(f"{'':<10} {size:>7,} messages: {most} workers / 1 = {rates[most] / rates[1]:.2f}x")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
