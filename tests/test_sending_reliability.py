"""The send pipeline under failure, with real `chapar worker` processes and a private Redis:
workers killed with -9, several schedulers at once, pause and restart, Redis restarted, a provider
failing for a while. Every recipient ends with exactly one accepted send and a final status.

The fixture channel records in Redis like a provider with idempotency keys: `attempts` has an
entry per send() of a message, `accepted` one per message however often it was re-sent.
"""
import signal
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import fixture_channel
import pytest
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sending_processes import PrivateRedis, Processes, wait_for, worker_env
from sending_support import add_contacts, fixture_channel_on, make_program  # noqa: F401

from chapar.models import Message, Program
from chapar.programs import launch, pause, progress, resume
from chapar.queue import get_redis

pytestmark = pytest.mark.slow


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path / "redis")
    yield server
    server.kill()


@pytest.fixture(autouse=True)
def _app_on_private_redis(app_config, private_redis):
    """The app (launch, dispatch, the fixture's record) uses the Redis this test may restart."""
    app_config["REDIS_URL"] = private_redis.url


@pytest.fixture
def processes(app, app_config, private_redis, tmp_path):
    running = Processes(worker_env(app_config["HOME"], app_config["DATABASE_URL"], private_redis.url),
                        tmp_path / "logs")
    yield running
    running.close()


def status_of(program):
    return Program.select(Program.status).where(Program.id == program.id).scalar()


def sent_count(program):
    return Message.select().where((Message.program == program) & (Message.status == "sent")).count()


def holding_handed(program, names):
    """The worker among `names` whose current job has messages with the provider right now."""
    handed = {i for (i,) in Message.select(Message.id).where((Message.program == program)
                                                             & (Message.status == "handed")).tuples()}
    for name in names:
        worker = Worker.find_by_key(f"rq:worker:{name}", connection=get_redis())
        job_id = worker and worker.get_current_job_id()
        try:
            job_ids = set(Job.fetch(job_id, connection=get_redis()).args[1]) if job_id else set()
        except NoSuchJobError:  # the job finished (and its result expired) since the worker named it
            continue
        if handed & job_ids:
            return name
    return None


def messages(program):
    return list(Message.select().where(Message.program == program).order_by(Message.id))


def wait_until_sent(program, seconds, processes):
    try:
        wait_for(lambda: status_of(program) in ("sent", "failed"), seconds, f"program #{program.id} is sent",
                 every=0.2)
    except AssertionError:
        counts = progress(program).counts
        logs = "\n".join(f"--- {name}\n{processes.output(name)[-3000:]}" for name in processes.running)
        raise AssertionError(f"program not sent in {seconds} s; messages {counts}\n{logs}") from None


def report(record_property, **figures):
    """Print figures (visible with -s) and attach them to the test's JUnit report."""
    print("  ".join(f"{name}={value}" for name, value in figures.items()))
    for name, value in figures.items():
        record_property(name, value)


def assert_each_sent_once(provider, program):
    """Every message is sent, the provider (a Redis client, or what it accepted) holds it once,
    under its own provider id; returns {message id: provider id}."""
    wanted = messages(program)
    accepted = provider if isinstance(provider, dict) else fixture_channel.accepted(provider)
    missing = [m.id for m in wanted if m.id not in accepted]
    assert not missing, f"{len(missing)} messages never reached the provider, e.g. {missing[:5]}"
    wrong = [(m.id, m.status, m.provider_id) for m in wanted if m.status != "sent" or m.provider_id != f"fx-{m.id}"]
    assert not wrong, f"{len(wrong)} messages not marked sent with their provider id, e.g. {wrong[:5]}"
    assert len(set(m.provider_id for m in wanted)) == len(wanted)
    return accepted


