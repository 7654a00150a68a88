"""The sender-identity page's two buttons: "Test connection" and "Send test"."""
import smtplib

from chapar import OutgoingMessage

from . import smtp_pool
from .mime import build


def connection_report(identity):
    """(ok, lines): the server's replies to EHLO, STARTTLS and AUTH, or why it failed."""
    lines = []
    try:
        smtp = smtp_pool.open_connection(identity, transcript=lines)
    except smtp_pool.SmtpLoginError as exc:
        return False, lines + [str(exc)]
    except (OSError, smtplib.SMTPException) as exc:
        return False, lines + [f"cannot connect to {identity.host}:{identity.port}: {exc}"]
    smtp_pool.close(smtp)
    return True, lines + ["connection and login work"]


def send_test(identity, address, subject="Chapar test email", html="<p>This is a test from Chapar.</p>"):
    """Send one email now, outside any program; returns the server's reply to the data, or raises."""
    message = OutgoingMessage(id=0, program_id=0, contact_id=None, address=address,
                              content={"subject": subject, "html": html})
    sender, recipient, data = build(message, identity)
    smtp = smtp_pool.open_connection(identity)
    try:
        refused = smtp.sendmail(sender, [recipient], data)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
    finally:
        smtp_pool.close(smtp)
    return f"accepted for {recipient}"
