"""One personalised letter: its HTML (letterhead, address block in the envelope window, date, body,
QR code, page numbers) and its PDF through chapar.render_pdf, which loads nothing from outside."""
import datetime
import re
from html import escape
from pathlib import Path

import jdatetime
import segno
from babel import UnknownLocaleError
from babel.dates import format_date
from chapar import DocumentError, render_pdf

from .digits import persian_html
from .layouts import is_postcard, page_dimensions, window_for
from .logo import URL_PREFIX
from .qr_links import is_web_url

CSS = (Path(__file__).resolve().parent / "letter.css").read_text()
MAX_BODY = 200_000  # characters of a rendered body: a long letter, not a book
MAX_PAGES = 20  # pages of one letter
MAX_QR = 1000  # characters a QR code carries (a personalised link, not a document)
RTL_LANGUAGES = ("fa", "ar", "ur", "he", "ps", "ckb")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z]")
_TAGS = re.compile(r"<[^>]*>")


class LetterError(ValueError):
    """The letter cannot be made; the message says why, for people."""


def number(value, default):
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def direction(content, language):
    """"rtl" or "ltr": the composer's choice, else the body's script (an English letter to a contact
    whose language is Persian still reads left to right), else the language."""
    chosen = content.get("direction") or "auto"
    if chosen in ("ltr", "rtl"):
        return chosen
    text = _TAGS.sub(" ", content.get("body") or "")
    arabic, latin = len(_ARABIC.findall(text)), len(_LATIN.findall(text))
    if arabic != latin:
        return "rtl" if arabic > latin else "ltr"
    return "rtl" if (language or "").split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def letter_date(language, today=None):
    """Today as a reader of `language` writes it: the Jalali calendar in Persian."""
    today = today or datetime.date.today()
    if (language or "").startswith("fa"):
        return jdatetime.date.fromgregorian(date=today).strftime("%Y/%m/%d")
    try:
        return format_date(today, format="long", locale=(language or "en").replace("-", "_"))
    except (ValueError, UnknownLocaleError):  # a language Babel does not know
        return format_date(today, format="long", locale="en")


def qr_image(url, code_url=None):
    """The QR code as an <img> with an SVG data: URL (nothing is fetched to draw it), `url` printed
    under it. The code holds `code_url` when given (the tracked link, qr_links.py), else `url`; in
    the PDF the code is also a link to it."""
    url = (url or "").strip()
    if not url:
        return ""
    code_url = (code_url or url).strip()
    for value in (url, code_url):
        if len(value) > MAX_QR:
            raise LetterError(f"the QR code link is too long ({len(value)} characters, at most {MAX_QR})")
    data_uri = segno.make(code_url, error="m").svg_data_uri(scale=4, border=2)
    image = f'<img src="{escape(data_uri)}" alt="">'
    if is_web_url(code_url):  # a PDF link only to the web: no javascript: or file: actions
        image = f'<a href="{escape(code_url)}">{image}</a>'
    return f'<div class="qr">{image}<div class="link">{escape(url)}</div></div>'


def page_css(content, rtl):
    """@page (size, margins, page numbers) and the address block's place for these options."""
    page_size = content.get("page_size") or "A4"
    width, height = page_dimensions(page_size)
    margin = min(max(number(content.get("margins"), 20), 5), min(width, height) / 3)
    style = "persian" if content.get("persian_digits") else "decimal"
    numbers = "" if is_postcard(page_size) else (
        f'@bottom-center {{ content: counter(page, {style}) " / " counter(pages, {style}); font: 8pt Vazirmatn; }}')
    css = [f"@page {{ size: {width}mm {height}mm; margin: {margin}mm; {numbers} }}"]
    box = window_for(page_size, content.get("address_window") or "din-b")
    if box is not None:
        # Absolute boxes are placed from the page area, inside the margins: hence "- margin".
        css.append(f".address {{ left: {box.left - margin:.2f}mm; top: {box.top - margin:.2f}mm; "
                   f"width: {box.width}mm; height: {box.height}mm; }}")
        if box.return_zone > 6:  # DIN 5008: the return line sits at the foot of its 17.7 mm zone
            css.append(f".address .return {{ margin-top: {box.return_zone - 8:.1f}mm; }}")
        if not is_postcard(page_size):
            css.append(f".window-spacer {{ height: {max(0.0, box.top + box.height + 6 - margin):.2f}mm; }}")
    if rtl:
        css.append(".address .recipient, .address .return { direction: rtl; text-align: right; }")
    return "\n".join(css)


