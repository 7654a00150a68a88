"""The plain-text part, made from the HTML body when the composer left it empty.

Regular expressions rather than an HTML parser: it runs for every message, and on a 1.5 KB body
html.parser costs about ten times as much. The input is the author's body (already rendered,
escaped HTML), not arbitrary web pages, so the shapes are the usual ones: hidden blocks, style
and script are dropped, paragraphs and line breaks become new lines, list items get a dash and
links keep their URL after the words ("Shop now (https://…)").
"""
import html as html_lib
import re

_HIDDEN = re.compile(r"<(style|script|head|title)\b.*?</\1\s*>|<!--.*?-->"
                     r"|<(div|span|p|td)\b[^>]*display:\s*none[^>]*>.*?</\2\s*>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<a\b[^>]*?\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)')[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\b[^>]*>", re.IGNORECASE)
_BLOCK = re.compile(r"</?(?:p|div|table|tr|h[1-6]|ul|ol|blockquote|section|header|footer|article)\b[^>]*>", re.IGNORECASE)
_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_IMG_ALT = re.compile(r"<img\b[^>]*?\balt\s*=\s*(?:\"([^\"]*)\"|'([^']*)')[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def _link(match):
    href = html_lib.unescape(match.group(1) if match.group(1) is not None else match.group(2) or "")
    words = _TAG.sub("", match.group(3)).strip()
    if href.startswith(("http://", "https://")) and html_lib.unescape(words) != href:
        return f"{match.group(3)} ({href})"
    return match.group(3)


def html_to_text(html):
    """Readable plain text for an HTML body."""
    text = _HIDDEN.sub("", html or "")
    text = text.replace("\n", " ")
    # Only lone spaces (the usual case): nothing to squeeze, and the scan was a third of the time.
    if "  " in text or any(c in text for c in "\t\r\f\v"):
        text = _SPACES.sub(" ", text)
    text = _LINK.sub(_link, text)
    text = _IMG_ALT.sub(lambda m: m.group(1) or m.group(2) or "", text)
    text = _BREAK.sub("\n", text)
    text = _BLOCK.sub("\n\n", text)
    text = _ITEM.sub("\n- ", text)
    text = html_lib.unescape(_TAG.sub("", text))
    text = _MANY_NEWLINES.sub("\n\n", _AROUND_NEWLINE.sub("\n", text))
    return text.strip() + "\n"
