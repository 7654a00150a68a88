"""Sender identities: an SMTP server, a login and the From/Reply-To a program sends as.

A program picks one through `Program.provider` (the identity's id, as text; see
EmailChannel.providers). The password is kept so the worker can log in; it is never shown back.
"""
import datetime
import functools

from chapar import BaseModel, utcnow
from peewee import CharField, DateTimeField, FloatField, IntegerField, TextField

SECURITY_CHOICES = ("starttls", "tls", "none")


class SenderIdentity(BaseModel):
    name = CharField(max_length=100, unique=True)
    host = CharField(max_length=255)
    port = IntegerField(default=587)
    security = CharField(max_length=10, default="starttls")  # one of SECURITY_CHOICES
    username = CharField(max_length=255, default="")
    password = CharField(max_length=500, default="")  # needed in clear to log in; never rendered
    from_name = CharField(max_length=200, default="")
    from_address = CharField(max_length=320)  # may hold an IDN domain (info@پست.ایران)
    reply_to = CharField(max_length=320, default="")
    rate_per_second = FloatField(null=True)
    max_connections = IntegerField(default=2)
    bounce_domain = CharField(max_length=255, default="")  # VERP return path bounces+<id>-<mac>@ this; blank: no VERP
    dkim_selector = CharField(max_length=63, default="")
    dkim_private_key = TextField(default="")  # PEM; signing is on when selector and key are set
    # Where bounces and replies arrive (IMAPS, polled by inbox.py); blank host: not polled.
    imap_host = CharField(max_length=255, default="")
    imap_port = IntegerField(default=993)
    imap_username = CharField(max_length=255, default="")
    imap_password = CharField(max_length=500, default="")  # never rendered, like `password`
    imap_folder = CharField(max_length=200, default="INBOX")
    processed_folder = CharField(max_length=200, default="Processed")  # handled mail is moved here
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    def __str__(self):
        return f"{self.name} <{self.from_address}>"

    @property
    def from_domain(self):
        """The From domain in ASCII (punycode), for Message-ID, DKIM d= and HELO."""
        return ascii_address(self.from_address).rpartition("@")[2]


def ascii_address(address):
    """`local@domain` with an IDN domain turned into punycode (xn--…), as SMTP and headers need.

    The local part must already be ASCII: SMTPUTF8 local parts are refused by too many servers
    for bulk mail, so identities with one are rejected when saved (clean_identity)."""
    local, at, domain = (address or "").strip().rpartition("@")
    if not at:
        raise ValueError("not_an_address")
    return f"{local}@{ascii_domain(domain)}"


@functools.lru_cache(maxsize=4096)
def ascii_domain(domain):
    """The domain in ASCII: punycode for IDN labels (cached: nameprep is slow, domains repeat)."""
    domain = domain.strip().lower()
    try:
        return domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        raise ValueError("bad_domain") from None


FIELDS = ("name", "host", "port", "security", "username", "password", "from_name", "from_address", "reply_to",
          "rate_per_second", "max_connections", "bounce_domain", "dkim_selector", "dkim_private_key",
          "imap_host", "imap_port", "imap_username", "imap_password", "imap_folder", "processed_folder")


def clean_identity(form, identity=None):
    """(values, errors) from a submitted form. An empty password keeps the stored one."""
    values, errors = {}, {}
    text = {name: (form.get(name) or "").strip() for name in FIELDS}
    for name in ("name", "host", "from_address"):
        if not text[name]:
            errors[name] = "required"
    values.update({k: text[k] for k in ("name", "host", "username", "from_name", "bounce_domain", "dkim_selector",
                                        "imap_host", "imap_username")})
    values["imap_folder"] = text["imap_folder"] or "INBOX"
    values["processed_folder"] = text["processed_folder"] or "Processed"
    if values["processed_folder"] == values["imap_folder"]:
        errors["processed_folder"] = "same_folder"
    values["dkim_private_key"] = (form.get("dkim_private_key") or "").strip() or (
        identity.dkim_private_key if identity else "")
    if text["security"] not in SECURITY_CHOICES:
        errors["security"] = "not_a_choice"
    values["security"] = text["security"]
    for name, default, low, high in (("port", 587, 1, 65535), ("max_connections", 2, 1, 50),
                                     ("imap_port", 993, 1, 65535)):
        try:
            values[name] = int(text[name] or default)
            if not low <= values[name] <= high:
                raise ValueError
        except ValueError:
            errors[name] = "out_of_range"
    try:
        values["rate_per_second"] = float(text["rate_per_second"]) if text["rate_per_second"] else None
        if values["rate_per_second"] is not None and values["rate_per_second"] <= 0:
            raise ValueError
    except ValueError:
        errors["rate_per_second"] = "not_a_number"
    for name in ("from_address", "reply_to"):
        if text[name]:
            try:
                if not ascii_address(text[name]).isascii():
                    raise ValueError
            except ValueError:
                errors[name] = "not_an_address"
        values[name] = text[name]
    # A blank password field means "unchanged": the form never shows the stored one back.
    for name in ("password", "imap_password"):
        values[name] = text[name] if text[name] else (getattr(identity, name) if identity else "")
    return values, errors


def save_identity(values, identity=None):
    if identity is None:
        return SenderIdentity.create(**values)
    for name, value in values.items():
        setattr(identity, name, value)
    identity.updated_at = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    identity.save()
    return identity


def identity_for(provider):
    """The identity a program chose (its id as text), else the first one; None when there is none."""
    query = SenderIdentity.select().order_by(SenderIdentity.id)
    if provider and str(provider).isdigit():
        found = SenderIdentity.get_or_none(SenderIdentity.id == int(provider))
        if found is not None:
            return found
    return query.first()