def test_killing_workers_mid_send_loses_and_duplicates_nothing(app, make_program, fixture_channel_on, processes,
                                                               record_property):
    size = 10_000
    # A provider call takes a while: long enough that the fifth kill (at 70 %) still lands mid-send
    # with two workers, even on a loaded machine (at 40 ms a CI run once finished before it).
    fixture_channel.behave(fixture_channel_on, delay_ms=200)
    program = make_program(contacts=add_contacts(size))
    for name in ("w1", "w2"):
        processes.start_worker(name)
    started = time.monotonic()
    assert launch(program).queued == size
    victims = ["w1", "w2"]
    for kill in range(5):
        # Kill at 10 %, 25 %, 40 %, 55 %, 70 % of the way: always mid-send.
        wait_for(lambda: sent_count(program) >= size * (0.10 + 0.15 * kill), 60, f"kill {kill + 1} is due",
                 every=0.05)
        # Worst moment: the provider has accepted a chunk the database does not show as sent yet.
        wait_for(lambda: len(fixture_channel.accepted(fixture_channel_on)) > sent_count(program), 0.5, every=0.002)
        victim = holding_handed(program, victims) or victims[kill % 2]
        assert processes.alive(victim), processes.output(victim)[-3000:]
        assert sent_count(program) < size, "the send finished before the kills: slow the provider down"
        processes.send_signal(victim, signal.SIGKILL)
        victims[victims.index(victim)] = f"w{kill + 3}"
        processes.start_worker(f"w{kill + 3}")
    last_kill = time.monotonic()
    wait_until_sent(program, 90, processes)
    recovered = time.monotonic() - last_kill
    assert status_of(program) == "sent"
    accepted = assert_each_sent_once(fixture_channel_on, program)
    attempts = fixture_channel.attempts(fixture_channel_on)
    assert sorted(accepted) == [m.id for m in messages(program)]
    report(record_property, recipients=size, total_seconds=round(time.monotonic() - started, 1),
           recovery_seconds=round(recovered, 1), claimed_again=sum(m.attempts > 1 for m in messages(program)),
           resends_deduplicated=len(attempts) - len(accepted))


def test_two_schedulers_and_four_workers_send_each_message_once(app, make_program, fixture_channel_on, processes,
                                                                record_property):
    size = 4_000
    fixture_channel.behave(fixture_channel_on, delay_ms=20)
    contacts = add_contacts(size)  # first: on a busy machine this alone can take seconds
    starts = datetime.now(timezone.utc) + timedelta(seconds=5)
    program = make_program(contacts=contacts, schedule_kind="at", scheduled_at=starts)
    for name in ("w1", "w2", "w3", "w4"):
        processes.start_worker(name)  # each with RQ's scheduler
    for name in ("reconciler1", "reconciler2"):
        processes.start_reconciler(name)
    result = launch(program)
    assert result.starts_at is not None and status_of(program) == "scheduled"
    wait_for(lambda: status_of(program) != "scheduled", 15, "the scheduled program starts")
    late = (datetime.now(timezone.utc) - starts).total_seconds()
    wait_until_sent(program, 60, processes)
    assert status_of(program) == "sent"
    accepted = assert_each_sent_once(fixture_channel_on, program)
    attempts = fixture_channel.attempts(fixture_channel_on)
    twice = [i for i, n in Counter(attempts).items() if n > 1]
    assert not twice, f"{len(twice)} messages were handed to the provider more than once, e.g. {twice[:5]}"
    assert len(attempts) == len(accepted) == size
    assert len(set(accepted.values())) == size
    report(record_property, recipients=size, started_late_seconds=round(late, 1))


