"""HylaFAX's client-server protocol (hfaxd, port 4559), spoken with ftplib: it is FTP plus job
commands (JNEW, JPARM, JSUBM, JKILL) and job listings formatted by JOBFMT.

One `HylafaxSession` is one login. hfaxd keeps the jobs it has read in a per-session cache and
does not always notice that faxq changed them since, so job states are read in a fresh session.
"""
import ftplib
import re
from dataclasses import dataclass

DEFAULT_PORT = 4559
TIMEOUT = 20
# One job per line; the status text comes last because it may contain the separator.
JOB_FORMAT = "%j|%a|%J|%p|%y|%t|%s"
JOB_ID = re.compile(r"jobid:\s*(\d+)")
STORED_FILE = re.compile(r"FILE:\s*(\S+?)\)?\.?$")
FORMS = {"tiff": "TIFF", "pdf": "PDF"}


class HylafaxUnreachable(Exception):
    """No session: the server cannot be reached, closed the connection or refused the login."""


class JobRefused(Exception):
    """hfaxd answered one job's command with an error; the message is its reply. `job_id` is set
    when the job exists (faxq refused it at JSUBM: its status says why)."""

    def __init__(self, message, job_id=""):
        super().__init__(message)
        self.job_id = job_id


class DocumentUnreadable(Exception):
    """Our own document could not be opened: nothing was sent."""


class JobUncertain(Exception):
    """The connection broke after JSUBM was sent: the job may or may not be queued."""


@dataclass(frozen=True)
class JobRow:
    """One line of a sendq/doneq listing."""

    job_id: str
    state: str  # JOBFMT %a: P pending, S sleeping, B blocked, W waiting, R running, D done, F failed, T suspended
    tag: str  # JPARM JOBINFO, our reference
    pages_sent: int
    pages_total: int
    tries: int
    status: str  # why the last attempt failed, or what the job waits for


def _int(text):
    text = text.strip()
    return int(text) if text.isdigit() else 0


class HylafaxSession:
    def __init__(self, host, port=DEFAULT_PORT, username="", password="", timeout=TIMEOUT):
        self.ftp = ftplib.FTP(timeout=timeout)
        try:
            self.greeting = self.ftp.connect(host, int(port or DEFAULT_PORT))
            reply = self.ftp.sendcmd(f"USER {_argument(username or 'chapar')}")
            if reply.startswith("331"):  # hosts.hfaxd holds a password for this user
                self.ftp.sendcmd(f"PASS {_argument(password)}")
            self.ftp.sendcmd("TYPE I")
        except ftplib.Error as exc:
            self.close()
            raise HylafaxUnreachable(f"HylaFAX refused the login: {exc}") from None
        except (OSError, EOFError) as exc:
            self.close()
            raise HylafaxUnreachable(f"HylaFAX at {host}:{port} cannot be reached: {exc}") from None

    def command(self, line):
        """Send one command; its reply, or JobRefused with the server's answer."""
        try:
            return self.ftp.sendcmd(line)
        except ftplib.Error as exc:
            raise JobRefused(str(exc)) from None
        except (OSError, EOFError) as exc:
            raise HylafaxUnreachable(f"HylaFAX closed the connection: {exc}") from None

    def system(self):
        """What the server says it is: its greeting and SYST answer."""
        return f"{self.greeting[4:].strip()} {self.command('SYST')[4:].strip()}"

    def store(self, path, form):
        """Upload a document to the server's tmp area (STOT); the server's name for it."""
        try:
            document = open(path, "rb")  # noqa: SIM115 (closed by the with below; opened apart so our
            # file's errors are not taken for the server's)
        except OSError as exc:
            raise DocumentUnreadable(f"the fax document cannot be read: {exc.strerror or exc}") from None
        with document:
            self.command(f"FORM {FORMS[form]}")
            try:
                reply = self.ftp.storbinary("STOT", document)
            except ftplib.Error as exc:
                raise JobRefused(str(exc)) from None
            except (OSError, EOFError) as exc:
                raise HylafaxUnreachable(f"HylaFAX closed the connection: {exc}") from None
        found = STORED_FILE.search(reply.strip())
        if not found:
            raise JobRefused(f"unexpected answer to STOT: {reply}")
        return found.group(1)

    def submit(self, parameters, document):
        """Create a job from the default job (so nothing of the previous job is inherited), set
        `parameters` [(name, value)], attach `document` and submit; the job id."""
        self.command("JOB default")
        job_id = JOB_ID.search(self.command("JNEW"))
        if not job_id:
            raise JobRefused("hfaxd created no job")
        job_id = job_id.group(1)
        try:
            for name, value in parameters:
                self.command(f"JPARM {name} {_argument(value)}")
            self.command(f"JPARM DOCUMENT {document}")
        except JobRefused:
            self._drop(job_id)
            raise
        try:
            self.ftp.sendcmd("JSUBM")
        except ftplib.Error as exc:
            raise JobRefused(str(exc), job_id) from None
        except (OSError, EOFError) as exc:
            raise JobUncertain(f"the connection broke while HylaFAX queued job {job_id}: {exc}") from None
        return job_id

    def _drop(self, job_id):
        # A job that was never submitted stays suspended in sendq: delete it.
        try:
            self.ftp.sendcmd("JDELE")
        except (ftplib.Error, OSError, EOFError):
            pass

    def jobs(self, folders=("sendq", "doneq")):
        """Every job the server lists (in sendq: not finished; in doneq: done or failed)."""
        self.command(f'JOBFMT "{JOB_FORMAT}"')
        rows = []
        for folder in folders:
            lines = []
            try:
                self.ftp.retrlines(f"LIST {folder}", lines.append)
            except ftplib.Error as exc:
                raise JobRefused(str(exc)) from None
            except (OSError, EOFError) as exc:
                raise HylafaxUnreachable(f"HylaFAX closed the connection: {exc}") from None
            for line in lines:
                fields = line.split("|", 6)
                if len(fields) == 7:
                    rows.append(JobRow(fields[0].strip(), fields[1].strip(), fields[2].strip(), _int(fields[3]),
                                       _int(fields[4]), _int(fields[5]), fields[6].strip()))
        return rows

    def job_parameter(self, job_id, name):
        """One parameter of one job (JOB, then JPARM name): its value, "" when unknown."""
        self.command(f"JOB {job_id}")
        return self.command(f"JPARM {name}")[4:].strip()

    def kill(self, job_id):
        """Kill a job (JKILL): it fails with "Job aborted by request"."""
        self.command(f"JOB {job_id}")
        return self.command("JKILL")

    def close(self):
        try:
            self.ftp.quit()
        except (ftplib.Error, OSError, EOFError, AttributeError):
            self.ftp.close()


def _argument(value):
    """One protocol argument: digits as they are; text in double quotes with backslash escapes
    (hfaxd reads it as one string, spaces and quotes included) and without line breaks, which
    would start another command."""
    text = re.sub(r"[\r\n\0]+", " ", str(value))
    if text.isdigit():
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
