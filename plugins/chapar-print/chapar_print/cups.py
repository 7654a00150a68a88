"""A small IPP client for a CUPS server, through `ipptool` (Debian's cups-ipp-utils).

Why ipptool rather than `lp`/`lpstat`: it speaks IPP to exactly the server and queue given (`lp`
falls back to other servers and reports an unreachable server as "The printer or class does not
exist"), answers with an XML property list that is parsed, not screen text, and gives the job's
state with the reasons CUPS records (a stopped printer's message included) in one request. The
operations are Print-Job (the PDF as one job), Get-Job-Attributes, Get-Printer-Attributes and
Cancel-Job; every call has a timeout, and failures raise CupsError with a line for people.
"""
import os
import plistlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

from flask_babel import lazy_gettext as _l

IPPTOOL = "ipptool"
DEFAULT_PORT = 631
TIMEOUT = 30  # seconds for one IPP request (ipptool -T)
SUBMIT_TIMEOUT = 600  # seconds for the whole upload of a large merged PDF
_SERVER = re.compile(r"^(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?$")
_QUEUE = re.compile(r"^[A-Za-z0-9_.@+-]{1,127}$")
_USER = re.compile(r"^[A-Za-z0-9_.@-]{0,64}$")
# IPP job-state values (RFC 8011 5.3.7).
JOB_STATES = {3: "pending", 4: "held", 5: "processing", 6: "stopped", 7: "cancelled", 8: "aborted", 9: "completed"}
FINAL_STATES = frozenset({"cancelled", "aborted", "completed"})
PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}

_HEAD = """GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name $user
"""
PRINTER_TEST = ("{\n NAME printer\n OPERATION Get-Printer-Attributes\n" + _HEAD +
                " ATTR keyword requested-attributes printer-state,printer-state-reasons,printer-state-message,"
                "printer-is-accepting-jobs\n}\n")
PRINT_TEST = ("{{\n NAME print\n OPERATION Print-Job\n" + _HEAD +
              ' ATTR name job-name "$title"\n ATTR mimeMediaType document-format application/pdf\n'
              "{job}\n FILE $filename\n}}\n")
_KEYWORD = re.compile(r"^[a-z0-9._-]{1,64}$")
JOB_TEST = ("{\n NAME job\n OPERATION Get-Job-Attributes\n" + _HEAD + " ATTR integer job-id $job_id\n"
            " ATTR keyword requested-attributes job-state,job-state-reasons,job-state-message,"
            "job-printer-state-message,job-printer-state-reasons\n}\n")
CANCEL_TEST = "{\n NAME cancel\n OPERATION Cancel-Job\n" + _HEAD + " ATTR integer job-id $job_id\n}\n"


class CupsError(Exception):
    """The printer server could not do what was asked; str() is a line for people."""


@dataclass(frozen=True)
class Printer:
    """Where jobs go: a CUPS server ("host" or "host:port") and a queue on it."""

    server: str
    queue: str
    user: str = ""

    @property
    def uri(self):
        host, port = parse_server(self.server)
        return f"ipp://{host}:{port}/printers/{self.queue}"


@dataclass(frozen=True)
class JobStatus:
    """A job's state ("pending", "held", "processing", "stopped", "cancelled", "aborted",
    "completed") and why: CUPS's reasons and messages for the job and its printer."""

    job_id: int
    state: str
    reasons: tuple = ()
    message: str = ""

    @property
    def finished(self):
        return self.state in FINAL_STATES


def parse_server(text):
    """(host, port) of "host" or "host:port"; ValueError for anything else (URLs, paths, spaces)."""
    match = _SERVER.match((text or "").strip())
    if not match:
        raise ValueError(text)
    port = int(match.group("port") or DEFAULT_PORT)
    if not 0 < port < 65536:
        raise ValueError(text)
    return match.group("host"), port


def settings_errors(settings):
    """{field: message} for the CUPS part of the channel's settings (all optional together)."""
    errors = {}
    server = (settings.get("cups_server") or "").strip()
    queue = (settings.get("cups_queue") or "").strip()
    if server:
        try:
            parse_server(server)
        except ValueError:
            errors["cups_server"] = _l("A host name or address, optionally with :port (e.g. print.example:631).")
        if not queue:
            errors["cups_queue"] = _l("The printer's queue name on the CUPS server, please.")
    if queue and not _QUEUE.match(queue):
        errors["cups_queue"] = _l("Letters, digits and . _ - @ + only (no spaces or slashes).")
    if not _USER.match((settings.get("cups_user") or "").strip()):
        errors["cups_user"] = _l("Letters, digits and . _ - @ only.")
    return errors


def printer_from_settings(settings):
    """The configured Printer, or None when no CUPS server is set (letters are downloaded)."""
    server = ((settings or {}).get("cups_server") or "").strip()
    if not server:
        return None
    return Printer(server, (settings.get("cups_queue") or "").strip(), (settings.get("cups_user") or "").strip())


def installed():
    """Whether ipptool is on PATH."""
    return shutil.which(IPPTOOL) is not None


