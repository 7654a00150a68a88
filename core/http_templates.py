"""Filling an admin's HTTP request templates and reading a provider's answers: the text work of a
generic HTTP gateway (SMS, fax), configured in the UI without code.

Placeholders are `{name}`; each value is escaped for where it stands (URL-encoded in URLs and form
bodies, JSON-escaped inside a JSON string, line breaks removed in headers), so a contact's text cannot
change the request's shape. Other braces (a JSON body's) are left alone.
"""
import email.utils
import json
import re
import select
import time
from urllib.parse import quote

PLACEHOLDER = re.compile(r"\{(\w+)\}")
ERROR_CHARS = 200  # of a provider's answer kept in an error for people
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def fill_template(template, values, escape):
    """`template` with each {placeholder} in `values` replaced by its value passed through `escape`."""
    return PLACEHOLDER.sub(lambda m: escape(str(values[m.group(1)])) if m.group(1) in values else m.group(0),
                           template or "")


def url_escape(value):
    """For a URL or an x-www-form-urlencoded body: every reserved character encoded."""
    return quote(value, safe="")


def json_escape(value):
    """For inside a JSON string (the template keeps the quotes)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def header_escape(value):
    """For a header value: no line breaks, so no injected header."""
    return re.sub(r"[\r\n]+", " ", value)


def unknown_placeholders(template, known):
    """The sorted placeholder names in `template` that are not among `known`."""
    return sorted({name for name in PLACEHOLDER.findall(template or "") if name not in known})


def parse_status_map(text, states):
    """{PROVIDER WORD (upper case): state} from "WORD=state, …" (commas or lines); each state one of
    `states`. ValueError naming a bad entry."""
    mapping = {}
    for entry in re.split(r"[,\n]", text or ""):
        if not entry.strip():
            continue
        word, sep, state = entry.partition("=")
        if not sep or not word.strip() or state.strip().lower() not in states:
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
        if not sep or not HEADER_NAME.fullmatch(name.strip()):
            raise ValueError(line.strip())
        headers.append((name.strip(), value.strip()))
    return headers


def dig_json(data, path):
    """The value at dotted `path` ("data.id", "messages.0.id") in parsed JSON, or None."""
    for key in (path or "").split("."):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def answer_passes(rule, text, data):
    """Whether a provider's 2xx answer passes an admin's success rule: "" (the status alone),
    "re:<regular expression>" searched in `text`, "path" (truthy at that JSON path) or "path=value"
    (case-insensitive) in the parsed JSON `data`."""
    rule = (rule or "").strip()
    if not rule:
        return True
    if rule.startswith("re:"):
        return re.search(rule[3:], text) is not None
    path, sep, expected = rule.partition("=")
    found = dig_json(data, path.strip())
    if not sep:
        return bool(found)
    return found is not None and str(found).lower() == expected.strip().lower()


def id_in_answer(rule, text, data):
    """The provider's id for what was sent, found by `rule`: a JSON path in `data`, or
    "re:<regular expression>" in `text` (its first group, else the whole match); "" when absent."""
    rule = (rule or "").strip()
    if rule.startswith("re:"):
        found = re.search(rule[3:], text)
        return (found.group(1) if found and found.groups() else found.group(0) if found else "") or ""
    value = dig_json(data, rule) if rule else None
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def connection_dropped(sock):
    """True when an idle kept-alive socket was closed by the server (it reads as ready: EOF), or
    something arrived on it. poll, not select: select cannot watch a descriptor past 1023."""
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def parse_retry_after(value):
    """Seconds from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
