"""A private CUPS server for the print plugin's tests: Debian's cupsd on a free port, with its own
cupsd.conf and cups-files.conf in a temporary folder, no authentication for 127.0.0.1.

Queues print to files (FileDevice Yes) with the Generic PDF Printer PPD of cups-filters: a raw
queue has no filter, and cupsd writes nothing to a file: device then. pdftopdf passes the PDF on
(wrapped in PJL), so a test reads back what was printed and checks it with pypdf. Each test makes
its own queue (`cupsd.add_queue()`), so tests never share an output file.

cupsd refuses to run its jobs as root: when the tests run as root, filters run as `lp` (the
default User), which is why the folder is world-readable and the output folder world-writable.

Import what a module needs: `from cups_support import cupsd  # noqa: F401`.
"""
import getpass
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from chapar_process import free_port

CUPSD = "/usr/sbin/cupsd"
PDF_PPD = "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd"
NEEDED = (CUPSD, "/usr/sbin/lpadmin", "/usr/sbin/cupsenable", "/usr/sbin/cupsdisable", PDF_PPD)

CUPSD_CONF = """\
Listen 127.0.0.1:{port}
LogLevel info
WebInterface No
Browsing No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
CUPS_FILES_CONF = """\
{user}FileDevice Yes
ServerRoot {folder}
CacheDir {folder}/cache
StateDir {folder}/state
RequestRoot {folder}/spool
TempDir {folder}/spool/tmp
ErrorLog {folder}/log/error_log
AccessLog {folder}/log/access_log
PageLog {folder}/log/page_log
"""


def missing():
    """Why a private cupsd cannot run here ("" if it can)."""
    absent = [path for path in NEEDED if not os.path.exists(path)]
    if absent or not shutil.which("ipptool"):
        return ("needs cups-daemon, cups-client, cups-filters and cups-ipp-utils (scripts/install --test); missing: "
                + ", ".join(absent + ([] if shutil.which("ipptool") else ["ipptool"])))
    return ""


class Cupsd:
    """The running server: `server` ("127.0.0.1:port") and its queues."""

    def __init__(self, folder, port):
        self.folder, self.port = folder, port
        self.server = f"127.0.0.1:{port}"
        self.printed_folder = folder / "printed"

    def _admin(self, *args):
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()}")

    def add_queue(self):
        """A new enabled queue printing to its own file; returns its name."""
        name = f"q{uuid.uuid4().hex[:10]}"
        self._admin("/usr/sbin/lpadmin", "-h", self.server, "-p", name, "-E", "-v",
                    f"file://{self.printed_folder}/{name}.prn", "-P", PDF_PPD)
        return name

    def disable(self, queue, reason):
        """Stop the queue (jobs wait, pending) with `reason`, as an offline printer does."""
        self._admin("/usr/sbin/cupsdisable", "-h", self.server, "-r", reason, queue)

    def enable(self, queue):
        self._admin("/usr/sbin/cupsenable", "-h", self.server, queue)

    def printed(self, queue):
        """The PDF the queue's last job printed (the PJL wrapper removed), or None."""
        path = self.printed_folder / f"{queue}.prn"
        if not path.is_file():
            return None
        data = path.read_bytes()
        start, end = data.find(b"%PDF"), data.rfind(b"%%EOF")
        return data[start:end + 5] if start >= 0 and end > start else None


def _start(folder):
    for _attempt in range(5):
        port = free_port()
        (folder / "cupsd.conf").write_text(CUPSD_CONF.format(port=port))
        process = subprocess.Popen([CUPSD, "-f", "-c", str(folder / "cupsd.conf"), "-s", str(folder / "cups-files.conf")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(200):
            if process.poll() is not None:
                break
            done = subprocess.run(["lpstat", "-h", f"127.0.0.1:{port}", "-r"], capture_output=True, text=True,
                                  timeout=30, check=False)
            if "scheduler is running" in done.stdout:
                return process, port
            time.sleep(0.05)
        process.kill()
        process.wait()
    log = folder / "log" / "error_log"
    raise RuntimeError("could not start a private cupsd: " + (log.read_text()[-2000:] if log.is_file() else "no log"))


@pytest.fixture(scope="session")
def cupsd():
    """A private cupsd for the test session; skipped with the reason when CUPS is not installed."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="chapar-cupsd-"))  # under /tmp: reachable for the lp user
    for name in ("cache", "state", "spool/tmp", "log", "printed"):
        (folder / name).mkdir(parents=True)
    os.chmod(folder, 0o755)
    os.chmod(folder / "printed", 0o777)
    os.chmod(folder / "log", 0o777)
    user = "" if os.getuid() == 0 else f"User {getpass.getuser()}\nGroup {os.getgid()}\n"
    (folder / "cups-files.conf").write_text(CUPS_FILES_CONF.format(user=user, folder=folder))
    process, port = _start(folder)
    try:
        yield Cupsd(folder, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
