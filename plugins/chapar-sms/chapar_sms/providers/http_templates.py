"""The generic HTTP gateway's text work: filling URL, header and body templates with each message's
values (escaped for where they stand), and reading the provider's answers and callbacks."""
import email.utils
import json
import re
import select
import time
from urllib.parse import quote

PLACEHOLDERS = ("to", "to_digits", "to_national", "sender", "text", "reference", "message_id", "receipt_url",
                "api_key", "encoding", "segments")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SAMPLE = {"to": "+989121234567", "to_digits": "989121234567", "to_national": "09121234567", "sender": "Chapar",
          "text": 'Hello "friend"\n', "reference": "chapar-1", "message_id": "1", "segments": "1",
          "receipt_url": "https://chapar.example/sms/gateways/1/receipt?secret=s&message=1", "api_key": "key",
          "encoding": "ucs2"}
STATES = ("delivered", "failed", "expired", "pending")
DEFAULT_STATUS_MAP = ("DELIVERED=delivered, DELIVRD=delivered, FAILED=failed, UNDELIV=failed, REJECTED=failed, "
                      "EXPIRED=expired, PENDING=pending, SENT=pending, ACCEPTED=pending")
ERROR_CHARS = 200


def render(template, values, escape):
    """`template` with each {placeholder} replaced by its value passed through `escape`; other
    braces (a JSON body's) are left alone."""
    return PLACEHOLDER.sub(lambda m: escape(str(values[m.group(1)])) if m.group(1) in values else m.group(0),
                           template or "")


def url_escape(value):
    return quote(value, safe="")


def json_escape(value):
    return json.dumps(value, ensure_ascii=False)[1:-1]


def header_escape(value):
    return re.sub(r"[\r\n]+", " ", value)


def unknown_placeholders(template):
    return sorted({name for name in PLACEHOLDER.findall(template or "") if name not in PLACEHOLDERS})


def parse_status_map(text):
    """{PROVIDER WORD (upper case): state}; ValueError naming a bad entry."""
    mapping = {}
    for entry in re.split(r"[,\n]", text or ""):
        if not entry.strip():
            continue
        word, sep, state = entry.partition("=")
        if not sep or not word.strip() or state.strip().lower() not in STATES:
            raise ValueError(entry.strip())
        mapping[word.strip().upper()] = state.strip().lower()
    return mapping


def parse_headers(text):
    """[(name, value template)] from "Name: value" lines; ValueError naming a bad line."""
    headers = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()):
            raise ValueError(line.strip())
        headers.append((name.strip(), value.strip()))
    return headers


def dig(data, path):
    """The value at dotted `path` ("data.id", "messages.0.id") in parsed JSON, or None."""
    for key in (path or "").split("."):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def dropped(sock):
    """True when an idle kept-alive socket was closed by the server (it reads as ready: EOF)."""
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def retry_after(value):
    """Seconds from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
