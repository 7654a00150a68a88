"""The test corpus (tests/corpus/*.eml): bounces, complaints and replies written for these tests
in the shapes real servers produce, with placeholders for what names our message:
$verp (the signed return path), $msgid (our Message-ID: signed, or the unsigned one of mail sent
before Message-IDs were signed with `signed=False`), $rcpt (the recipient), $sender (our From
address), $reply_token (the signed reply-to address) and $unsubscribe (the List-Unsubscribe mailto
address, for `contact_id`, unless `unsubscribe` gives another). Needs an app context (the HMAC key)."""
from pathlib import Path
from string import Template

from chapar_email import tokens, verp

CORPUS = Path(__file__).resolve().parent / "corpus"
DOMAIN = "shop.example"
SENDER = "news@shop.example"


def render(name, message_id, recipient="reza@customer.example", contact_id=0, unsubscribe=None, signed=True):
    """The corpus mail `name` (without .eml) about message `message_id`, as bytes with CRLF lines."""
    if unsubscribe is None:  # the address the sent email's List-Unsubscribe header carries
        mailto = tokens.unsubscribe_mailto(message_id, contact_id, DOMAIN)
        unsubscribe = mailto.removeprefix("mailto:").partition("?")[0]
    local = verp.message_id_local(message_id) if signed else f"chapar-{message_id}"
    text = Template((CORPUS / f"{name}.eml").read_text("utf-8")).substitute(
        verp=verp.return_path(message_id, DOMAIN), msgid=f"<{local}@{DOMAIN}>", rcpt=recipient,
        sender=SENDER, reply_token=verp.reply_address(message_id, DOMAIN), unsubscribe=unsubscribe)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
