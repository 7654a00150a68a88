"""The hylafax transport: faxes through a HylaFAX server, spoken to in its client protocol (hfaxd,
port 4559; hylafax_protocol.py), as sendfax and faxstat do.

Submitting: each fax's TIFF (what the channel rendered, so the remote gets exactly that; or the
PDF, which HylaFAX converts with its own ghostscript) is uploaded with STOT and becomes one job:
DIALSTRING the E.164 number, JOBINFO our reference, LASTTIME (HylaFAX's kill time), MAXDIALS and
MAXTRIES (HylaFAX redials busy and unanswered numbers itself within one job), MODEM, NOTIFY. A
job whose reference is already queued is not submitted twice. What hfaxd answers:

- JSUBM 200 -> accepted with the job id;
- an error to one job's command (a number HylaFAX refuses, a modem that does not exist, a
  destination refused by its DestControls) -> permanent, with hfaxd's or faxq's words;
- no connection or a refused login -> TransportError (the whole batch is tried again later);
- the connection broke after JSUBM -> uncertain (the fax may be queued; never sent twice).

Outcomes are polled: job states from LIST sendq/doneq. D (done) -> delivered; F (failed) -> busy
or no_answer when the job's last status code or text says so (the channel then tries again
later), else failed with HylaFAX's status text; every other state is pending.

Received faxes: HylaFAX runs bin/faxrcvd, whose etc/FaxDispatch calls the
`chapar-fax-hylafax-received` command (chapar_fax/hylafax_received.py); it posts the TIFF to this
line's "received" callback.
"""
import logging

from chapar import Field, SendResult
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .base import FaxStatus, FaxTransport, TransportError
from .hylafax_protocol import (
    DEFAULT_PORT,
    DocumentUnreadable,
    HylafaxSession,
    HylafaxUnreachable,
    JobRefused,
    JobUncertain,
)
from .hylafax_received_callback import receive
from .registry import hookimpl

log = logging.getLogger(__name__)
DEFAULT_KILL_HOURS = 3
MAX_KILL_HOURS = 24 * 7
# HylaFAX 6 status codes (JPARM STATUSCODE) of a last attempt that met a busy line or no answer:
# E001 busy; E002 no carrier, E003 no answer, E011 ringback without a fax tone.
BUSY_CODES = {"001"}
NO_ANSWER_CODES = {"002", "003", "011"}
BUSY_WORDS = ("busy",)
NO_ANSWER_WORDS = ("no answer", "no carrier", "ringback")
REFERENCE_PREFIX = "chapar-"  # FaxDocument.reference, our JOBINFO
NOTIFY_CHOICES = (("none", _l("No email")), ("done", _l("When done")), ("done+requeue", _l("When done or requeued")))


