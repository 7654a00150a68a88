"""Addresses and headers that name the message they belong to, so bounces and replies find it.

- Return path (VERP): `bounces+<message id>-<mac>@<domain>` (any mailbox name: `tag()`). A
  bounce goes to the envelope sender, so the address it arrives at says which message bounced
  even when the DSN quotes nothing of the original. The mail server must deliver
  `mailbox+anything@domain` to `mailbox@domain` (subaddressing: Postfix recipient_delimiter,
  Exim local_part_suffix, dovecot, Gmail and Microsoft 365 all do).
- Reply-to token: `reply+<message id>-<mac>@<domain>`, for identities that want replies routed
  to the polled mailbox with the message named in the address.
- Message-ID: `<chapar-<message id>.<mac>@<domain>>` (mime.message_id, message_id_local);
  replies quote it in In-Reply-To / References and DSNs in the returned headers, and it is
  trusted like the return path. Mail sent before it was signed carries `<chapar-<id>@<domain>>`:
  ids are sequential, so anyone can quote one, and it counts only with other evidence (a
  bounce's failed recipient, a reply's sender: handling.py).

The MAC (HMAC-SHA256 with the app's secret key, 10 lowercase hex digits) keeps anyone from
bouncing or answering messages by guessing ids: a forged bounce to `bounces+123-0000000000@…`
matches nothing. Lowercase hex, because some MTAs lowercase local parts.
"""
import functools
import hashlib
import hmac
import re

from flask import current_app

MAC_LENGTH = 10
_TAGGED = re.compile(rf"(?P<local>[A-Za-z0-9._=-]{{1,64}})\+(?P<id>\d{{1,18}})-(?P<mac>[0-9a-f]{{{MAC_LENGTH}}})@",
                     re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<?chapar-(?P<id>\d{1,18})@[^>\s]+>?", re.IGNORECASE)
_SIGNED_MESSAGE_ID = re.compile(rf"<?chapar-(?P<id>\d{{1,18}})\.(?P<mac>[0-9a-f]{{{MAC_LENGTH}}})@[^>\s]+>?",
                                re.IGNORECASE)


@functools.lru_cache(maxsize=8)
def _keyed(key):
    """HMAC-SHA256 keyed with `key`, nothing fed yet: copying it skips hashing the key for every MAC
    (several per email). Keyed by the secret itself, so a rotated SECRET_KEY gets its own."""
    return hmac.new(key.encode() if isinstance(key, str) else key, digestmod=hashlib.sha256)


def _mac(kind, message_id, key=None):
    mac = _keyed(key if key is not None else current_app.secret_key).copy()
    mac.update(f"chapar-email-{kind}:{message_id}".encode())
    return mac.hexdigest()[:MAC_LENGTH]


def tag(address, message_id, kind="bounces"):
    """`mailbox@domain` -> `mailbox+<id>-<mac>@domain`; kind "bounces" (a return path) or "reply"."""
    local, _, domain = address.rpartition("@")
    return f"{local}+{int(message_id)}-{_mac(kind, int(message_id))}@{domain}"


def return_path(message_id, domain, mailbox="bounces"):
    """The envelope sender for one message: bounces come back to it."""
    return tag(f"{mailbox}@{domain}", message_id, "bounces")


def reply_address(message_id, domain, mailbox="reply"):
    """A Reply-To address that names the message (the reply-to token)."""
    return tag(f"{mailbox}@{domain}", message_id, "reply")


def is_tagged(address):
    """True for an address of the tagged shape (ours or a forgery): never a bounced recipient."""
    return _TAGGED.match(address or "") is not None


def tagged_message_id(text, kinds=("bounces", "reply")):
    """The message id from the first correctly signed tagged address in `text`, else None."""
    for match in _TAGGED.finditer(text or ""):
        number, mac = int(match.group("id")), match.group("mac").lower()
        # The kind is in the MAC, not the mailbox name: a reply token is no return path.
        if any(hmac.compare_digest(mac, _mac(kind, number)) for kind in kinds):
            return number
    return None


def header_message_ids(text):
    """Message ids of every <chapar-<id>@…> Message-ID in `text` (In-Reply-To, References…), in order."""
    return [int(m.group("id")) for m in _MESSAGE_ID.finditer(text or "")]


def message_id_local(message_id, key=None):
    """`chapar-<id>.<mac>`: the local part of a Message-ID that proves which message it names
    (`key`: the app's secret key unless given)."""
    return f"chapar-{int(message_id)}.{_mac('message-id', int(message_id), key)}"


def signed_message_ids(text):
    """Message ids of every correctly signed <chapar-<id>.<mac>@…> Message-ID in `text`, in order."""
    return [int(m.group("id")) for m in _SIGNED_MESSAGE_ID.finditer(text or "")
            if hmac.compare_digest(m.group("mac").lower(), _mac("message-id", int(m.group("id"))))]