def test_pause_restart_workers_and_resume_accounts_for_everyone(app, make_program, fixture_channel_on, processes,
                                                                 record_property):
    size, unsubscribed, failing = 3_000, 50, 20
    fixture_channel.behave(fixture_channel_on, delay_ms=150)
    ids = add_contacts(size) + add_contacts(unsubscribed, start=size, consent="unsubscribed")
    dead = [f"person{i}@example.test" for i in range(0, size, size // failing)]
    fixture_channel.fail_permanently(fixture_channel_on, *dead)
    program = make_program(contacts=ids)
    for name in ("w1", "w2"):
        processes.start_worker(name)
    launched = launch(program)
    assert launched.queued == size and launched.skipped == {"no_consent": unsubscribed}
    wait_for(lambda: progress(program).percent >= 40, 60, "the send is 40 % done", every=0.02)
    pause(program)
    at_pause = progress(program).done
    exits = processes.stop_all(signal.SIGTERM)
    assert exits == {"w1": 0, "w2": 0}, exits
    counts = progress(program).counts
    assert counts["sending"] == counts["handed"] == 0, counts  # stopped workers hold nothing
    before = (counts, len(fixture_channel.attempts(fixture_channel_on)))
    for name in ("w3", "w4"):
        processes.start_worker(name)
    time.sleep(4)  # past a lease and several reconciler passes: nothing may move while paused
    assert (progress(program).counts, len(fixture_channel.attempts(fixture_channel_on))) == before
    assert status_of(program) == "paused"
    resume(program)
    wait_until_sent(program, 60, processes)
    final = progress(program).counts
    assert final["sent"] + final["failed"] + final["skipped"] == size + unsubscribed
    assert final["failed"] == failing and final["skipped"] == unsubscribed
    attempts = fixture_channel.attempts(fixture_channel_on)
    assert len(attempts) == len(set(attempts)) == size  # one attempt each, the failing ones included
    report(record_property, recipients=size, paused_at_percent=round(100 * at_pause / (size + unsubscribed)))


def test_a_redis_restart_mid_send_loses_nothing(app, make_program, fixture_channel_on, private_redis, processes,
                                                record_property):
    size = 4_000
    fixture_channel.behave(fixture_channel_on, delay_ms=40)
    program = make_program(contacts=add_contacts(size))
    for name in ("w1", "w2"):
        processes.start_worker(name)
    launch(program)
    wait_for(lambda: sent_count(program) >= size * 0.3, 60, "the send is 30 % done", every=0.02)
    # Freeze writes, read what the provider has accepted so far, then lose every key.
    fixture_channel_on.client_pause(5000, all=False)
    before = fixture_channel.accepted(fixture_channel_on)
    private_redis.kill()
    time.sleep(1)
    private_redis.start()
    restarted = time.monotonic()
    time.sleep(5)
    # Workers ride the outage out: an idle one waits for Redis, and `chapar worker` starts a new
    # RQ worker when RQ gives up in the middle of a job.
    assert processes.alive("w1") and processes.alive("w2")
    wait_until_sent(program, 60, processes)
    assert status_of(program) == "sent"
    after = fixture_channel.accepted(fixture_channel_on)
    both = set(before) & set(after)
    assert not both, f"{len(both)} messages accepted before the restart were sent again, e.g. {sorted(both)[:5]}"
    assert sorted({**before, **after}) == [m.id for m in messages(program)]
    assert_each_sent_once({**before, **after}, program)
    report(record_property, recipients=size, accepted_before_restart=len(before),
           recovery_seconds=round(time.monotonic() - restarted, 1))


def test_a_failing_provider_and_a_dead_mailbox_hold_back_no_one(app, make_program, fixture_channel_on, processes,
                                                               record_property):
    size = 500
    ids = add_contacts(size)
    fixture_channel.fail_permanently(fixture_channel_on, "person7@example.test")
    program = make_program(contacts=ids)
    for name in ("w1", "w2"):
        processes.start_worker(name)
    fixture_channel.behave(fixture_channel_on, transient_until=time.time() + 2)  # busy for 2 s, then fine
    started = time.monotonic()
    launch(program)
    # Retries wait the first backoff (5-10 s) before trying again.
    wait_until_sent(program, 40, processes)
    assert status_of(program) == "sent"
    rows = messages(program)
    dead = next(m for m in rows if m.address == "person7@example.test")
    attempts = Counter(fixture_channel.attempts(fixture_channel_on))
    assert (dead.status, dead.reason, dead.attempts, attempts[dead.id]) == ("failed", "permanent", 1, 1)
    others = [m for m in rows if m.id != dead.id]
    accepted = fixture_channel.accepted(fixture_channel_on)
    assert sorted(accepted) == [m.id for m in others]
    assert all(m.status == "sent" and m.provider_id == f"fx-{m.id}" for m in others)
    # The provider saw exactly the attempts the database counted: no hidden re-send after acceptance.
    assert {m.id: m.attempts for m in others} == {m.id: attempts[m.id] for m in others}
    report(record_property, recipients=size, retried=sum(m.attempts > 1 for m in others),
           total_seconds=round(time.monotonic() - started, 1))