class HylafaxTransport(FaxTransport):
    kind = "hylafax"
    label = "HylaFAX"
    description = _l("Your own HylaFAX server with fax modems or a T.38/IAX gateway (its client protocol, "
                     "port 4559).")
    wants = "tiff"
    polls = True
    callbacks = ("received",)
    secret_fields = ("password",)
    settings_fields = (
        Field("host", _l("HylaFAX server"), required=True, max_length=253, default="127.0.0.1",
              help=_l("Host name or address of the machine running hfaxd.")),
        Field("port", _l("Port"), kind="number", default=DEFAULT_PORT),
        Field("username", _l("User name"), required=True, max_length=64, default="chapar",
              help=_l("A user of the server's etc/hosts.hfaxd (faxadduser).")),
        Field("password", _l("Password"), kind="password", secret=True, max_length=200,
              help=_l("Empty when hosts.hfaxd asks no password for this user.")),
        Field("modem", _l("Modem"), max_length=64, default="any",
              help=_l("A modem device (ttyS0) or class of modems; \"any\" lets HylaFAX choose.")),
        Field("max_dials", _l("Dials per try"), kind="number", default=3,
              help=_l("How often HylaFAX itself redials a busy or unanswered number before it gives up.")),
        Field("max_tries", _l("Tries per fax"), kind="number", default=3,
              help=_l("How often HylaFAX starts sending again after a call that broke off.")),
        Field("kill_hours", _l("Give up after (hours)"), kind="number", default=DEFAULT_KILL_HOURS,
              help=_l("HylaFAX fails a job that could not be sent within this time.")),
        Field("notify", _l("Email notices from HylaFAX"), kind="select", default="none", choices=NOTIFY_CHOICES),
        Field("notify_address", _l("Notices go to"), kind="email", max_length=254),
        Field("timeout", _l("Timeout (seconds)"), kind="number", default=20),
    )

    def validate_settings(self, settings):
        """Numbers HylaFAX accepts: dials and tries from 1, a kill time up to a week."""
        errors = {}
        for name, low, high in (("max_dials", 1, 99), ("max_tries", 1, 99), ("kill_hours", 1, MAX_KILL_HOURS)):
            value = settings.get(name)
            if value not in (None, "") and not (low <= _number(value, 0) <= high):
                errors[name] = _("Between %(low)s and %(high)s.", low=low, high=high)
        if settings.get("notify", "none") != "none" and not settings.get("notify_address"):
            errors["notify_address"] = _("Needed when HylaFAX sends notices.")
        return errors

    def _session(self):
        settings = self.settings
        try:
            return HylafaxSession(settings.get("host") or "127.0.0.1", _number(settings.get("port"), DEFAULT_PORT),
                                  settings.get("username") or "chapar", settings.get("password") or "",
                                  timeout=_number(settings.get("timeout"), 20))
        except HylafaxUnreachable as exc:
            raise TransportError(str(exc)) from None

    def _parameters(self, document):
        settings = self.settings
        hours = min(MAX_KILL_HOURS, max(1, _number(settings.get("kill_hours"), DEFAULT_KILL_HOURS)))
        parameters = [
            ("FROMUSER", settings.get("username") or "chapar"),
            ("DIALSTRING", document.to), ("EXTERNAL", document.to),
            ("JOBINFO", document.reference),
            ("LASTTIME", f"{hours // 24:02d}{hours % 24:02d}00"),  # DDHHMM from now
            ("MAXDIALS", max(1, _number(settings.get("max_dials"), 3))),
            ("MAXTRIES", max(1, _number(settings.get("max_tries"), 3))),
            ("MODEM", settings.get("modem") or "any"),
            ("VRES", 196),  # fine mode, for documents HylaFAX converts itself
            ("NOTIFY", settings.get("notify") or "none"),
        ]
        if settings.get("notify_address"):
            parameters.append(("NOTIFYADDR", settings["notify_address"]))
        sender = document.sender or getattr(self.line, "sender", "")
        if sender:
            parameters.append(("TSI", sender[:20]))
        return parameters

    def submit(self, documents):
        """One HylaFAX job per fax, in one session; see the module docstring for the outcomes."""
        session = self._session()
        results = []
        try:
            queued = self._queued(session)
            for document in documents:
                results.append(self._submit_one(session, document, queued))
        except HylafaxUnreachable as exc:
            if not results:
                raise TransportError(str(exc)) from None
            done = {result.message_id for result in results}
            results += [SendResult.transient(document.message_id, str(exc))
                        for document in documents if document.message_id not in done]
        finally:
            session.close()
        return results

    def _queued(self, session):
        """{our reference: job id} of the jobs HylaFAX holds that did not fail."""
        try:
            return {row.tag: row.job_id for row in session.jobs() if row.tag and row.state != "F"}
        except JobRefused as exc:  # the queues are not listed to this user (PublicJobQ: false)
            log.warning("fax line %s: HylaFAX would not list its jobs (%s); cannot check for duplicates",
                        getattr(self.line, "name", ""), exc)
            return {}

    def _submit_one(self, session, document, queued):
        if document.reference in queued:  # submitted before a crash lost our answer
            return SendResult.accepted(document.message_id, queued[document.reference], units=document.pages)
        use_tiff = self.wants == "tiff" and document.tiff_path
        try:
            stored = session.store(document.tiff_path if use_tiff else document.pdf_path, "tiff" if use_tiff else "pdf")
            job_id = session.submit(self._parameters(document), stored)
        except JobRefused as exc:
            return SendResult.permanent(document.message_id, f"HylaFAX: {exc} {self._refusal(exc)}".strip())
        except JobUncertain as exc:
            return SendResult.uncertain(document.message_id, f"HylaFAX: {exc}")
        except DocumentUnreadable as exc:
            return SendResult.permanent(document.message_id, str(exc))
        return SendResult.accepted(document.message_id, job_id, units=document.pages)

    def _refusal(self, exc):
        """Why faxq refused a submitted job ("REJECT: ..."), read in a fresh session (see poll)."""
        if not exc.job_id:
            return ""
        try:
            session = self._session()
        except TransportError:
            return ""
        try:
            return session.job_parameter(exc.job_id, "STATUS")
        except (HylafaxUnreachable, JobRefused):
            return ""
        finally:
            session.close()

    def poll(self, provider_ids):
        """The state of each asked job that HylaFAX still lists (a fresh session: see hylafax_protocol)."""
        wanted = {str(job_id) for job_id in provider_ids}
        if not wanted:
            return []
        session = self._session()
        try:
            # Only jobs carrying one of our references: HylaFAX numbers jobs afresh after its spool
            # is set up again, and another user's fax with one of our old numbers is not ours.
            rows = [row for row in session.jobs() if row.job_id in wanted and row.tag.startswith(REFERENCE_PREFIX)]
            return [self._status(session, row) for row in rows]
        except (HylafaxUnreachable, JobRefused) as exc:
            raise TransportError(str(exc)) from None
        finally:
            session.close()

    def _status(self, session, row):
        if row.state == "D":
            return FaxStatus(row.job_id, "delivered", row.status, pages=row.pages_sent or row.pages_total or None)
        if row.state != "F":
            return FaxStatus(row.job_id, "pending", row.status)
        code = session.job_parameter(row.job_id, "STATUSCODE")
        return FaxStatus(row.job_id, failure_outcome(code, row.status), row.status or "failed",
                         pages=row.pages_sent or None)

    def callback(self, name, request):
        """"received": a fax HylaFAX received, posted by chapar-fax-hylafax-received."""
        if name != "received":
            return "unknown callback", 404
        return receive(self.line, request)

    def test_connection(self):
        """Log in and ask the server what it is."""
        session = self._session()
        try:
            return session.system()
        except (HylafaxUnreachable, JobRefused) as exc:
            raise TransportError(str(exc)) from None
        finally:
            session.close()


def failure_outcome(code, status):
    """busy, no_answer or failed for a failed job's status code and text."""
    text = (status or "").lower()
    if code in BUSY_CODES or any(word in text for word in BUSY_WORDS):
        return "busy"
    if code in NO_ANSWER_CODES or any(word in text for word in NO_ANSWER_WORDS):
        return "no_answer"
    return "failed"


def _number(value, default):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


@hookimpl
def register_fax_transports():
    """The HylaFAX transport."""
    return [HylafaxTransport]