def letter_html(content, address, settings, language="", today=None, logo=None):
    """The whole letter as HTML. `content` holds the composer's rendered fields, `address` the
    recipient's address block (lines), `settings` the channel's (sender, letterhead); `logo` the
    letterhead logo's file name (logo.py), loaded from render_pdf's /print-letterhead/ folder."""
    body = content.get("body") or ""
    if len(body) > MAX_BODY:
        raise LetterError(f"the letter is too long ({len(body):,} characters of HTML, at most {MAX_BODY:,})")
    rtl = direction(content, language) == "rtl"
    page_size = content.get("page_size") or "A4"
    boxed = window_for(page_size, content.get("address_window") or "din-b") is not None
    head = [line.strip() for line in (settings.get("letterhead") or "").splitlines() if line.strip()]
    letterhead = ""
    image = f'<img class="logo" src="{URL_PREFIX}{escape(logo)}" alt="">' if logo else ""
    if (head or image) and not is_postcard(page_size):
        title = f"<strong>{escape(head[0])}</strong>" if head else ""
        letterhead = f'<header class="letterhead">{image}{title}{escape(chr(10).join(head[1:]))}</header>'
    sender = [settings.get("sender_name") or ""] + (settings.get("return_address") or "").splitlines()
    sender_line = " · ".join(part.strip() for part in sender if part.strip())
    address_block = (f'<div class="address{"" if boxed else " flow"}">'
                     + (f'<div class="return">{escape(sender_line)}</div>' if sender_line else "")
                     + f'<div class="recipient">{escape(address.strip())}</div></div>')
    column = (f'<p class="date">{escape(letter_date(language, today))}</p>'
              f'<div class="body">{body}</div>{qr_image(content.get("qr_url"), content.get("qr_code_url"))}')
    if is_postcard(page_size):
        column = f'<div class="body-column">{column}</div>'
    html = (f'<!doctype html><html lang="{escape(language or ("fa" if rtl else "en"))}" dir="{"rtl" if rtl else "ltr"}">'
            f'<head><meta charset="utf-8"><title>Letter</title></head>'
            f'<body class="{"postcard" if is_postcard(page_size) else "letter"}">{letterhead}{address_block}'
            f'{"<div class=window-spacer></div>" if boxed and not is_postcard(page_size) else ""}{column}</body></html>')
    return persian_html(html) if content.get("persian_digits") else html


def render_letter(content, address, settings, language="", target=None, today=None, logo=None):
    """The letter's PDF: (bytes or None when written to `target`, pages). Raises LetterError.
    `logo`: the letterhead logo's path (logo.current_logo() in logo_folder()), or None."""
    html = letter_html(content, address, settings, language, today, logo.name if logo else None)
    rtl = direction(content, language) == "rtl"
    sheets = (CSS, page_css(content, rtl))
    try:
        pdf, pages = render_pdf(html, stylesheets=sheets, folders={URL_PREFIX: logo.parent} if logo else None,
                                count_pages=True)
    except DocumentError as exc:
        raise LetterError(str(exc)) from exc
    if pages > MAX_PAGES:
        raise LetterError(f"the letter has {pages} pages, at most {MAX_PAGES}")
    if target is None:
        return pdf, pages
    target.write(pdf)
    return None, pages
