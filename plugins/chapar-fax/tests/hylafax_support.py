"""A private HylaFAX for the fax plugin's tests: Debian's faxq (the scheduler) and hfaxd (the
client-protocol server) on a spool folder of their own, on a free port, once per test session.

The spool is built the way faxsetup and Debian's init script leave one: the queue folders,
etc/setup.cache (with SPOOL pointing here, and no mail sent), etc/config, the dial rules and page sizes, the FIFO,
bin/ (faxrcvd, notify …) and etc/hosts.hfaxd with one user and its crypt(3) password, made with
openssl. The folder belongs to the fax user (uucp), since hfaxd chroots into it and drops root.
Nothing of the system's spool or services is used. HylaFAX logs to syslog only, and there is no
syslog here, so what it did is read from its queue files (sendq/doneq/docq).

There is no modem: a job that is accepted waits for one ("W"), and the states reachable are
listed in the README's HylaFAX section.

Import the fixture `hylafax` as `from hylafax_support import hylafax_server  # noqa: F401`.
"""
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from chapar_process import free_port

FAXQ = "/usr/sbin/faxq"
HFAXD = "/usr/sbin/hfaxd"
SYSTEM_ETC = Path("/etc/hylafax")
SYSTEM_BIN = Path("/var/spool/hylafax/bin")
FAX_USER = "uucp"  # Debian's HylaFAX runs as uucp
QUEUES = ("sendq", "doneq", "docq", "tmp", "log", "info", "status", "recvq", "client", "archive", "pollq", "dev",
          "config", "bin", "etc")
USERNAME = "chapar"
PASSWORD = 'fax "test" pass\\word'  # spaces, quotes and a backslash must survive the protocol
CONFIG = """\
LogFacility: daemon
CountryCode: 98
AreaCode: 21
LongDistancePrefix: 0
InternationalPrefix: 00
MaxConcurrentCalls: 1
"""
STARTUP_SECONDS = 15


@dataclass
class HylafaxServer:
    spool: Path
    port: int
    username: str = USERNAME
    password: str = PASSWORD

    @property
    def settings(self):
        """A hylafax line's settings for this server."""
        return {"host": "127.0.0.1", "port": self.port, "username": self.username, "password": self.password,
                "modem": "any", "max_dials": 3, "max_tries": 3, "kill_hours": 3, "notify": "none", "timeout": 10}

    def kill(self, job_id):
        """What faxrm does: kill a job, which fails it with "Job aborted by request"."""
        from chapar_fax.transports.hylafax_protocol import HylafaxSession

        session = HylafaxSession("127.0.0.1", self.port, self.username, self.password)
        try:
            return session.kill(job_id)
        finally:
            session.close()

    def queue_file(self, job_id):
        """The job's queue file as a dict (sendq first, then doneq), or None."""
        for folder in ("sendq", "doneq"):
            path = self.spool / folder / f"q{job_id}"
            if path.exists():
                pairs = (line.split(":", 1) for line in path.read_text(errors="replace").splitlines() if ":" in line)
                found = {}
                for key, value in pairs:
                    found.setdefault(key, []).append(value)
                return {key: values[0] if len(values) == 1 else values for key, values in found.items()}
        return None

    def wait_for(self, job_id, check, seconds=20):
        """Poll the job's queue file until `check(queue file)` is true; the queue file."""
        deadline = time.monotonic() + seconds
        while True:
            queued = self.queue_file(job_id)
            if queued is not None and check(queued):
                return queued
            if time.monotonic() > deadline:
                raise AssertionError(f"HylaFAX job {job_id} never got there: {queued}")
            time.sleep(0.05)


def _password_hash(password):
    done = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def build_spool(spool, username=USERNAME, password=PASSWORD):
    """Make a working spool folder at `spool` (see the module docstring)."""
    for name in QUEUES:
        (spool / name).mkdir(parents=True, exist_ok=True)
    for path in SYSTEM_BIN.iterdir():
        shutil.copy2(path, spool / "bin" / path.name)
    for name in ("dialrules", "pagesizes", "typerules", "cover.templ", "faxcover.ps", "hyla.conf"):
        if (SYSTEM_ETC / name).exists():
            shutil.copy2(SYSTEM_ETC / name, spool / "etc" / name)
    # HylaFAX's scripts (notify, faxrcvd) mail the job's owner and the FaxMaster through $SENDMAIL:
    # this machine's mail is not the tests' to fill, so it goes nowhere.
    changed = {"SPOOL": f"SPOOL='{spool}'", "SENDMAIL": "SENDMAIL='/bin/true'"}
    cache = (SYSTEM_ETC / "setup.cache").read_text().splitlines()
    (spool / "etc" / "setup.cache").write_text(
        "\n".join(changed.get(line.split("=", 1)[0], line) for line in cache) + "\n")
    (spool / "etc" / "config").write_text(CONFIG)
    hosts = spool / "etc" / "hosts.hfaxd"
    # user@host regular expressions: our user from this machine only, with its password.
    hosts.write_text(f"^{username}@127\\.0\\.0\\.1$::{_password_hash(password)}:\n")
    hosts.chmod(0o600)
    os.mkfifo(spool / "FIFO", 0o600)
    uid, gid = pwd.getpwnam(FAX_USER).pw_uid, grp.getgrnam(FAX_USER).gr_gid
    for folder, dirs, files in os.walk(spool):
        os.chown(folder, uid, gid)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)
    spool.chmod(0o755)
    (spool / "tmp").chmod(0o1777)


def _answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            return sock.recv(200).startswith(b"220")
    except OSError:
        return False


def _stop(process):
    """End a process we started, with its children (hfaxd forks one per client)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_hfaxd(spool, attempts=5):
    """hfaxd on a free port (taken again if another process won the race for it): (process, port)."""
    for _attempt in range(attempts):
        port = free_port()
        process = subprocess.Popen([HFAXD, "-q", str(spool), "-i", str(port), "-d"], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + STARTUP_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            if _answers(port):
                return process, port
            time.sleep(0.05)
        _stop(process)
    raise RuntimeError(f"hfaxd would not start on {spool}")


def start_faxq(spool):
    process = subprocess.Popen([FAXQ, "-q", str(spool), "-D"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + STARTUP_SECONDS
    # faxq opens the FIFO once it is ready; until then the status says nothing about a scheduler.
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"faxq ended at once (exit {process.returncode}); is {spool}/etc/setup.cache there?")
        if (spool / "sendq" / "seqf").exists() or _fifo_open(spool):
            return process
        time.sleep(0.05)
    return process


def _fifo_open(spool):
    try:
        fd = os.open(spool / "FIFO", os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # ENXIO: nobody reads it yet
        return False
    os.close(fd)
    return True


@pytest.fixture(scope="session", name="hylafax")
def hylafax_server():
    """A running private HylaFAX (faxq + hfaxd, no modem): a HylafaxServer."""
    if not (os.path.exists(FAXQ) and os.path.exists(HFAXD)) or os.geteuid() != 0:
        pytest.skip("needs Debian's hylafax-server and root (hfaxd chroots into its spool)")
    # Not under pytest's tmp folders: those are private to root, and the fax user must reach it.
    spool = Path(tempfile.mkdtemp(prefix="chapar-hylafax-"))
    started = []
    try:
        build_spool(spool)
        started.append(start_faxq(spool))
        hfaxd, port = start_hfaxd(spool)
        started.append(hfaxd)
        yield HylafaxServer(spool, port)
    finally:
        for process in reversed(started):
            _stop(process)
        shutil.rmtree(spool, ignore_errors=True)
