"""Keyword matching for received SMS: "STOP", " stop! ", "لغو", "لغو." and «لغو» with Arabic
letters all mean the same, while "please don't stop" is no keyword.

Both the message and the configured keywords go through `normalize`, so an admin may write the
keywords in any of the spellings.
"""
import unicodedata

# Arabic letters people type on Arabic keyboards for the Persian ones, and the few that differ
# only in spelling: teh marbuta and heh with yeh are read as heh (a keyword never differs by them alone).
LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ە": "ه"})
TATWEEL = "\u0640"


def _keep(char):
    category = unicodedata.category(char)
    # Mn: harakat and other diacritics; Cf: ZWNJ, ZWJ, LRM, RLM and the other direction marks.
    return char != TATWEEL and category not in ("Mn", "Cf")


def _edge(char):
    """Punctuation, symbols (emoji) and spaces around a keyword: "STOP!", «لغو», "لغو؟"."""
    return char.isspace() or unicodedata.category(char)[0] in "PS"


def normalize(text):
    """The canonical form of `text` for comparing keywords: case folded, Arabic letter variants
    and digits unified, diacritics, tatweel and invisible marks removed, inner spaces collapsed,
    surrounding punctuation stripped."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", str(text or "")))
    text = "".join(str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else c
                   for c in text if _keep(c))
    text = unicodedata.normalize("NFC", text).translate(LETTERS).casefold()
    start, end = 0, len(text)
    while start < end and _edge(text[start]):
        start += 1
    while end > start and _edge(text[end - 1]):
        end -= 1
    return " ".join(text[start:end].split())


def match(text, lists):
    """The kind ("opt_out", "opt_in", "help") whose keyword list holds the whole message, else "".

    `lists` maps each kind to its keywords, in priority order."""
    message = _key(text)
    if not message:
        return ""
    for kind, words in lists.items():
        if message in {_key(word) for word in words or ()}:
            return kind
    return ""


def _key(text):
    # Persian writes compounds with a space, a ZWNJ or neither (ثبت نام, ثبت‌نام, ثبتنام): all one keyword.
    return normalize(text).replace(" ", "")
