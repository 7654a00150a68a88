"""Tracking, opt-in per program: links rewritten to signed click redirects, and an open pixel.

The channel calls `rewrite_links` on each rendered HTML body just before building the MIME
message, and `store_links` once per batch with the links of every message (one INSERT). The
redirector (tracking_views.py) then finds a click's destination by (message id, index) in
those rows: it never reads a URL from the request, so it cannot be an open redirect.
"""
import functools
import html as htmllib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from chapar import db

from .click_link import ClickLink
from .tokens import click_url, open_pixel_url, public_base_url

MAX_LINKS = 200  # links beyond this many in one email are left as they are, untracked
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""(\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_NO_TRACK = re.compile(r"\bdata-chapar-no-track\b", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20]")  # one C scan instead of a Python loop per character


@functools.lru_cache(maxsize=4096)  # pure, and every email of a program has the same links
def is_web_url(url):
    """True for an absolute http(s) URL with a host; `//evil`, `https:evil`, `javascript:` are not."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not _CONTROL_OR_SPACE.search(url)


def add_utm(url, params):
    """`url` with the UTM parameters of `params` appended: the existing query and fragment stay as
    written, and a parameter the URL already carries is not overridden."""
    wanted = [(key, str(value)) for key, value in (params or {}).items() if key in UTM_KEYS and value]
    if not wanted or not is_web_url(url):
        return url
    parts = urlsplit(url)
    present = {key for key, _value in parse_qsl(parts.query, keep_blank_values=True)}
    extra = urlencode([(key, value) for key, value in wanted if key not in present])
    if not extra:
        return url
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def rewrite_links(html, message_id, *, track=True, utm=None, base_url=None):
    """(new html, [(index, url)]): each http(s) link of `html` goes through the click redirect
    (with UTM parameters added first), and the open pixel is added before </body>.

    With track=False only the UTM parameters are added and no links are returned. Links to this
    Chapar (unsubscribe, preferences), non-web links (mailto:, tel:, #top) and anchors marked
    `data-chapar-no-track` are left alone. The same URL twice gets one index.
    """
    base = public_base_url(base_url)
    own = base + "/"
    indexes, signed = {}, {}

    def new_href(match):
        prefix, raw = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
        url = htmllib.unescape(raw).strip()
        if not is_web_url(url) or url.startswith(own) or url == base:
            return match.group(0)
        url = add_utm(url, utm)
        if track:
            if url not in indexes and len(indexes) >= MAX_LINKS:
                return f'{prefix}"{htmllib.escape(url)}"'
            index = indexes.setdefault(url, len(indexes))
            # The same link repeated (a common shape: one "Shop now" per product) signs once.
            if index not in signed:
                signed[index] = click_url(message_id, index, base)
            url = signed[index]
        return f'{prefix}"{htmllib.escape(url)}"'

    def new_anchor(match):
        tag = match.group(0)
        return tag if _NO_TRACK.search(tag) else _HREF.sub(new_href, tag, count=1)

    html = _ANCHOR.sub(new_anchor, html)
    if not track:
        return html, []
    pixel = (f'<img src="{htmllib.escape(open_pixel_url(message_id, base))}" width="1" height="1" alt="" '
             'style="display:block;width:1px;height:1px;border:0">')
    ends = list(_BODY_END.finditer(html))
    html = html[:ends[-1].start()] + pixel + html[ends[-1].start():] if ends else html + pixel
    return html, sorted((index, url) for url, index in indexes.items())


def store_links(rows):
    """Keep the links of sent emails: `rows` are (message id, index, url). A retried message
    writes the same rows again. A row already there is overwritten, not kept: SQLite gives a
    deleted program's last message ids to new messages, and their clicks must lead to their own
    links, not to the links the deleted emails had."""
    rows = [{"message_id": m, "index": i, "url": u} for m, i, u in rows]
    with db.atomic():
        for start in range(0, len(rows), 500):
            (ClickLink.insert_many(rows[start:start + 500])
             .on_conflict(conflict_target=(ClickLink.message_id, ClickLink.index), preserve=(ClickLink.url,))
             .execute())


def link_of(message_id, index):
    """The stored destination of link `index` of the message, or None."""
    row = (ClickLink.select(ClickLink.url)
           .where((ClickLink.message_id == message_id) & (ClickLink.index == index)).first())
    return row.url if row is not None and is_web_url(row.url) else None
