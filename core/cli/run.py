"""`chapar serve` (web, workers and scheduler in one command) and `chapar worker`."""
import ipaddress
import os
import signal
import subprocess
import sys

import click

from ..config import Config
from ..embedded_redis import die_with_parent, hold_serve_lock, stop_all


def _raise_exit(signum, frame):
    raise SystemExit(0)


def _private_files():
    """Files this process and its children create (database, uploads, Redis's snapshot and
    log) are readable by the owner only; the instance folder is 0700 as well."""
    os.umask(0o077)


def _is_loopback(host):
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _warn_if_root_and_exposed(host):
    if hasattr(os, "geteuid") and os.geteuid() == 0 and not _is_loopback(host):
        click.secho(f"Warning: Chapar is running as root and listening on {host}, which other machines can "
                    "reach. A flaw in Chapar or in a plugin would hand them the whole machine: run it as an "
                    "ordinary user (see docs/operations.md).", fg="yellow", err=True)


def _spawn_workers(count):
    # Own sessions: Ctrl-C reaches only serve, which then stops each worker once, warmly; a
    # worker hit by the terminal's SIGINT too would take serve's SIGTERM as a cold shutdown.
    return [subprocess.Popen([sys.executable, "-m", "chapar.cli", "worker", "--name", f"serve-{i + 1}"],
                             preexec_fn=die_with_parent, start_new_session=True) for i in range(count)]


def _stop_children(children, timeout=20):
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)  # RQ finishes the current job, then exits
    for child in children:
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Worker processes beside the web server (default: CHAPAR_WORKERS).")
def serve(host, port, workers):
    """Run web, worker(s) and scheduler in one command, migrating first; Ctrl-C stops them all.

    Without CHAPAR_REDIS_URL it starts a private Redis in the instance folder, and a second
    serve on the same instance folder is refused while this one runs.
    """
    from waitress.server import create_server

    from ..app import create_app
    from ..db import db
    from ..schema import migrate
    from ..users import ensure_first_admin

    _private_files()
    settings = Config().prepare_home()
    if settings.embedded_redis:
        hold_serve_lock(settings.HOME)
    signal.signal(signal.SIGTERM, _raise_exit)
    children = []
    try:
        app = create_app(settings)
        with app.app_context(), db.connection_context():
            migrate()
            first = ensure_first_admin()
        try:
            server = create_server(app, host=host, port=port, threads=8, ident="chapar")
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        children = _spawn_workers(settings.WORKERS if workers is None else workers)
        url = f"http://{host}:{port}/"
        _warn_if_root_and_exposed(host)
        click.echo(f"Chapar is running at {url}")
        click.echo(f"Instance folder: {settings.HOME}")
        if first:
            user, password = first
            click.echo(f"First run: log in as {user.email} with the one-time password {password}")
            click.echo("You will be asked to choose a new password at first login.")
        click.echo("Press Ctrl-C to stop.", nl=True)
        sys.stdout.flush()
        server.run()  # returns on SystemExit or KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    finally:
        # Let a second Ctrl-C or SIGTERM not cut the orderly shutdown short (it is bounded).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop_children(children)
        stop_all()
        click.echo("Chapar stopped.")


@click.command()
@click.option("--queue", "-q", "queues", multiple=True, help="Queue to listen to (repeatable; default: all).")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--name", default=None, help="Worker name shown on the Jobs page.")
def worker(queues, burst, name):
    """Run a background worker with the scheduler; does not fork per job."""
    from ..app import create_app
    from ..worker import scheduler_dies_with_worker

    _private_files()
    signal.signal(signal.SIGTERM, _stop_requested)
    signal.signal(signal.SIGINT, _stop_requested)
    scheduler_dies_with_worker()
    # A send job's channel call waits on the network in a helper thread (sending/overlap.py); when
    # an answer comes, that thread must get the GIL back from the rendering thread quickly, not
    # after Python's default 5 ms (with it, one SMPP worker sent about 10 % fewer messages a second).
    sys.setswitchinterval(0.0005)
    app = create_app()
    try:
        run_until_stopped(app, list(queues), name, burst)
    finally:
        stop_all()


_stopping = []


def _stop_requested(signum, frame):
    """Outside RQ's own handlers (starting up, between two RQ workers): remember, then stop.
    RQ catches even KeyboardInterrupt in its loop and returns as if it had failed, so the
    remembered request is what tells run_until_stopped not to start another worker."""
    _stopping.append(signum)
    raise KeyboardInterrupt


def run_until_stopped(app, queues, name, burst, pause=2.0):
    """Run an RQ worker, and a new one whenever RQ gives up on its own: RQ quits when Redis goes
    away in the middle of a job, and nothing else would restart it. A stop request (SIGTERM,
    Ctrl-C) or the end of a burst ends the loop."""
    import logging
    import time

    from ..worker import build_worker

    log = logging.getLogger("chapar.worker")
    while True:
        worker = None
        try:
            worker = build_worker(app, queues, name=name)
            worker.work(burst=burst, with_scheduler=True)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception:  # noqa: BLE001 - Redis unreachable while starting or dying; try again
            log.exception("the worker stopped on an error")
        if burst or _stopping or (worker is not None and (worker._stop_requested or worker._shutdown_requested_date)):
            return
        log.warning("the worker stopped unexpectedly (Redis restarted?); starting again in %.0f s", pause)
        time.sleep(pause)


COMMANDS = [serve, worker]
