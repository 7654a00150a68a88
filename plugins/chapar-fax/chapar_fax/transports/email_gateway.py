"""Email-to-fax: each fax is an email with the PDF attached, sent over SMTP to the gateway's address
for the number (`{number}@fax.example.com`), as most fax services and many fax servers accept.

What the gateway does next arrives, if at all, as emailed reports, which this transport does not
read: a fax is marked sent once the gateway's SMTP server accepted the email, with no delivery
status, busy or no-answer retries (`polls` is False, no callbacks). The Message-ID carries our
reference (chapar-<message>-<attempt>@<sender's domain>), so such reports can be matched later.

One SMTP connection per batch. Per document: a 4xx on the recipient or the data is transient (the
channel tries again later), a 5xx permanent for that document; a refused sender, a failed login or
a server that cannot be reached fails the batch (TransportError: every message is retried).
"""
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from chapar import Field, SendResult, fill_template, header_escape
from flask_babel import lazy_gettext as _l

from .base import FaxTransport, TransportError
from .registry import hookimpl

NUMBER_PLACEHOLDERS = ("number", "e164")
SUBJECT_PLACEHOLDERS = ("number", "e164", "reference", "pages")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
DOMAIN = re.compile(r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`|~.-]{1,64}")
SECURITY = ("starttls", "tls", "none")

SETTINGS_FIELDS = (
    Field("host", _l("SMTP server"), required=True, max_length=253),
    Field("port", _l("Port"), kind="number", default=587, help=_l("587 for STARTTLS, 465 for TLS, 25 for none.")),
    Field("security", _l("Security"), kind="select", default="starttls",
          choices=(("starttls", "STARTTLS"), ("tls", _l("TLS from the start")),
                   ("none", _l("None (trusted network only)")))),
    Field("username", _l("User name"), max_length=200, help=_l("Empty: no login.")),
    Field("password", _l("Password"), kind="password", secret=True, max_length=500),
    Field("from_address", _l("From address"), kind="email", required=True, max_length=254,
          help=_l("The address the gateway knows your account by.")),
    Field("address_pattern", _l("Fax address"), required=True, max_length=254,
          help=_l("The gateway's address for a number, e.g. {number}@fax.example.com: {number} is the number's "
                  "digits with the country code (982188776655), {e164} the same with a + before them.")),
    Field("subject", _l("Subject"), max_length=300,
          help=_l("Optional; some gateways read a PIN or a cover text here. Placeholders: {number}, {e164}, "
                  "{reference}, {pages}.")),
    Field("timeout", _l("Timeout (seconds)"), kind="number", default=30),
)
DEFAULTS = {field.name: field.default for field in SETTINGS_FIELDS}


def address_pattern_error(pattern):
    """Why `pattern` cannot make a fax address, or "" when it can."""
    names = PLACEHOLDER.findall(pattern or "")
    if len(names) != 1 or names[0] not in NUMBER_PLACEHOLDERS:
        return str(_l("Put exactly one placeholder in it: {number} or {e164}."))
    local, at, domain = (pattern or "").strip().replace("{" + names[0] + "}", "1").rpartition("@")
    if not at or not LOCAL_PART.fullmatch(local) or ".." in local:
        return str(_l("Not an email address once the number is filled in, e.g. {number}@fax.example.com."))
    if not DOMAIN.fullmatch(domain):
        return str(_l("“%(domain)s” is not a domain name.", domain=domain))
    return ""


class EmailTransport(FaxTransport):
    kind = "email"
    label = _l("Email-to-fax gateway")
    description = _l("Sends each fax as an email with the PDF attached to the gateway's address for the number. "
                     "A fax counts as sent once the gateway accepted the email: there is no delivery report.")
    wants = "pdf"
    settings_fields = SETTINGS_FIELDS
    secret_fields = ("password",)

    def _get(self, name):
        value = self.settings.get(name)
        return DEFAULTS[name] if value in (None, "") else value

    def validate_settings(self, settings):
        """The address pattern makes an address, the from address is one, port and timeout are sane."""
        errors = {}
        pattern_error = address_pattern_error(settings.get("address_pattern"))
        if pattern_error:
            errors["address_pattern"] = pattern_error
        local, at, domain = (settings.get("from_address") or "").strip().rpartition("@")
        if not at or not LOCAL_PART.fullmatch(local) or not DOMAIN.fullmatch(domain):
            errors["from_address"] = str(_l("Give an email address such as fax@example.com."))
        host = (settings.get("host") or "").strip()
        if not host or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]{1,253}", host):
            errors["host"] = str(_l("Give the SMTP server's host name or address."))
        port = settings.get("port")
        if port not in (None, "") and not (isinstance(port, (int, float)) and 0 < port < 65536 and port == int(port)):
            errors["port"] = str(_l("A port number from 1 to 65535."))
        if (settings.get("security") or "starttls") not in SECURITY:
            errors["security"] = str(_l("Choose STARTTLS, TLS or none."))
        timeout = settings.get("timeout")
        if timeout not in (None, "") and not (isinstance(timeout, (int, float)) and 0 < timeout <= 300):
            errors["timeout"] = str(_l("A number from 1 to 300."))
        unknown = sorted(set(PLACEHOLDER.findall(settings.get("subject") or "")) - set(SUBJECT_PLACEHOLDERS))
        if unknown:
            errors["subject"] = str(_l("Unknown placeholder: %(names)s", names=", ".join(unknown)))
        return errors

    # SMTP ----------------------------------------------------------------------------------------

    def _where(self):
        return f"{self._get('host')}:{int(self._get('port'))}"

    def _connect(self):
        """A logged-in SMTP session; TransportError when the server cannot be reached or refuses us."""
        host, port, timeout = self._get("host"), int(self._get("port")), float(self._get("timeout"))
        security = self._get("security")
        context = ssl.create_default_context()
        smtp = None
        try:
            if security == "tls":
                smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
            smtp.ehlo()
            if security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self._get("username"):
                smtp.login(self._get("username"), self.settings.get("password") or "")
            return smtp
        except smtplib.SMTPAuthenticationError as exc:
            self._quit(smtp)
            raise TransportError(f"{self._where()}: login refused: {_said(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            self._quit(smtp)
            raise TransportError(f"{self._where()}: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._quit(smtp)
            raise TransportError(f"{self._where()}: {exc or type(exc).__name__}") from exc

    @staticmethod
    def _quit(smtp):
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _email(self, document):
        """The email for one document: to the gateway's address for its number, the PDF attached."""
        number = document.to.lstrip("+")
        values = {"number": number, "e164": "+" + number, "reference": document.reference, "pages": document.pages}
        sender = self._get("from_address").strip()
        message = EmailMessage()
        message["From"] = sender
        message["To"] = fill_template(self._get("address_pattern").strip(), values, str)
        # The admin's own text too is kept to one line: a line break would fail every fax (or, in
        # a laxer library, start a header of its own such as Bcc).
        message["Subject"] = header_escape(fill_template(self.settings.get("subject") or "", values, str))
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{document.reference}@{sender.rpartition('@')[2]}>"
        message.set_content(f"Fax to {values['e164']}, {document.pages} page(s), reference {document.reference}.\n")
        message.add_attachment(Path(document.pdf_path).read_bytes(), maintype="application", subtype="pdf",
                               filename=f"fax-{document.reference}.pdf")
        return message

    def submit(self, documents):
        """One email per document over one SMTP session: accepted, transient (4xx) or permanent (5xx)."""
        if not documents:
            return []
        smtp = self._connect()
        results = []
        try:
            for index, document in enumerate(documents):
                if smtp.sock is None:  # the gateway said 421 and smtplib hung up: nothing more was sent
                    results += [SendResult.transient(d.message_id, f"{self._where()}: the gateway closed the "
                                                     "connection") for d in documents[index:]]
                    return results
                try:
                    results.append(self._send_one(smtp, document))
                except (OSError, smtplib.SMTPServerDisconnected) as exc:
                    # The data of this one may have reached the gateway: never sent twice. The rest
                    # were not sent and go again later.
                    results.append(SendResult.uncertain(document.message_id, f"connection lost: {exc}"))
                    results += [SendResult.transient(d.message_id, f"{self._where()}: connection lost")
                                for d in documents[index + 1:]]
                    return results
            return results
        finally:
            self._quit(smtp)

    def _send_one(self, smtp, document):
        message = self._email(document)
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, said = next(iter(exc.recipients.values()))
            return _refused(document, code, said)
        except smtplib.SMTPDataError as exc:
            return _refused(document, exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPSenderRefused as exc:
            # The same sender goes with every document: the whole batch fails, and is retried.
            raise TransportError(f"{self._where()}: sender refused: {_said(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPResponseException as exc:
            return _refused(document, exc.smtp_code, exc.smtp_error)
        return SendResult.accepted(document.message_id, message["Message-ID"].strip("<>"), units=document.pages)

    def test_connection(self):
        """EHLO, STARTTLS or TLS as set, login, NOOP: what the server answered."""
        smtp = self._connect()
        try:
            code, said = smtp.noop()
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(f"{self._where()}: {exc}") from exc
        finally:
            self._quit(smtp)
        return f"{self._where()}: {_said(code, said)}"


def _said(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}"[:200]


def _refused(document, code, said):
    """4xx: try again later; 5xx (or anything else): this document will never be taken."""
    if 400 <= code < 500:
        return SendResult.transient(document.message_id, f"gateway said {_said(code, said)}")
    return SendResult.permanent(document.message_id, f"gateway refused: {_said(code, said)}")


@hookimpl
def register_fax_transports():
    """The built-in email-to-fax kind."""
    return [EmailTransport]
