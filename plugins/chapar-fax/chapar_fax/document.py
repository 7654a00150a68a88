"""One fax: its page HTML (subject, body) with a header line on every page ("To / From / Date /
Page n of N" in the top margin box) and its PDF through chapar.render_pdf, which loads nothing from
outside. Persian faxes read right to left in Vazirmatn."""
import datetime
import re
from html import escape
from pathlib import Path

from babel import Locale, UnknownLocaleError
from chapar import DocumentError, render_pdf
from flask_babel import force_locale
from flask_babel import gettext as _

CSS = (Path(__file__).resolve().parent / "fax.css").read_text()
PAGE_SIZES = {"A4": "210mm 297mm", "Letter": "8.5in 11in"}
MAX_BODY = 200_000  # characters of a rendered body
MAX_PAGES = 50  # pages of one fax: past this it is a book, and a fax line would be busy for an hour
RTL_LANGUAGES = ("fa", "ar", "ur", "he", "ps", "ckb")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z]")
_TAGS = re.compile(r"<[^>]*>")


class FaxDocumentError(ValueError):
    """The fax cannot be made; the message says why, for people."""


def is_rtl(content, language):
    """True when the fax reads right to left: by the script of its text, else by its language."""
    text = _TAGS.sub(" ", (content.get("subject") or "") + " " + (content.get("body") or ""))
    arabic, latin = len(_ARABIC.findall(text)), len(_LATIN.findall(text))
    if arabic != latin:
        return arabic > latin
    return (language or "").split("-")[0].lower() in RTL_LANGUAGES


def _css_string(text):
    """`text` as a CSS string literal (for `content:`): quotes, backslashes and line breaks escaped."""
    return '"' + "".join(c if c.isalnum() or c in " +-.,:/()@" else f"\\{ord(c):x} " for c in text) + '"'


def _header_locale(rtl, language):
    """The locale of the header line: Persian for a right-to-left fax, else the contact's language
    when Babel knows it. A contact's language is free text ("zz", "Deutsch"): one Babel cannot read
    must not stop the fax (nor, raised from the channel, the whole batch around it)."""
    if rtl:
        return "fa"
    try:
        return str(Locale.parse(re.split(r"[-_]", language or "en")[0].lower() or "en"))
    except (ValueError, UnknownLocaleError):
        return "en"


def header_css(to, sender, when, rtl, language):
    """The @page rules: size comes from fax_html's caller; here the header line on every page."""
    # Numbers and the date stay left to right inside a Persian line (else "+98…" shows as "…98+").
    ltr = (lambda text: f"\u2066{text}\u2069") if rtl else str
    with force_locale(_header_locale(rtl, language)):
        parts = [_("To: %(number)s", number=ltr(to))]
        if sender:
            parts.append(_("From: %(number)s", number=ltr(sender)))
        parts.append(_("Date: %(date)s", date=ltr(when)))
        left = "  ·  ".join(parts)
        page_word, of_word = _("Page %(n)s of %(total)s", n="\0", total="\1").split("\0")
        of_word, tail = of_word.split("\1")
    start, end = ("top-right", "top-left") if rtl else ("top-left", "top-right")
    page = (f"{_css_string(page_word)} counter(page) {_css_string(of_word)} counter(pages) {_css_string(tail)}")
    # Margin boxes do not inherit the document's direction: a Persian header says so itself.
    box = f"font: 8pt Vazirmatn; direction: {'rtl' if rtl else 'ltr'}; white-space: nowrap;"
    return (f"@page {{ @{start} {{ content: {_css_string(left)}; {box} }}"
            f" @{end} {{ content: {page}; {box} }} }}")


def fax_html(content, rtl, language=""):
    """The fax's page as HTML: `content` holds the composer's rendered fields (subject, body)."""
    body = content.get("body") or ""
    if len(body) > MAX_BODY:
        raise FaxDocumentError(f"the fax is too long ({len(body):,} characters of HTML, at most {MAX_BODY:,})")
    subject = (content.get("subject") or "").strip()
    lang = language or ("fa" if rtl else "en")
    return (f'<!doctype html><html lang="{escape(lang)}" dir="{"rtl" if rtl else "ltr"}">'
            f'<head><meta charset="utf-8"><title>Fax</title></head><body>'
            + (f"<h1>{escape(subject)}</h1>" if subject else "")
            + f'<div class="body">{body}</div></body></html>')


def render_fax(content, to, sender, target, language="", page_size="A4", now=None):
    """Write the fax's PDF to the path `target`; return its pages. Raises FaxDocumentError."""
    rtl = is_rtl(content, language)
    when = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    size = PAGE_SIZES.get(content.get("page_size") or page_size, PAGE_SIZES["A4"])
    # !important: a <style> in the body must not make a page metres wide (a TIFF of gigapixels)
    # nor take away the margin the header line is printed in.
    sheets = (CSS, f"@page {{ size: {size} !important; margin: 18mm 15mm 15mm !important; }}",
              header_css(to, sender, when, rtl, language))
    html = fax_html(content, rtl, language)
    target = Path(target)
    try:
        with target.open("wb") as handle:
            _, pages = render_pdf(html, stylesheets=sheets, target=handle, count_pages=True)
    except DocumentError as exc:
        raise FaxDocumentError(str(exc)) from exc
    if pages > MAX_PAGES:
        raise FaxDocumentError(f"the fax has {pages} pages, at most {MAX_PAGES}")
    return pages