def check_printer(printer):
    """The printer's state {"state", "reasons", "message", "accepting"}; CupsError when the server
    cannot be reached or the queue does not exist."""
    attrs = _call(printer, PRINTER_TEST)
    reasons = _tuple(attrs.get("printer-state-reasons"))
    return {"state": PRINTER_STATES.get(attrs.get("printer-state"), "unknown"), "reasons": reasons,
            "message": attrs.get("printer-state-message") or "", "accepting": attrs.get("printer-is-accepting-jobs", True)}


def submit(printer, path, title, options=None):
    """Send the PDF at `path` to the printer as one job named `title`; returns the job id.
    `options` are job template keywords, e.g. {"media": "iso_a4_210x297mm", "sides": "one-sided"}
    (a printer that does not support one ignores it: CUPS answers "successful-ok-ignored…").

    The queue is checked first, so "server down" and "no such queue" are told apart; a queue that
    accepts jobs but is stopped still takes the job (it waits, pending, until the printer resumes)."""
    state = check_printer(printer)
    if not state["accepting"]:
        raise CupsError(_l("The printer %(queue)s is not accepting jobs (%(reason)s).", queue=printer.queue,
                           reason=state["message"] or ", ".join(state["reasons"])))
    clean_title = re.sub(r"[^\w .,:#()-]", "", title)[:200] or "Chapar"
    lines = [f" ATTR keyword {name} {value}" for name, value in (options or {}).items()
             if _KEYWORD.match(name) and _KEYWORD.match(value)]
    job = "\n".join([" GROUP job-attributes-tag"] + lines) if lines else ""
    attrs = _call(printer, PRINT_TEST.format(job=job), {"title": clean_title}, filename=path, timeout=SUBMIT_TIMEOUT)
    if not isinstance(attrs.get("job-id"), int):
        raise CupsError(_l("The printer server accepted the letters but gave no job number."))
    return attrs["job-id"]


def job_status(printer, job_id):
    """The JobStatus of job `job_id`, with the printer's reasons when the job waits for it."""
    attrs = _call(printer, JOB_TEST, {"job_id": str(int(job_id))})
    state = JOB_STATES.get(attrs.get("job-state"), "unknown")
    reasons = tuple(r for r in _tuple(attrs.get("job-state-reasons")) + _tuple(attrs.get("job-printer-state-reasons"))
                    if r and r != "none")
    messages = [m for m in (attrs.get("job-printer-state-message"), attrs.get("job-state-message")) if m]
    if state in ("pending", "held") and not messages:
        printer_state = check_printer(printer)
        if printer_state["state"] == "stopped":
            messages.append(printer_state["message"] or "printer stopped")
        reasons += tuple(r for r in printer_state["reasons"] if r != "none" and r not in reasons)
    return JobStatus(int(job_id), state, tuple(dict.fromkeys(reasons)), "; ".join(dict.fromkeys(messages)))


def cancel(printer, job_id):
    """Cancel job `job_id`; a job already finished or gone is not an error."""
    try:
        _call(printer, CANCEL_TEST, {"job_id": str(int(job_id))})
    except CupsError as exc:
        if "not-possible" not in str(exc) and "not-found" not in str(exc):
            raise


def _tuple(value):
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _call(printer, test, variables=None, filename=None, timeout=TIMEOUT):
    """Run one ipptool test against the printer; the response's attributes as a dict."""
    if not installed():
        raise CupsError(_l("ipptool is not installed on this server (Debian package cups-ipp-utils)."))
    with tempfile.NamedTemporaryFile("w", suffix=".test", delete=False) as handle:
        handle.write(test)
    command = [IPPTOOL, "-X", "-T", str(TIMEOUT), "-d", f"user={printer.user or 'chapar'}"]
    for name, value in (variables or {}).items():
        command += ["-d", f"{name}={value}"]
    if filename:
        command += ["-f", str(filename)]
    try:
        done = subprocess.run(command + [printer.uri, handle.name], capture_output=True, timeout=timeout, check=False,
                              env={**os.environ, "LC_ALL": "C"})
    except subprocess.TimeoutExpired:
        raise CupsError(_l("The printer server %(server)s did not answer in time.", server=printer.server)) from None
    finally:
        os.unlink(handle.name)
    return _response(printer, done.stdout, done.stderr)


def _response(printer, stdout, stderr):
    text = stdout.split(b"</plist>", 1)[0] + b"</plist>"
    try:
        report = plistlib.loads(text)
    except (plistlib.InvalidFileException, ExpatError, ValueError):
        raise CupsError(_l("The printer server %(server)s gave an answer that is not IPP: %(detail)s",
                           server=printer.server, detail=(stderr or stdout).decode(errors="replace")[:200])) from None
    tests = report.get("Tests") or []
    if not tests:
        detail = report.get("ErrorMessage") or stderr.decode(errors="replace").strip()
        raise CupsError(_l("Cannot reach the printer server %(server)s: %(detail)s", server=printer.server,
                           detail=detail))
    test = tests[0]
    attrs = {}
    for group in test.get("ResponseAttributes") or []:
        attrs.update(group)
    status = test.get("StatusCode", "")
    if status == "client-error-not-found" and test.get("Operation") == "Get-Printer-Attributes":
        raise CupsError(_l("The printer server %(server)s has no queue named %(queue)s.", server=printer.server,
                           queue=printer.queue))
    if not status.startswith("successful"):
        raise CupsError(_l("The printer server refused: %(status)s %(message)s", status=status,
                           message=attrs.get("status-message", "")))
    return attrs
